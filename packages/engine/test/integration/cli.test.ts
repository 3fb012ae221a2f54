// biome-ignore-all lint/suspicious/noTemplateCurlyInString: macros are what these tests exercise
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { isSecret } from '@tributary/connection';
import { main } from '@tributary/engine';
import { type LocalAws, startLocalAws } from '@tributary/testkit';
import { describe, expect, it } from 'vitest';

const binary = fileURLToPath(new URL('../../bin/tributary.js', import.meta.url));

function configFile(doc: object): string {
  const file = join(
    tmpdir(),
    `tributary-cli-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`,
  );
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

function connectionDoc(local: LocalAws, endpoint: string) {
  const auth = local.connectionConfig.auth;
  if (auth.mode !== 'access-key') throw new Error('needs access-key auth');
  return {
    secrets: [{ name: 'aws-secret', provider: 'env', variable: 'CLI_TEST_SECRET' }],
    connections: [
      {
        name: 'Local',
        region: 'us-east-1',
        endpoint,
        auth: { mode: 'access-key', accessKeyId: auth.accessKeyId, secretAccessKey: '${sec:aws-secret}' },
      },
    ],
  };
}

function secretEnv(local: LocalAws): Record<string, string | undefined> {
  const auth = local.connectionConfig.auth;
  const secret =
    auth.mode === 'access-key' && isSecret(auth.secretAccessKey) ? auth.secretAccessKey.reveal() : 'test';
  return { ...process.env, CLI_TEST_SECRET: secret };
}

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (t: string) => (out.stdout += t) },
      stderr: { write: (t: string) => (out.stderr += t) },
    },
  };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe('tributary test-connection', () => {
  it('reports ok for a reachable endpoint and CONNECTION_REFUSED with a hint for a refused one', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['sqs'] });
    const port = await closedPort();
    const doc = connectionDoc(local, local.endpoints.sts ?? local.endpoints.sqs ?? '');
    const good = configFile(doc);
    const bad = configFile({
      ...doc,
      connections: [{ ...doc.connections[0], endpoint: `http://127.0.0.1:${port}` }],
    });
    const ok = capture();
    const refused = capture();
    // Act
    const okCode = await main(['test-connection', good, 'Local'], { ...ok.io, env: secretEnv(local) });
    const refusedCode = await main(['test-connection', bad, '--timeout', '2000'], {
      ...refused.io,
      env: secretEnv(local),
    });
    // Assess
    expect(okCode).toBe(0);
    expect(ok.out.stdout).toMatch(/^ok {3}Local \(\d+ ms\)/);
    expect(refusedCode).toBe(1);
    expect(refused.out.stdout).toMatch(/FAIL Local: CONNECTION_REFUSED/);
    expect(refused.out.stdout).toMatch(/hint: .+/);
    const secret = secretEnv(local).CLI_TEST_SECRET ?? '';
    if (secret.length >= 8) expect(`${ok.out.stdout}${refused.out.stdout}`).not.toContain(secret);
  });
});

/** How a test drives `tributary run`: start it, read its stderr so far, send SIGTERM, await its exit code. */
interface RunHandle {
  stderr(): string;
  sigterm(): void;
  exit: Promise<number>;
}

/**
 * SQS -> SQS through `tributary run`, stopped by SIGTERM mid-stream: it must drain and exit 0, and every source
 * message must be either written to the target or still (visible again) in the source.
 */
async function sigtermScenario(start: (file: string, env: Record<string, string | undefined>) => RunHandle) {
  // Prepare
  await using local = await startLocalAws({ services: ['sqs'] });
  const n = local.backend === 'moto' ? 200 : 1500;
  const [source, target] = await Promise.all([local.createQueue(), local.createQueue()]);
  const sqs = local.connection().client(SQSClient);
  for (let i = 0; i < n; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: source.url,
        Entries: Array.from({ length: 10 }, (_, j) => ({
          Id: String(j),
          MessageBody: JSON.stringify({ id: `m${i + j}` }),
        })),
      }),
    );
  }
  const file = configFile({
    ...connectionDoc(local, local.endpoints.sqs ?? ''),
    sources: [
      {
        name: 'in',
        type: 'sqs',
        connection: 'Local',
        queueUrl: source.url,
        bodyFormat: 'json',
        waitTimeSeconds: 1,
        visibilityTimeout: 3,
        maxInFlight: 50,
      },
    ],
    sinks: [
      {
        name: 'out',
        type: 'sqs',
        connection: 'Local',
        queueUrl: target.url,
        maxConcurrency: 1,
        lingerMs: 50,
      },
    ],
    workflows: [{ name: 'copy', source: 'in', routes: [{ sinks: ['out'] }], maxInFlight: 50 }],
  });
  // Act
  const run = start(file, secretEnv(local));
  const deadline = Date.now() + 60_000;
  while (
    !run.stderr().includes('"sink.out.written":') ||
    /"sink\.out\.written":0\b/.test(run.stderr().split('\n').at(-2) ?? '')
  ) {
    if (Date.now() > deadline) throw new Error(`no progress: ${run.stderr().slice(-500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  run.sigterm();
  const code = await run.exit;
  // Assess
  expect(code).toBe(0);
  const written = new Set(
    (await local.drainQueue(target.url, { timeoutMs: 5000 })).map(
      (m) => (JSON.parse(m.Body ?? '{}') as { id: string }).id,
    ),
  );
  await new Promise((r) => setTimeout(r, 3500)); // let unacked messages become visible again
  const remaining = new Set(
    (await local.drainQueue(source.url, { expected: n - written.size, timeoutMs: 20_000 })).map(
      (m) => (JSON.parse(m.Body ?? '{}') as { id: string }).id,
    ),
  );
  expect(written.size).toBeGreaterThan(0);
  expect(written.size).toBeLessThan(n);
  const lost = Array.from({ length: n }, (_, i) => `m${i}`).filter(
    (id) => !written.has(id) && !remaining.has(id),
  );
  expect(lost).toEqual([]);
  expect(run.stderr()).toContain('engine.run.stopping');
  expect(run.stderr()).not.toMatch(/\n\s+at /);
}

describe('tributary run', () => {
  it('answers SIGTERM mid-stream: drains, exits 0, and every source message is either written or still in the source', async () => {
    await sigtermScenario((file, env) => {
      const signals = new EventEmitter();
      const { io, out } = capture();
      const exit = main(['run', file, '--progress', 'log'], {
        ...io,
        env,
        signals: signals as never,
        progressIntervalMs: 200,
      });
      return { stderr: () => out.stderr, sigterm: () => signals.emit('SIGTERM'), exit };
    });
  });

  it('does the same as a process: the built `tributary` binary gets a real SIGTERM', async () => {
    await sigtermScenario((file, env) => {
      // The binary runs the built package (CI builds before testing).
      const child = spawn(
        process.execPath,
        [binary, 'run', file, '--progress', 'log', '--progress-interval', '200'],
        {
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exit = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
      return { stderr: () => stderr, sigterm: () => child.kill('SIGTERM'), exit };
    });
  });
});
