// eventBridgeSink vs a tuned raw-SDK PutEvents loop (same batch size and concurrency), in one run:
//  1. throughput against the same local EventBridge endpoint (moto; a bus without rules, so the measure is
//     PutEvents itself and not moto's slow delivery to targets; each contender in a long-lived process of its own,
//     contenders taking turns);
//  2. client CPU per message with a stub request handler and no network (the SDK's own cost is the baseline),
//     each measurement in its own child process;
//  3. peak RSS of each contender's process in section 1.
// Usage (after pnpm build): node bench/eventbridge-sink.ts
// Environment: BENCH_EVENTBRIDGE_MESSAGES (throughput, per contender and round, default 3000; 0 skips it),
// BENCH_EVENTBRIDGE_CPU_MESSAGES (default 50000), BENCH_EVENTBRIDGE_ROUNDS (default 2), TRIBUTARY_LOCAL_AWS,
// BENCH_INSTRUCTIONS=1 (also counts the CPU section's instructions under valgrind: slow, see _harness.ts).

import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { AwsConnection } from '@tributary/connection';
import { eventBridgeSink } from '@tributary/eventbridge';
import type { BatchWriter } from '@tributary/stream';
import {
  backoff,
  compareCpu,
  cpuChildSide,
  inBatches,
  stubClientConfig,
  stubConnection,
  stubResponse,
  throughOneSink,
  throughputRounds,
  writeAll,
} from './_harness.ts';

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
  await inBatches(count, BATCH, CONCURRENCY, async (start, end) => {
    let entries: PutEventsRequestEntry[] = [];
    for (let i = start; i < end; i++) {
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
      await backoff(attempt);
    }
  });
}

function newSink(aws: AwsConnection, bus: string): BatchWriter<Order> {
  return eventBridgeSink<Order>(aws, {
    eventBusName: bus,
    source: SOURCE,
    detailType: DETAIL_TYPE,
    maxConcurrency: CONCURRENCY,
    maxBufferedEntries: WINDOW,
    lingerMs: 5,
  });
}

function writeThrough(sink: BatchWriter<Order>, count: number): Promise<void> {
  return writeAll(count, (i) => sink.write({ body: orders[i] as Order }), WINDOW);
}

// --- 1. Throughput against the local endpoint --------------------------------------------------------------
if (MESSAGES > 0 && cpuChildSide === undefined) {
  // Loaded here, not at the top: the CPU children (section 2) must not load the testkit and the SDK clients it
  // imports, which change how V8 collects garbage in the measured process (see the package README).
  const { startLocalAws } = await import('@tributary/testkit');
  await using local = await startLocalAws({ services: ['eventbridge'] });
  const aws = local.connection();
  const client = aws.client(EventBridgeClient);
  const bus = await local.createEventBus();
  console.log(
    `backend ${local.backend}, ${MESSAGES} events of ~220 B per run, batch ${BATCH}, concurrency ${CONCURRENCY}, ${ROUNDS} rounds`,
  );
  const best = await throughputRounds({
    messages: MESSAGES,
    rounds: ROUNDS,
    unit: 'events/s',
    local,
    warmUpMessages: MESSAGES,
    target: async () => bus.name, // one bus: without rules it does not fill up
    ratios: [['sink', 'raw']],
    contenders: [
      ['raw', (name) => rawLoop(client, name, MESSAGES)],
      [
        'sink',
        async (name) => {
          await using sink = newSink(aws, name);
          await writeThrough(sink, MESSAGES);
        },
      ],
    ],
  });
  console.log(
    `throughput: raw ${best.raw.toFixed(0)} events/s, eventBridgeSink ${best.sink.toFixed(0)} events/s, ` +
      `ratio ${(best.sink / best.raw).toFixed(2)} (target >= 0.95)`,
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
  const client = new EventBridgeClient(
    stubClientConfig(async () => stubResponse('application/x-amz-json-1.1', answer)),
  );
  const aws = stubConnection(client);
  const count = CPU_MESSAGES - (CPU_MESSAGES % BATCH);
  await compareCpu({
    sinkName: 'eventBridgeSink',
    count,
    rounds: ROUNDS,
    raw: () => rawLoop(client, 'orders', count),
    sink: throughOneSink(
      () => newSink(aws, 'orders'),
      (sink) => writeThrough(sink, count),
    ),
  });
}
