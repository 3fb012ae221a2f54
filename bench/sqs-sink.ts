// sqsSink vs a tuned raw-SDK SendMessageBatch loop (same batch size and concurrency) and vs sqs-producer, in one run:
//  1. throughput against the same local SQS endpoint (a fresh queue per contender and round);
//  2. client CPU per message with a stub request handler and no network (the SDK's own cost is the baseline);
//  3. peak RSS of the process.
// Usage (after pnpm build): node bench/sqs-sink.ts
// Environment: BENCH_SQS_MESSAGES (throughput, per contender and round, default 20000),
// BENCH_SQS_CPU_MESSAGES (default 100000), BENCH_SQS_ROUNDS (default 2), TRIBUTARY_LOCAL_AWS.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { type AwsConnection, silentLogger } from '@tributary/connection';
import { sqsSink } from '@tributary/sqs';
import { startLocalAws } from '@tributary/testkit';
import { Producer } from 'sqs-producer';

const MESSAGES = Number(process.env.BENCH_SQS_MESSAGES ?? 20_000);
const CPU_MESSAGES = Number(process.env.BENCH_SQS_CPU_MESSAGES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_SQS_ROUNDS ?? 2);
const BATCH = 10;
const CONCURRENCY = 8;
const WINDOW = BATCH * CONCURRENCY * 4;

interface Order {
  orderId: string;
  n: number;
  pad: string;
}
const orders: Order[] = Array.from({ length: Math.max(MESSAGES, CPU_MESSAGES) }, (_, n) => ({
  orderId: `order-${n}`,
  n,
  pad: 'x'.repeat(180),
}));

/** A tuned raw loop: CONCURRENCY workers, each sending full batches and resending only failed entries. */
async function rawLoop(client: SQSClient, queueUrl: string, count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const start = next;
      next = Math.min(count, next + BATCH);
      let entries: SendMessageBatchRequestEntry[] = [];
      for (let i = start; i < next; i++) {
        entries.push({ Id: String(i - start), MessageBody: JSON.stringify(orders[i]) });
      }
      for (let attempt = 1; entries.length > 0; attempt++) {
        const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        if (!out.Failed?.length) break;
        const failed = new Set(out.Failed.map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(1_000, 50 * 2 ** attempt)));
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** sqs-producer given the same concurrency: CONCURRENCY send() calls over slices of the messages. */
async function producerLoop(client: SQSClient, queueUrl: string, count: number): Promise<void> {
  const producer = Producer.create({ queueUrl, sqs: client, batchSize: BATCH });
  const slice = Math.ceil(count / CONCURRENCY);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      const messages = [];
      for (let i = w * slice; i < Math.min(count, (w + 1) * slice); i++) {
        messages.push({ id: String(i), body: JSON.stringify(orders[i]) });
      }
      await producer.send(messages);
    }),
  );
}

/** sqs-producer exactly as its README uses it: one send() call with every message (batches go one by one). */
async function producerSingle(client: SQSClient, queueUrl: string, count: number): Promise<void> {
  const producer = Producer.create({ queueUrl, sqs: client, batchSize: BATCH });
  const messages = [];
  for (let i = 0; i < count; i++) messages.push({ id: String(i), body: JSON.stringify(orders[i]) });
  await producer.send(messages);
}

/** Calls `write(i)` for every i with at most `window` writes outstanding, honouring the sink's backpressure. */
async function writeAll(
  count: number,
  write: (i: number) => Promise<unknown>,
  window: number,
): Promise<void> {
  let outstanding = 0;
  let failed: unknown;
  let wake: (() => void) | undefined;
  const done = (): void => {
    outstanding--;
    const w = wake;
    wake = undefined;
    w?.();
  };
  for (let i = 0; i < count; i++) {
    while (outstanding >= window) await new Promise<void>((resolve) => (wake = resolve));
    if (failed !== undefined) throw failed;
    outstanding++;
    write(i).then(done, (error: unknown) => {
      failed = error;
      done();
    });
  }
  while (outstanding > 0) await new Promise<void>((resolve) => (wake = resolve));
  if (failed !== undefined) throw failed;
}

async function sinkLoop(aws: AwsConnection, queueUrl: string, count: number): Promise<void> {
  const sink = sqsSink<Order>(aws, {
    queueUrl,
    maxConcurrency: CONCURRENCY,
    maxBufferedEntries: WINDOW,
    lingerMs: 5,
  });
  await writeAll(count, (i) => sink.write({ body: orders[i] as Order }), WINDOW);
  await sink.close();
}

let peakRss = 0;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

