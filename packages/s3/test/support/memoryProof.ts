// Runs one role of the S3 memory proof (memoryChild.mjs) in its own process and returns what it measured.
// Shared by the integration test (test/integration/s3.memory.test.ts) and bench/s3-memory.ts.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Secret } from '@tributary/connection';

/** What one child measured. */
export interface MemoryResult {
  role: string;
  records: number;
  ms: number;
  /** RSS before the role started: Node, the AWS SDK and `@tributary/*` loaded. */
  baselineMiB: number;
  peakRssMiB: number;
  /** V8 heap in use and array buffers at the moment of the peak. */
  heapMiB: number;
  buffersMiB: number;
}

/** What the child does: write `sizeMiB` in lines of `recordBytes` to `bucket`/`key` (or read them back). */
export interface MemoryRun {
  role: 'raw-write' | 'write' | 'read';
  /** A connection config (testkit's `local.connectionConfig`); its Secrets reach the child by environment. */
  connection: object;
  bucket: string;
  key: string;
  sizeMiB: number;
  recordBytes: number;
  /** Parts of 8 MiB uploaded at once. */
  queueSize: number;
}

/** The config as JSON, each Secret replaced by the name of an environment variable that carries it. */
function withoutSecrets(value: unknown, env: Record<string, string>): unknown {
  if (value instanceof Secret) {
    const name = `TRIBUTARY_MEMORY_SECRET_${Object.keys(env).length}`;
    env[name] = value.reveal();
    return { $secretEnv: name };
  }
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v, env));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutSecrets(v, env)]));
}

/** Runs `run.role` in a fresh Node process (`memoryChild.mjs`) and returns its measurement. */
export function runMemoryChild(run: MemoryRun): Promise<MemoryResult> {
  const secrets: Record<string, string> = {};
  const argument = JSON.stringify({ ...run, connection: withoutSecrets(run.connection, secrets) });
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./memoryChild.mjs', import.meta.url)), argument],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...secrets } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`memory proof child (${run.role}) exited with ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as MemoryResult);
    });
  });
}
