import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SQSClient,
  SQSClient as SqsClientClass,
} from '@aws-sdk/client-sqs';
import { type AwsConnection, isSecret, type TributaryError } from '@tributary/connection';
import { type SqsMessage, sqsSource } from '@tributary/sqs';
import { type LocalAws, startLocalAws } from '@tributary/testkit';
import { mergeMap, type Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let local: LocalAws;
let aws: AwsConnection;
let onMoto = false;
/**
 * Concurrent receives per consumer. moto answers concurrent ReceiveMessage calls without a lock (one message
 * can reach two receives; a long poll keeps a stale view of FIFO groups in flight), so on moto one receive
 * at a time; SQS, LocalStack and the embedded emulator take several.
 */
const pollers = (n: number): number => (onMoto ? 1 : n);

beforeAll(async () => {
  local = await startLocalAws({ services: ['sqs'] });
  aws = local.connection();
  onMoto = local.backend === 'moto';
});

afterAll(async () => {
  await local?.[Symbol.asyncDispose]();
});

/** Sends `count` messages whose bodies are `<prefix>-<i>`, by SendMessageBatch, 16 requests at a time. */
async function seed(
  client: SQSClient,
  url: string,
  count: number,
  prefix: string,
  fifoGroups = 0,
): Promise<string[]> {
  const bodies = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const batches: string[][] = [];
  for (let i = 0; i < bodies.length; i += 10) batches.push(bodies.slice(i, i + 10));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++] as string[];
      const out = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: batch.map((body, j) => ({
            Id: String(j),
            MessageBody: body,
            ...(fifoGroups > 0
              ? {
                  MessageGroupId: `g${Number(body.split('-').pop()) % fifoGroups}`,
                  MessageDeduplicationId: body,
                }
              : {}),
          })),
        }),
      );
      if (out.Failed?.length) throw new Error(`seeding failed: ${out.Failed.map((f) => f.Code).join(',')}`);
    }
  };
  await Promise.all(Array.from({ length: fifoGroups > 0 ? 1 : 16 }, worker));
  return bodies;
}

