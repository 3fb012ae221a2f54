// snsSink vs a tuned raw-SDK PublishBatch loop (same batch size and concurrency), in one run:
//  1. throughput against the same local SNS endpoint (a fresh topic per contender and round, no subscribers);
//  2. client CPU per message with a stub request handler and no network (the SDK's own cost is the baseline);
//  3. peak RSS of the process.
// Usage (after pnpm build): node bench/sns-sink.ts
// Environment: BENCH_SNS_MESSAGES (throughput, per contender and round, default 20000; 0 skips it),
// BENCH_SNS_CPU_MESSAGES (default 100000), BENCH_SNS_ROUNDS (default 2), TRIBUTARY_LOCAL_AWS.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { type AwsConnection, silentLogger } from '@tributary/connection';
import { snsSink } from '@tributary/sns';
import { startLocalAws } from '@tributary/testkit';

const MESSAGES = Number(process.env.BENCH_SNS_MESSAGES ?? 20_000);
const CPU_MESSAGES = Number(process.env.BENCH_SNS_CPU_MESSAGES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_SNS_ROUNDS ?? 2);
const BATCH = 10;
const CONCURRENCY = 8;
const WINDOW = BATCH * CONCURRENCY * 4;

interface Alert {
  alertId: string;
  n: number;
  pad: string;
}
const alerts: Alert[] = Array.from({ length: Math.max(MESSAGES, CPU_MESSAGES) }, (_, n) => ({
  alertId: `alert-${n}`,
  n,
  pad: 'x'.repeat(180),
}));

/** A tuned raw loop: CONCURRENCY workers, each sending full batches and resending only failed entries. */
async function rawLoop(client: SNSClient, topicArn: string, count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const start = next;
      next = Math.min(count, next + BATCH);
      let entries: PublishBatchRequestEntry[] = [];
      for (let i = start; i < next; i++) {
        entries.push({ Id: String(i - start), Message: JSON.stringify(alerts[i]) });
      }
      for (let attempt = 1; entries.length > 0; attempt++) {
        const out = await client.send(
          new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }),
        );
        if (!out.Failed?.length) break;
        const failed = new Set(out.Failed.map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(1_000, 50 * 2 ** attempt)));
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
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

async function sinkLoop(aws: AwsConnection, topicArn: string, count: number): Promise<void> {
  const sink = snsSink<Alert>(aws, {
    topicArn,
    maxConcurrency: CONCURRENCY,
    maxBufferedEntries: WINDOW,
    lingerMs: 5,
  });
  await writeAll(count, (i) => sink.write({ body: alerts[i] as Alert }), WINDOW);
  await sink.close();
}

let peakRss = 0;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

// --- 1. Throughput against the local endpoint ----------------------------------------------------------------
if (MESSAGES > 0) {
  await using local = await startLocalAws({ services: ['sns'] });
  const aws = local.connection();
  const client = aws.client(SNSClient);
  console.log(
    `backend ${local.backend}, ${MESSAGES} messages of ~220 B per run, batch ${BATCH}, concurrency ${CONCURRENCY}, ${ROUNDS} rounds`,
  );
  const rates = { raw: [] as number[], sink: [] as number[] };
  const contenders = [
    ['raw', (arn: string) => rawLoop(client, arn, MESSAGES)],
    ['sink', (arn: string) => sinkLoop(aws, arn, MESSAGES)],
  ] as const;
  // Round 0 warms the emulator and the JIT up and is not counted; the order rotates every round.
  for (let round = 0; round <= ROUNDS; round++) {
    const order = contenders.map(
      (_, i) => contenders[(i + round) % contenders.length] as (typeof contenders)[number],
    );
    for (const [name, run] of order) {
      const topic = await local.createTopic();
      const start = performance.now();
      await run(topic.arn);
      const seconds = (performance.now() - start) / 1000;
      if (round > 0) rates[name].push(MESSAGES / seconds);
      console.log(
        `  ${round === 0 ? 'warm-up' : `round ${round}`} ${name.padEnd(5)} ${(MESSAGES / seconds).toFixed(0)} messages/s`,
      );
    }
  }
  const best = (xs: number[]) => Math.max(...xs);
  console.log(
    `throughput: raw ${best(rates.raw).toFixed(0)}/s, snsSink ${best(rates.sink).toFixed(0)}/s, ` +
      `ratio ${(best(rates.sink) / best(rates.raw)).toFixed(2)} (target >= 0.95)`,
  );
}

// --- 2. Client CPU per message, stub request handler ---------------------------------------------------------
{
  // Answers GetTopicAttributes (the sink's start) and every PublishBatch with success for each entry Id sent.
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const xml = (body: string) => ({
    response: { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: encoder.encode(body) },
  });
  const attributes =
    '<GetTopicAttributesResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><GetTopicAttributesResult>' +
    '<Attributes><entry><key>TopicArn</key><value>arn:aws:sns:eu-west-1:000000000000:alerts</value></entry></Attributes>' +
    '</GetTopicAttributesResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetTopicAttributesResponse>';
  const stub = {
    handle: async (request: { body?: unknown }) => {
      const form =
        typeof request.body === 'string' ? request.body : decoder.decode(request.body as Uint8Array);
      if (form.startsWith('Action=GetTopicAttributes')) return xml(attributes);
      const members: string[] = [];
      for (const match of form.matchAll(/PublishBatchRequestEntries\.member\.\d+\.Id=([^&]*)/g)) {
        members.push(
          `<member><Id>${match[1]}</Id><MessageId>8a5d2a56-1b4c-4d0e-9c43-5f0c2b0f9b1e</MessageId></member>`,
        );
      }
      return xml(
        '<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult>' +
          `<Successful>${members.join('')}</Successful><Failed/></PublishBatchResult>` +
          '<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishBatchResponse>',
      );
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  const client = new SNSClient({
    region: 'eu-west-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: stub as never,
    cacheMiddleware: true,
  });
  // Only what snsSink uses of a connection: this stub client, and a logger.
  const aws = { client: () => client, logger: silentLogger } as unknown as AwsConnection;
  const topicArn = 'arn:aws:sns:eu-west-1:000000000000:alerts';
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
    const raw = await cpu(() => rawLoop(client, topicArn, count));
    const sink = await cpu(() => sinkLoop(aws, topicArn, count));
    if (round === 0) continue; // warm-up
    costs.raw.push(raw);
    costs.sink.push(sink);
  }
  const least = (xs: number[]) => Math.min(...xs);
  console.log(
    `cpu per message (stub handler, ${count} messages): SDK ${(least(costs.raw) / 1000).toFixed(2)} µs, ` +
      `snsSink ${(least(costs.sink) / 1000).toFixed(2)} µs, ratio ${(least(costs.sink) / least(costs.raw)).toFixed(2)} (target <= 1.2)`,
  );
}

clearInterval(rssTimer);
console.log(
  `peak RSS ${(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024).toFixed(0)} MiB`,
);
