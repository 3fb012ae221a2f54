#!/usr/bin/env node
// The `tributary` CLI: see packages/engine/README.md. Runs the built package (pnpm build).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
