// sqsSink vs a tuned raw-SDK SendMessageBatch loop (same batch size and concurrency) and vs sqs-producer, in one run:
//  1. throughput against the same local SQS endpoint (a fresh queue per contender and round; each contender in a
//     long-lived process of its own, contenders taking turns), with a minimal promise-per-write batcher as a
//     reference for what the sink's own work costs, and the raw loop a second time in a process of its own as a
//     control (raw again/raw shows how far two processes running the same code disagree); then the raw loop,
//     the sink and the raw loop again taking turns in one process;
//  2. client CPU per message with a stub request handler and no network (the SDK's own cost is the baseline),
//     each measurement in its own child process;
//  3. peak RSS of each contender's process in section 1.
// Usage (after pnpm build): node bench/sqs-sink.ts
// Environment: BENCH_SQS_MESSAGES (throughput, per contender and round, default 20000),
// BENCH_SQS_CPU_MESSAGES (default 100000), BENCH_SQS_ROUNDS (default 2), TRIBUTARY_LOCAL_AWS,
// BENCH_INSTRUCTIONS=1 (also counts the CPU section's instructions under valgrind: slow, see _harness.ts),
// BENCH_NETWORK_INSTRUCTIONS=1 (also counts the sink's and the raw loop's instructions over the network: very slow),
// BENCH_WARM_UP_MESSAGES (each contender's warm-up before its first round, default 400000).

import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import type { AwsConnection } from '@tributary/connection';
import { sqsSink } from '@tributary/sqs';
import type { BatchWriter } from '@tributary/stream';
import type { Producer as SqsProducer } from 'sqs-producer';
import {
  backoff,
  compareCpu,
  cpuChildSide,
  inBatches,
  requestText,
  stubClientConfig,
  stubConnection,
  stubResponse,
  throughOneSink,
  throughputRounds,
  writeAll,
} from './_harness.ts';

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
  await inBatches(count, BATCH, CONCURRENCY, async (start, end) => {
    let entries: SendMessageBatchRequestEntry[] = [];
    for (let i = start; i < end; i++) {
      entries.push({ Id: String(i - start), MessageBody: JSON.stringify(orders[i]) });
    }
    for (let attempt = 1; entries.length > 0; attempt++) {
      const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      if (!out.Failed?.length) break;
      const failed = new Set(out.Failed.map((f) => f.Id));
      entries = entries.filter((e) => failed.has(e.Id));
      await backoff(attempt);
    }
  });
}

/** An sqs-producer for the queue (imported on first use: the CPU children do not load it). */
async function createProducer(client: SQSClient, queueUrl: string): Promise<SqsProducer> {
  const { Producer } = await import('sqs-producer');
  return Producer.create({ queueUrl, sqs: client, batchSize: BATCH });
}

/** sqs-producer given the same concurrency: CONCURRENCY send() calls over slices of the messages. */
async function producerLoop(client: SQSClient, queueUrl: string, count: number): Promise<void> {
  const producer = await createProducer(client, queueUrl);
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
  const producer = await createProducer(client, queueUrl);
  const messages = [];
  for (let i = 0; i < count; i++) messages.push({ id: String(i), body: JSON.stringify(orders[i]) });
  await producer.send(messages);
}

/**
 * The least a promise-per-write batcher does, as a reference for the sink's own cost (not a usable sink: no
 * size rules, linger, retries or flush): a promise per write, full batches of BATCH, at most CONCURRENCY
 * requests, a receipt by index. A batch with failed entries rejects all its writes, so nothing is dropped
 * unseen.
 */
function minimalBatcher(client: SQSClient, queueUrl: string): (order: Order) => Promise<unknown> {
  interface Write {
    body: string;
    resolve: (receipt: { id: string | undefined }) => void;
    reject: (error: Error) => void;
  }
  let pending: Write[] = [];
  let inFlight = 0;
  const waiting: Write[][] = [];
  /** A batch answered or failed: the next waiting batch takes its place either way. */
  const answered = (): void => {
    inFlight--;
    const next = waiting.shift();
    if (next) send(next);
  };
  const send = (batch: Write[]): void => {
    inFlight++;
    const Entries = batch.map((w, i) => ({ Id: String(i), MessageBody: w.body }));
    client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries })).then(
      (out) => {
        answered();
        const failed = out.Failed?.length ?? 0;
        for (let i = 0; i < batch.length; i++) {
          const write = batch[i] as Write;
          if (failed > 0) write.reject(new Error(`${failed} entries failed`));
          else write.resolve({ id: out.Successful?.[i]?.MessageId });
        }
      },
      (error: Error) => {
        answered();
        for (const write of batch) write.reject(error);
      },
    );
  };
  return (order) =>
    new Promise((resolve, reject) => {
      pending.push({ body: JSON.stringify(order), resolve, reject });
      if (pending.length < BATCH) return;
      const batch = pending;
      pending = [];
      if (inFlight < CONCURRENCY) send(batch);
      else waiting.push(batch);
    });
}

