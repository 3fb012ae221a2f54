// eventBridgeSink vs a tuned raw-SDK PutEvents loop (same batch size and concurrency), in one run:
//  1. throughput against the same local EventBridge endpoint (moto; a bus without rules, so the measure is
//     PutEvents itself and not moto's slow delivery to targets);
//  2. client CPU per message with a stub request handler and no network (the SDK's own cost is the baseline);
//  3. peak RSS of the process.
// Usage (after pnpm build): node bench/eventbridge-sink.ts
// Environment: BENCH_EVENTBRIDGE_MESSAGES (throughput, per contender and round, default 3000),
// BENCH_EVENTBRIDGE_CPU_MESSAGES (default 50000), BENCH_EVENTBRIDGE_ROUNDS (default 2), TRIBUTARY_LOCAL_AWS.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { type AwsConnection, silentLogger } from '@tributary/connection';
import { eventBridgeSink } from '@tributary/eventbridge';
import { startLocalAws } from '@tributary/testkit';

const MESSAGES = Number(process.env.BENCH_EVENTBRIDGE_MESSAGES ?? 3_000);
const CPU_MESSAGES = Number(process.env.BENCH_EVENTBRIDGE_CPU_MESSAGES ?? 50_000);
const ROUNDS = Number(process.env.BENCH_EVENTBRIDGE_ROUNDS ?? 2);
const BATCH = 10;
const CONCURRENCY = 8;
const WINDOW = BATCH * CONCURRENCY * 4;
const SOURCE = 'bench.orders';
const DETAIL_TYPE = 'OrderPlaced';

interface Order {
  orderId: string;
  n: number;
  pad: string;
}
const orders: Order[] = Array.from({ length: Math.max(MESSAGES, CPU_MESSAGES) }, (_, n) => ({
  orderId: `o-${n}`,
  n,
  pad: 'x'.repeat(180),
}));

/** A tuned raw loop: CONCURRENCY workers, each sending full batches and resending only failed entries. */
async function rawLoop(client: EventBridgeClient, bus: string, count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const start = next;
      next = Math.min(count, next + BATCH);
      let entries: PutEventsRequestEntry[] = [];
      for (let i = start; i < next; i++) {
        entries.push({
          EventBusName: bus,
          Source: SOURCE,
          DetailType: DETAIL_TYPE,
          Detail: JSON.stringify(orders[i]),
        });
      }
      for (let attempt = 1; entries.length > 0; attempt++) {
        const out = await client.send(new PutEventsCommand({ Entries: entries }));
        if (!out.FailedEntryCount) break;
        entries = entries.filter((_, i) => out.Entries?.[i]?.ErrorCode !== undefined);
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(1_000, 50 * 2 ** attempt)));
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/**
 * Calls `write(i)` for every i with at most `window` writes outstanding, as a producer that honours the sink's
 * backpressure (or `writeTo`) does. (A producer that starts 100,000 writes at once spends most of its CPU in
 * the BatchWriter's queue of writes waiting for buffer room: see the README.)
 */
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

async function sinkLoop(aws: AwsConnection, bus: string, count: number): Promise<void> {
  const sink = eventBridgeSink<Order>(aws, {
    eventBusName: bus,
    source: SOURCE,
    detailType: DETAIL_TYPE,
    maxConcurrency: CONCURRENCY,
    maxBufferedEntries: WINDOW,
    lingerMs: 5,
  });
  await writeAll(count, (i) => sink.write({ body: orders[i] as Order }), WINDOW);
  await sink.close();
}

// --- 1. Throughput against the local endpoint --------------------------------------------------------------
{
  await using local = await startLocalAws({ services: ['eventbridge'] });
  const aws = local.connection();
  const client = aws.client(EventBridgeClient);
  const bus = await local.createEventBus();
  console.log(
    `backend ${local.backend}, ${MESSAGES} events of ~220 B per run, batch ${BATCH}, concurrency ${CONCURRENCY}, ${ROUNDS} rounds`,
  );
  const rates = { raw: [] as number[], sink: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of [
      ['raw', () => rawLoop(client, bus.name, MESSAGES)],
      ['sink', () => sinkLoop(aws, bus.name, MESSAGES)],
    ] as const) {
      const start = performance.now();
      await run();
      const seconds = (performance.now() - start) / 1000;
      rates[name].push(MESSAGES / seconds);
      console.log(`  round ${round + 1} ${name.padEnd(5)} ${(MESSAGES / seconds).toFixed(0)} events/s`);
    }
  }
  const best = (xs: number[]) => Math.max(...xs);
  console.log(
    `throughput: raw ${best(rates.raw).toFixed(0)} events/s, eventBridgeSink ${best(rates.sink).toFixed(0)} events/s, ` +
      `ratio ${(best(rates.sink) / best(rates.raw)).toFixed(2)} (target >= 0.95)`,
  );
}

// --- 2. Client CPU per message, stub request handler ---------------------------------------------------------
{
  const answer = new TextEncoder().encode(
    JSON.stringify({
      FailedEntryCount: 0,
      Entries: Array.from({ length: BATCH }, (_, i) => ({
        EventId: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
      })),
    }),
  );
  const stub = {
    handle: async () => ({
      response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: answer },
    }),
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  const client = new EventBridgeClient({
    region: 'eu-west-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: stub as never,
  });
  // Only what eventBridgeSink uses of a connection: this stub client, and a logger.
  const aws = { client: () => client, logger: silentLogger } as unknown as AwsConnection;
  const count = CPU_MESSAGES - (CPU_MESSAGES % BATCH);
  // Each side pays for its own garbage: collect before, and collect its garbage inside the measurement.
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
    const raw = await cpu(() => rawLoop(client, 'orders', count));
    const sink = await cpu(() => sinkLoop(aws, 'orders', count));
    if (round === 0) continue; // warm-up
    costs.raw.push(raw);
    costs.sink.push(sink);
  }
  const least = (xs: number[]) => Math.min(...xs);
  console.log(
    `cpu per message (stub handler, ${count} messages): SDK ${(least(costs.raw) / 1000).toFixed(2)} µs, ` +
      `eventBridgeSink ${(least(costs.sink) / 1000).toFixed(2)} µs, ratio ${(least(costs.sink) / least(costs.raw)).toFixed(2)} (target <= 1.2)`,
  );
}

console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
