import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type EmulatorName, startEmulators } from '../../src/internal/embedded.js';
import { httpStatus } from '../../src/internal/net.js';

const binDir = fileURLToPath(new URL('../../bin/', import.meta.url));
const kinesisDir = dirname(createRequire(import.meta.url).resolve('kinesis-local/package.json'));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

describe('embedded emulators', () => {
  it('start in parallel on 127.0.0.1, answer, and are gone after stop', async () => {
    // Prepare
    const names = new Set<EmulatorName>(['fauxqs', 'kinesis-local', 'moto']);
    // Act
    const started = Date.now();
    const running = await startEmulators(names, { region: 'us-east-1', timeoutMs: 60_000 });
    const startupMs = Date.now() - started;
    const pids = [...running.values()].map((e) => e.process.pid as number);
    try {
      // Assess
      expect([...running.keys()].sort()).toEqual(['fauxqs', 'kinesis-local', 'moto']);
      for (const emulator of running.values()) {
        expect(emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(isAlive(emulator.process.pid as number)).toBe(true);
      }
      expect(await httpStatus(`${running.get('kinesis-local')?.endpoint}/healthcheck`, 2000)).toBe(200);
      expect(await httpStatus(`${running.get('moto')?.endpoint}/moto-api/`, 2000)).toBe(200);
      expect(startupMs).toBeLessThan(30_000);
    } finally {
      await Promise.all([...running.values()].map((e) => e.process.stop()));
    }
    for (const pid of pids) expect(await waitUntilGone(pid, 5000)).toBe(true);
  });

  it.each([
    ['fauxqs', process.execPath, [`${binDir}fauxqs-server.mjs`], undefined],
    ['moto', 'python3', [`${binDir}moto-server.py`], undefined],
    ['kinesis-local', process.execPath, ['--require', `${binDir}kinesis-preload.cjs`, 'main.js'], kinesisDir],
  ])('%s exits when the process that started it is killed', async (_name, command, args, cwd) => {
    // Prepare: a parent process that starts the launcher (detached, as the testkit does) and reports its pid
    const parentScript = `
      const { spawn } = require('node:child_process');
      const child = spawn(${JSON.stringify(command)}, ${JSON.stringify(args)}, {
        cwd: ${JSON.stringify(cwd)}, stdio: ['pipe', 'pipe', 'inherit'], detached: true,
        env: { ...process.env, KINESIS_MOCK_PLAIN_PORT: '0', KINESIS_MOCK_TLS_PORT: '0' },
      });
      child.stdout.on('data', (d) => {
        if (String(d).includes('LISTENING')) process.stdout.write('CHILD ' + child.pid + '\\n');
      });
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['-e', parentScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    const childPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (d: Buffer) => {
        out += String(d);
        const match = out.match(/CHILD (\d+)/);
        if (match) resolve(Number(match[1]));
      });
      parent.once('exit', () => reject(new Error(`parent exited early: ${out}`)));
    });
    expect(isAlive(childPid)).toBe(true);
    // Act
    parent.kill('SIGKILL');
    // Assess
    expect(await waitUntilGone(childPid, 10_000)).toBe(true);
  });

  it('reports the log tail when an emulator cannot start', async () => {
    // Prepare
    const previous = process.env.TRIBUTARY_PYTHON;
    process.env.TRIBUTARY_PYTHON = 'python3-that-does-not-exist';
    try {
      // Act
      const start = startEmulators(new Set<EmulatorName>(['moto']), { region: 'us-east-1', timeoutMs: 5000 });
      // Assess
      await expect(start).rejects.toMatchObject({
        code: 'LOCAL_AWS_START_FAILED',
        message: expect.stringMatching(/moto did not start[\s\S]*log tail[\s\S]*python3-that-does-not-exist/),
      });
    } finally {
      if (previous === undefined) delete process.env.TRIBUTARY_PYTHON;
      else process.env.TRIBUTARY_PYTHON = previous;
    }
  });
});
