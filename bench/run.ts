// Runs every benchmark in this folder, one after another, each in its own process so RSS and CPU
// figures are its own. Usage: pnpm bench [name-filter]   (after pnpm build; pnpm bench builds first)
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_') && f.includes(filter))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n### ${file}`);
  const result = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
console.log(`\n${files.length - failed} benchmarks finished, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