// --- 1. Throughput against the local endpoint (BENCH_SQS_MESSAGES=0 skips it) ----------------------------------
if (MESSAGES > 0) {
  await using local = await startLocalAws({ services: ['sqs'] });
  const aws = local.connection();
  // The raw loop gets the tuned client the sink uses (cacheMiddleware from the connection, md5 off);
  // sqs-producer gets a client as its README builds one (the SDK defaults).
  const tuned = aws.client(SQSClient, { md5: false });
  const plain = new SQSClient({
    region: local.region,
    endpoint: local.endpoints.sqs,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  console.log(
    `backend ${local.backend}, ${MESSAGES} messages of ~220 B per run, batch ${BATCH}, concurrency ${CONCURRENCY}, ${ROUNDS} rounds`,
  );
  const rates = {
    raw: [] as number[],
    sink: [] as number[],
    producer: [] as number[],
    producer1: [] as number[],
  };
  const contenders = [
    ['raw', (url: string) => rawLoop(tuned, url, MESSAGES)],
    ['sink', (url: string) => sinkLoop(aws, url, MESSAGES)],
    ['producer', (url: string) => producerLoop(plain, url, MESSAGES)],
    ['producer1', (url: string) => producerSingle(plain, url, MESSAGES)],
  ] as const;
  // Round 0 warms the emulator and the JIT up and is not counted; the order rotates every round.
  for (let round = 0; round <= ROUNDS; round++) {
    const order = contenders.map(
      (_, i) => contenders[(i + round) % contenders.length] as (typeof contenders)[number],
    );
    for (const [name, run] of order) {
      const queue = await local.createQueue();
      const start = performance.now();
      await run(queue.url);
      const seconds = (performance.now() - start) / 1000;
      if (round > 0) rates[name].push(MESSAGES / seconds);
      console.log(
        `  ${round === 0 ? 'warm-up' : `round ${round}`} ${name.padEnd(9)} ${(MESSAGES / seconds).toFixed(0)} messages/s`,
      );
    }
  }
  plain.destroy();
  const best = (xs: number[]) => Math.max(...xs);
  console.log(
    `throughput: raw ${best(rates.raw).toFixed(0)}/s, sqsSink ${best(rates.sink).toFixed(0)}/s, ` +
      `sqs-producer ${best(rates.producer).toFixed(0)}/s (${CONCURRENCY} send() calls), ` +
      `${best(rates.producer1).toFixed(0)}/s (one send() call); sink/raw ${(best(rates.sink) / best(rates.raw)).toFixed(2)} ` +
      `(target >= 0.95), sink/sqs-producer ${(best(rates.sink) / best(rates.producer)).toFixed(2)} at equal concurrency, ` +
      `${(best(rates.sink) / best(rates.producer1)).toFixed(2)} vs one send() call (target >= 2)`,
  );
}

// --- 2. Client CPU per message, stub request handler ---------------------------------------------------------
{
  // Answers GetQueueAttributes (the sink's start) with 1 MiB, and every SendMessageBatch with success for each
  // entry Id it was sent.
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const attributes = encoder.encode(JSON.stringify({ Attributes: { MaximumMessageSize: '1048576' } }));
  const stub = {
    handle: async (request: { body?: unknown; headers: Record<string, string> }) => {
      if (request.headers['x-amz-target'] === 'AmazonSQS.GetQueueAttributes') {
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: attributes,
          },
        };
      }
      const input = JSON.parse(decoder.decode(request.body as Uint8Array)) as { Entries: { Id: string }[] };
      const body = encoder.encode(
        JSON.stringify({
          Successful: input.Entries.map((e) => ({
            Id: e.Id,
            MessageId: '8a5d2a56-1b4c-4d0e-9c43-5f0c2b0f9b1e',
            MD5OfMessageBody: '0123456789abcdef0123456789abcdef',
          })),
          Failed: [],
        }),
      );
      return {
        response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  const client = new SQSClient({
    region: 'eu-west-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: stub as never,
    cacheMiddleware: true,
    md5: false,
  });
  // Only what sqsSink uses of a connection: this stub client, and a logger.
  const aws = { client: () => client, logger: silentLogger } as unknown as AwsConnection;
  const queueUrl = 'http://127.0.0.1:1/000000000000/orders';
  const count = CPU_MESSAGES - (CPU_MESSAGES % BATCH);
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const cpu = async (run: () => Promise<void>): Promise<number> => {
    gc();
    const before = process.cpuUsage();
    await run();
    gc();
    const used = process.cpuUsage(before);
    return ((used.user + used.system) * 1000) / count; // ns per message
  };
  const costs = { raw: [] as number[], sink: [] as number[] };
  for (let round = 0; round < ROUNDS + 1; round++) {
    const raw = await cpu(() => rawLoop(client, queueUrl, count));
    const sink = await cpu(() => sinkLoop(aws, queueUrl, count));
    if (round === 0) continue; // warm-up
    costs.raw.push(raw);
    costs.sink.push(sink);
  }
  const least = (xs: number[]) => Math.min(...xs);
  console.log(
    `cpu per message (stub handler, ${count} messages): SDK ${(least(costs.raw) / 1000).toFixed(2)} µs, ` +
      `sqsSink ${(least(costs.sink) / 1000).toFixed(2)} µs, ratio ${(least(costs.sink) / least(costs.raw)).toFixed(2)} (target <= 1.2)`,
  );
}

clearInterval(rssTimer);
console.log(
  `peak RSS ${(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024).toFixed(0)} MiB`,
);