/** Visible + in-flight messages, once both read 0 (or the timeout passed). */
async function remaining(client: SQSClient, url: string, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const count =
      Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    if (count === 0 || Date.now() > deadline) return count;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Consumer child process (test/fixtures/sourceConsumer.mjs), reporting processed and acked bodies. */
interface Consumer {
  child: ChildProcess;
  processed: string[];
  acked: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

const consumerScript = fileURLToPath(new URL('../fixtures/sourceConsumer.mjs', import.meta.url));

/** The connection config as JSON for a child process, secrets as `{ $reveal }` (Secret.toJSON redacts them). */
function connectionJson(): string {
  const reveal = (value: unknown): unknown => {
    if (isSecret(value)) return { $reveal: value.reveal() };
    if (Array.isArray(value)) return value.map(reveal);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    }
    return value;
  };
  return JSON.stringify(reveal(local.connectionConfig));
}

function startConsumer(url: string, delayMs: number, options: Record<string, unknown> = {}): Consumer {
  const child = spawn(process.execPath, [consumerScript], {
    env: {
      ...process.env,
      SOURCE_CONNECTION: connectionJson(),
      SOURCE_QUEUE_URL: url,
      SOURCE_DELAY_MS: String(delayMs),
      SOURCE_OPTIONS: JSON.stringify(options),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const consumer: Consumer = {
    child,
    processed: [],
    acked: [],
    stderr: [],
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('P ')) consumer.processed.push(line.slice(2));
      else if (line.startsWith('A ')) consumer.acked.push(line.slice(2));
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => consumer.stderr.push(chunk));
  return consumer;
}

async function until(
  condition: () => boolean,
  timeoutMs: number,
  what: string,
  consumers: Consumer[] = [],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    const crashed = consumers.some((c) => c.child.exitCode !== null);
    if (crashed || Date.now() > deadline) {
      const report = consumers.map((c, i) => `consumer ${i}: ${c.acked.length} acked; ${c.stderr.join('')}`);
      throw new Error(
        `${crashed ? 'a consumer exited' : 'timed out'} waiting for ${what}\n${report.join('\n')}`,
      );
    }
    await sleep(50);
  }
}

describe('sqsSource (integration)', () => {
  it('drains a queue with random ack delays and 5 % nacks: every message once, none lost', async () => {
    // Prepare
    const count = onMoto ? 300 : 20_000;
    const queue = await local.createQueue();
    const client = aws.client(SqsClientClass);
    const bodies = await seed(client, queue.url, count, 'drain');
    const deliveries = new Map<string, number>();
    const nacked = new Set<string>();
    const done = new Set<string>();
    const errors: unknown[] = [];
    let finished: () => void = () => {};
    const allDone = new Promise<void>((resolve) => {
      finished = resolve;
    });
    // Act
    const subscription: Subscription = sqsSource(aws, {
      queueUrl: queue.url,
      maxInFlight: 400,
      pollers: pollers(8),
    })
      .pipe(
        mergeMap(async (message: SqsMessage) => {
          deliveries.set(message.body, (deliveries.get(message.body) ?? 0) + 1);
          await sleep(Math.random() * 20);
          if (!nacked.has(message.body) && Math.random() < 0.05) {
            nacked.add(message.body);
            await message.nack();
            return;
          }
          await message.ack();
          done.add(message.body);
          if (done.size === count) finished();
        }, 300),
      )
      .subscribe({ error: (e: unknown) => errors.push(e) });
    await Promise.race([allDone, until(() => errors.length > 0, 150_000, 'the drain')]);
    subscription.unsubscribe();
    // Assess
    expect(errors).toEqual([]);
    expect([...done].sort()).toEqual([...bodies].sort());
    const twice = [...deliveries].filter(([, n]) => n > 1).map(([body]) => body);
    expect(twice.every((body) => nacked.has(body))).toBe(true);
    expect(nacked.size).toBeGreaterThan(0);
    expect(await remaining(client, queue.url)).toBe(0);
  });

  it('keeps a slow consumer (2 s per message, 5 s visibility) free of redeliveries thanks to the heartbeat', async () => {
    // Prepare
    const count = 8;
    const queue = await local.createQueue();
    const client = aws.client(SqsClientClass);
    await seed(client, queue.url, count, 'slow');
    const received: SqsMessage[] = [];
    const acked: string[] = [];
    // Act
    const subscription = sqsSource(aws, { queueUrl: queue.url, visibilityTimeout: 5, maxInFlight: count })
      .pipe(
        mergeMap(async (message: SqsMessage) => {
          received.push(message);
          await sleep(2_000);
          await message.ack();
          acked.push(message.body);
        }, 2),
      )
      .subscribe();
    await until(() => acked.length === count, 60_000, 'the slow consumer');
    await sleep(1_000);
    subscription.unsubscribe();
    // Assess
    expect(received).toHaveLength(count);
    expect(received.every((m) => m.meta.receiveCount === 1)).toBe(true);
    expect(await remaining(client, queue.url)).toBe(0);
  });

  it('delivers the messages of a FIFO group in order', async () => {
    // Prepare
    const count = onMoto ? 60 : 400;
    const queue = await local.createQueue({ fifo: true });
    const client = aws.client(SqsClientClass);
    await seed(client, queue.url, count, 'fifo', 4);
    const seen = new Map<string, number[]>();
    let acked = 0;
    // Act
    const subscription = sqsSource(aws, { queueUrl: queue.url, pollers: pollers(4), maxInFlight: 50 })
      .pipe(
        mergeMap(async (message: SqsMessage) => {
          const group = message.meta.messageGroupId ?? '';
          seen.set(group, [...(seen.get(group) ?? []), Number(message.body.split('-').pop())]);
          await message.ack();
          acked += 1;
        }, 50),
      )
      .subscribe();
    await until(() => acked === count, 60_000, 'the FIFO drain');
    subscription.unsubscribe();
    // Assess
    expect(seen.size).toBe(4);
    for (const sequence of seen.values()) expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
  });

  it('fails with RESOURCE_NOT_FOUND when the queue does not exist', async () => {
    // Prepare
    const queue = await local.createQueue();
    const missing = `${queue.url}-missing`;
    // Act
    const error = await new Promise<TributaryError>((resolve) => {
      sqsSource(aws, { queueUrl: missing }).subscribe({ error: resolve });
    });
    // Assess
    expect(error.code).toBe('RESOURCE_NOT_FOUND');
    expect(error.hint).toBeTruthy();
  });

  describe('several processes', () => {
    it('shares the work between three consumer processes with nothing lost', async () => {
      // Prepare
      const count = onMoto ? 150 : 3_000;
      const queue = await local.createQueue();
      const client = aws.client(SqsClientClass);
      const bodies = await seed(client, queue.url, count, 'shared');
      // Act
      const consumers = [0, 1, 2].map(() => startConsumer(queue.url, 5));
      const processed = () => new Set(consumers.flatMap((c) => c.acked));
      try {
        await until(() => processed().size === count, 100_000, 'three consumers', consumers);
      } finally {
        for (const c of consumers) c.child.kill('SIGTERM');
      }
      const codes = await Promise.all(consumers.map((c) => c.exited));
      // Assess
      expect(codes).toEqual([0, 0, 0]);
      expect([...processed()].sort()).toEqual([...bodies].sort());
      expect(consumers.every((c) => c.acked.length > 0)).toBe(true);
      expect(await remaining(client, queue.url)).toBe(0);
    });

    it('survives kill -9 of a consumer: a new one finishes, every message processed at least once', async () => {
      // Prepare
      const count = onMoto ? 100 : 2_000;
      const queue = await local.createQueue();
      const client = aws.client(SqsClientClass);
      const bodies = await seed(client, queue.url, count, 'crash');
      const options = { visibilityTimeout: 3 };
      // Act
      const first = startConsumer(queue.url, 40, options);
      await until(() => first.acked.length >= count / 4, 60_000, 'the first consumer', [first]);
      first.child.kill('SIGKILL');
      await first.exited;
      const second = startConsumer(queue.url, 5, options);
      const processed = () => new Set([...first.processed, ...second.processed]);
      let left: number;
      try {
        await until(() => processed().size === count, 100_000, 'the second consumer', [first, second]);
        left = await remaining(client, queue.url, 30_000);
      } finally {
        second.child.kill('SIGTERM');
      }
      // Assess
      expect(await second.exited).toBe(0);
      expect(first.acked.length).toBeLessThan(count);
      expect(second.processed.length).toBeGreaterThan(0);
      expect([...processed()].sort()).toEqual([...bodies].sort());
      expect(left).toBe(0);
    });
  });
});