function newSink(aws: AwsConnection, queueUrl: string): BatchWriter<Order> {
  return sqsSink<Order>(aws, {
    queueUrl,
    maxConcurrency: CONCURRENCY,
    maxBufferedEntries: WINDOW,
    lingerMs: 5,
  });
}

function writeThrough(sink: BatchWriter<Order>, count: number): Promise<void> {
  return writeAll(count, (i) => sink.write({ body: orders[i] as Order }), WINDOW);
}

// --- 1. Throughput against the local endpoint (BENCH_SQS_MESSAGES=0 skips it) ----------------------------------
if (MESSAGES > 0 && cpuChildSide === undefined) {
  // Loaded here, not at the top: the CPU children (section 2) must not load the testkit and the SDK clients it
  // imports, which change how V8 collects garbage in the measured process (see the package README).
  const { startLocalAws } = await import('@tributary/testkit');
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
  const best = await throughputRounds({
    messages: MESSAGES,
    rounds: ROUNDS,
    unit: 'messages/s',
    local,
    warmUpMessages: 400_000,
    countInstructions: ['sink', 'raw'],
    sameProcess: ['raw', 'sink', 'rawAgain'],
    target: async () => (await local.createQueue()).url,
    ratios: [
      ['sink', 'raw'],
      ['minimal', 'raw'],
      ['rawAgain', 'raw'],
      ['sink', 'producer1'],
    ],
    contenders: [
      ['raw', (url) => rawLoop(tuned, url, MESSAGES)],
      ['rawAgain', (url) => rawLoop(tuned, url, MESSAGES)],
      [
        'sink',
        async (url) => {
          await using sink = newSink(aws, url);
          await writeThrough(sink, MESSAGES);
        },
      ],
      [
        'minimal',
        async (url) => {
          const write = minimalBatcher(tuned, url);
          await writeAll(MESSAGES, (i) => write(orders[i] as Order), WINDOW);
        },
      ],
      ['producer', (url) => producerLoop(plain, url, MESSAGES)],
      ['producer1', (url) => producerSingle(plain, url, MESSAGES)],
    ],
  });
  plain.destroy();
  console.log(
    `throughput: raw ${best.raw.toFixed(0)}/s, sqsSink ${best.sink.toFixed(0)}/s, ` +
      `minimal batcher ${best.minimal.toFixed(0)}/s, ` +
      `sqs-producer ${best.producer.toFixed(0)}/s (${CONCURRENCY} send() calls), ` +
      `${best.producer1.toFixed(0)}/s (one send() call); sink/raw ${(best.sink / best.raw).toFixed(2)} ` +
      `(target >= 0.95), sink/sqs-producer ${(best.sink / best.producer).toFixed(2)} at equal concurrency, ` +
      `${(best.sink / best.producer1).toFixed(2)} vs one send() call (target >= 2)`,
  );
}

// --- 2. Client CPU per message, stub request handler ---------------------------------------------------------
{
  // Answers GetQueueAttributes (the sink's start) with 1 MiB, and every SendMessageBatch with success for each
  // entry Id it was sent.
  const json = (body: string | Uint8Array) => stubResponse('application/x-amz-json-1.0', body);
  const attributes = new TextEncoder().encode(
    JSON.stringify({ Attributes: { MaximumMessageSize: '1048576' } }),
  );
  const client = new SQSClient({
    ...stubClientConfig(async (request) => {
      if (request.headers['x-amz-target'] === 'AmazonSQS.GetQueueAttributes') return json(attributes);
      const input = JSON.parse(requestText(request)) as { Entries: { Id: string }[] };
      return json(
        JSON.stringify({
          Successful: input.Entries.map((e) => ({
            Id: e.Id,
            MessageId: '8a5d2a56-1b4c-4d0e-9c43-5f0c2b0f9b1e',
            MD5OfMessageBody: '0123456789abcdef0123456789abcdef',
          })),
          Failed: [],
        }),
      );
    }),
    cacheMiddleware: true,
    md5: false,
  });
  const aws = stubConnection(client);
  const queueUrl = 'http://127.0.0.1:1/000000000000/orders';
  const count = CPU_MESSAGES - (CPU_MESSAGES % BATCH);
  await compareCpu({
    sinkName: 'sqsSink',
    count,
    rounds: ROUNDS,
    raw: () => rawLoop(client, queueUrl, count),
    sink: throughOneSink(
      () => newSink(aws, queueUrl),
      (sink) => writeThrough(sink, count),
    ),
  });
}
