// kinesisSink vs a tuned raw-SDK PutRecords loop (same batch size and concurrency), in one run:
//  1. throughput against the same local Kinesis endpoint (a fresh stream per contender and round: kinesis-local
//     slows down as a stream fills; it is the bottleneck at ~500 records/s, so both sides measure mostly it;
//     each contender in a long-lived process of its own, contenders taking turns);
//  2. client CPU per message with a stub request handler and no network (the SDK's own cost is the baseline),
//     each measurement in its own child process;
//  3. peak RSS of each contender's process in section 1.
// Usage (after pnpm build): node bench/kinesis-sink.ts
// Environment: BENCH_KINESIS_MESSAGES (throughput, per contender and round, default 3000; 0 skips it),
// BENCH_KINESIS_CPU_MESSAGES (default 100000), BENCH_KINESIS_CPU_WINDOW (writes the sink holds in the CPU run,
// default 2000, as many as the raw loop), BENCH_KINESIS_ROUNDS (default 2), TRIBUTARY_LOCAL_AWS,
// BENCH_INSTRUCTIONS=1 (also counts the CPU section's instructions under valgrind: slow, see _harness.ts).

import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { AwsConnection } from '@tributary/connection';
import { kinesisSink } from '@tributary/kinesis';
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

const MESSAGES = Number(process.env.BENCH_KINESIS_MESSAGES ?? 3_000);
const CPU_MESSAGES = Number(process.env.BENCH_KINESIS_CPU_MESSAGES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_KINESIS_ROUNDS ?? 2);
const BATCH = 500;
const CONCURRENCY = 4;
/** Writes the throughput run holds: every batch in flight and one more ready behind each. */
const WINDOW = BATCH * CONCURRENCY * 2;
/**
 * Writes the CPU run holds: as many records as the raw loop has in flight (CONCURRENCY full batches), unless
 * BENCH_KINESIS_CPU_WINDOW says otherwise. Twice that crosses a garbage-collection threshold: see the README.
 */
const CPU_WINDOW = Number(process.env.BENCH_KINESIS_CPU_WINDOW ?? BATCH * CONCURRENCY);

interface Event {
  userId: string;
  n: number;
  pad: string;
}
const events: Event[] = Array.from({ length: Math.max(MESSAGES, CPU_MESSAGES) }, (_, n) => ({
  userId: `user-${n % 1000}`,
  n,
  pad: 'x'.repeat(180),
}));

/** A tuned raw loop: CONCURRENCY workers, each sending full batches and resending only failed records. */
async function rawLoop(client: KinesisClient, streamName: string, count: number): Promise<void> {
  await inBatches(count, BATCH, CONCURRENCY, async (start, end) => {
    let records: PutRecordsRequestEntry[] = [];
    for (let i = start; i < end; i++) {
      const event = events[i] as Event;
      records.push({ Data: Buffer.from(JSON.stringify(event)), PartitionKey: event.userId });
    }
    for (let attempt = 1; records.length > 0; attempt++) {
      const out = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
      if (!out.FailedRecordCount) break;
      records = records.filter((_, i) => out.Records?.[i]?.ErrorCode !== undefined);
      await backoff(attempt);
    }
  });
}

function newSink(aws: AwsConnection, streamName: string, window: number): BatchWriter<Event> {
  return kinesisSink<Event>(aws, {
    streamName,
    partitionKey: (m) => m.body.userId,
    maxBatchRecords: BATCH,
    maxConcurrency: CONCURRENCY,
    maxBufferedEntries: window,
    maxRecordBytes: 1024 * 1024,
    lingerMs: 5,
  });
}

function writeThrough(sink: BatchWriter<Event>, count: number, window: number): Promise<void> {
  return writeAll(count, (i) => sink.write({ body: events[i] as Event }), window);
}

// --- 1. Throughput against the local endpoint --------------------------------------------------------------
if (MESSAGES > 0 && cpuChildSide === undefined) {
  // Loaded here, not at the top: the CPU children (section 2) must not load the testkit and the SDK clients it
  // imports, which change how V8 collects garbage in the measured process (see the package README).
  const { startLocalAws } = await import('@tributary/testkit');
  await using local = await startLocalAws({ services: ['kinesis'] });
  const aws = local.connection();
  const client = aws.client(KinesisClient);
  console.log(
    `backend ${local.backend}, ${MESSAGES} records of ~220 B per run, batch ${BATCH}, concurrency ${CONCURRENCY}, ${ROUNDS} rounds`,
  );
  const best = await throughputRounds({
    messages: MESSAGES,
    rounds: ROUNDS,
    unit: 'records/s',
    local,
    warmUpMessages: MESSAGES,
    target: async () => (await local.createStream({ shards: 2 })).name,
    ratios: [['sink', 'raw']],
    contenders: [
      ['raw', (stream) => rawLoop(client, stream, MESSAGES)],
      [
        'sink',
        async (stream) => {
          await using sink = newSink(aws, stream, WINDOW);
          await writeThrough(sink, MESSAGES, WINDOW);
        },
      ],
    ],
  });
  console.log(
    `throughput: raw ${best.raw.toFixed(0)} records/s, kinesisSink ${best.sink.toFixed(0)} records/s, ` +
      `ratio ${(best.sink / best.raw).toFixed(2)} (target >= 0.95)`,
  );
}

// --- 2. Client CPU per message, stub request handler ---------------------------------------------------------
{
  const answer = new TextEncoder().encode(
    JSON.stringify({
      FailedRecordCount: 0,
      Records: Array.from({ length: BATCH }, (_, i) => ({
        SequenceNumber: `4958${String(i).padStart(52, '0')}`,
        ShardId: 'shardId-000000000000',
      })),
    }),
  );
  const client = new KinesisClient(
    stubClientConfig(async () => stubResponse('application/x-amz-json-1.1', answer)),
  );
  const aws = stubConnection(client);
  const count = CPU_MESSAGES - (CPU_MESSAGES % BATCH);
  await compareCpu({
    sinkName: 'kinesisSink',
    count,
    rounds: ROUNDS,
    raw: () => rawLoop(client, 'events', count),
    sink: throughOneSink(
      () => newSink(aws, 'events', CPU_WINDOW),
      (sink) => writeThrough(sink, count, CPU_WINDOW),
    ),
  });
}
