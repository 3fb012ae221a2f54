// sqsSource drain throughput vs a tuned raw-SDK receive+delete loop and vs sqs-consumer (handleMessage and
// handleMessageBatch), same queue, same run; then peak RSS while draining a large queue with a slow consumer.
// Usage (after pnpm build): node bench/sqs-source.ts
// Environment: BENCH_SQS_MESSAGES (per contender, default 20000), BENCH_SQS_RSS_MESSAGES (default 100000),
// BENCH_SQS_ROUNDS (default 2), TRIBUTARY_LOCAL_AWS (testkit backend).
import {
  type Message as ApiMessage,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { sqsSource } from '@tributary/sqs';
import { startLocalAws } from '@tributary/testkit';
import { mergeMap } from 'rxjs';
import { Consumer } from 'sqs-consumer';

const MESSAGES = Number(process.env.BENCH_SQS_MESSAGES ?? 20_000);
const RSS_MESSAGES = Number(process.env.BENCH_SQS_RSS_MESSAGES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_SQS_ROUNDS ?? 2);
const RAW_RECEIVES_IN_FLIGHT = 16;

await using local = await startLocalAws({ services: ['sqs'] });
const aws = local.connection();
const client = aws.client(SQSClient);
const queue = await local.createQueue();
const url = queue.url;

async function seed(count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const start = next;
      next += 10;
      const entries = Array.from({ length: Math.min(10, count - start) }, (_, j) => ({
        Id: String(j),
        MessageBody: JSON.stringify({ n: start + j, pad: 'x'.repeat(200) }),
      }));
      const out = await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
      if (out.Failed?.length) throw new Error(`seed failed: ${out.Failed[0]?.Code}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  // Wait until the queue reports them all visible (some emulators count asynchronously).
  for (let i = 0; i < 100; i++) {
    const out = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    if (Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) >= count) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A tuned raw loop: 16 receives of 10 in flight, each deleting its batch before receiving again. */
async function rawLoop(count: number): Promise<void> {
  let done = 0;
  const worker = async (): Promise<void> => {
    while (done < count) {
      const out = await client.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const messages: ApiMessage[] = out.Messages ?? [];
      if (messages.length === 0) continue;
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      done += messages.length;
    }
  };
  await Promise.all(Array.from({ length: RAW_RECEIVES_IN_FLIGHT }, worker));
}

/**
 * sqsSource with a consumer that acks at once: with the raw loop's 16 receives in flight, or (`pollers`
 * undefined) with the source's defaults (4 pollers, maxInFlight 100) as sqs-consumer runs with its own.
 */
function tributary(count: number, pollers?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const subscription = sqsSource(aws, {
      queueUrl: url,
      waitTimeSeconds: 1,
      ...(pollers === undefined ? {} : { pollers, maxInFlight: 1_000 }),
    })
      .pipe(
        mergeMap(async (message) => {
          await message.ack();
          done += 1;
          if (done === count) {
            subscription.unsubscribe();
            resolve();
          }
        }, 1_000),
      )
      .subscribe({ error: reject });
  });
}

function sqsConsumer(count: number, batch: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const finish = (n: number): void => {
      done += n;
      if (done >= count) {
        consumer.stop();
        resolve();
      }
    };
    const consumer = batch
      ? Consumer.create({
          queueUrl: url,
          sqs: client,
          batchSize: 10,
          waitTimeSeconds: 1,
          handleMessageBatch: async (messages) => {
            queueMicrotask(() => finish(messages.length));
            return messages;
          },
        })
      : Consumer.create({
          queueUrl: url,
          sqs: client,
          waitTimeSeconds: 1,
          handleMessage: async (message) => {
            queueMicrotask(() => finish(1));
            return message;
          },
        });
    consumer.on('error', reject);
    consumer.on('processing_error', reject);
    consumer.start();
  });
}

async function measure(name: string, run: (count: number) => Promise<void>): Promise<number> {
  await seed(MESSAGES);
  const start = performance.now();
  await run(MESSAGES);
  const seconds = (performance.now() - start) / 1000;
  const rate = MESSAGES / seconds;
  console.log(`${name.padEnd(34)} ${MESSAGES} msgs in ${seconds.toFixed(2)} s = ${rate.toFixed(0)} msg/s`);
  await new Promise((r) => setTimeout(r, 1_500));
  return rate;
}

console.log(`backend ${local.backend}, ${MESSAGES} messages per run, ${ROUNDS} rounds`);
const rates: Record<string, number[]> = {
  raw: [],
  tributary: [],
  tributaryDefaults: [],
  consumer: [],
  consumerBatch: [],
};
for (let round = 0; round < ROUNDS; round++) {
  rates.raw?.push(await measure('raw SDK loop (16 receives)', rawLoop));
  rates.tributary?.push(await measure('sqsSource (16 pollers)', (n) => tributary(n, RAW_RECEIVES_IN_FLIGHT)));
  rates.tributaryDefaults?.push(await measure('sqsSource (defaults: 4 pollers)', (n) => tributary(n)));
  rates.consumer?.push(await measure('sqs-consumer handleMessage', (n) => sqsConsumer(n, false)));
  rates.consumerBatch?.push(await measure('sqs-consumer handleMessageBatch', (n) => sqsConsumer(n, true)));
}
const best = (xs: number[] | undefined): number => Math.max(...(xs ?? [0]));
const t = best(rates.tributary);
const d = best(rates.tributaryDefaults);
const batch = best(rates.consumerBatch);
console.log(
  `\nsqsSource (16 pollers) / raw loop (16 receives):            ${(t / best(rates.raw)).toFixed(2)}x (target >= 0.95)`,
);
// Against sqs-consumer, each library runs with its own defaults (the "default config").
console.log(
  `sqsSource (defaults) / sqs-consumer handleMessage:           ${(d / best(rates.consumer)).toFixed(2)}x (target >= 3)`,
);
console.log(
  `sqsSource (defaults) / sqs-consumer handleMessageBatch:      ${(d / batch).toFixed(2)}x (target >= 3)`,
);
console.log(`sqsSource (16 pollers) / sqs-consumer handleMessageBatch:    ${(t / batch).toFixed(2)}x`);

// Peak RSS while draining with a slow consumer: 8 at a time, 2 ms each; maxInFlight 500 bounds memory.
if (RSS_MESSAGES > 0) {
  console.log(`\nseeding ${RSS_MESSAGES} messages for the RSS run...`);
  await seed(RSS_MESSAGES);
  globalThis.gc?.();
  const samples: { progress: number; rss: number }[] = [];
  let done = 0;
  const timer = setInterval(
    () => samples.push({ progress: done / RSS_MESSAGES, rss: process.memoryUsage().rss }),
    200,
  );
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const subscription = sqsSource(aws, { queueUrl: url, maxInFlight: 500, pollers: 8, waitTimeSeconds: 1 })
      .pipe(
        mergeMap(async (message) => {
          await new Promise((r) => setTimeout(r, 2));
          await message.ack();
          done += 1;
          if (done === RSS_MESSAGES) {
            subscription.unsubscribe();
            resolve();
          }
        }, 8),
      )
      .subscribe({ error: reject });
  });
  clearInterval(timer);
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  const at = (p: number): number => {
    const inRange = samples.filter((s) => s.progress >= p - 0.1 && s.progress <= p + 0.1);
    return Math.max(...inRange.map((s) => s.rss), 0);
  };
  const peak = Math.max(...samples.map((s) => s.rss));
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `slow consumer drained ${RSS_MESSAGES} in ${seconds.toFixed(0)} s; peak RSS around 10 %: ${mb(at(0.1))}, 50 %: ${mb(at(0.5))}, 90 %: ${mb(at(0.9))}; overall peak ${mb(peak)}`,
  );
}
await aws.close();
