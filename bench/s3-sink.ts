// s3Sink write throughput vs lib-storage Upload fed the same bytes directly (target >= 0.9x), same local S3,
// same part size and queue size, same run.
// Usage (after pnpm build): node bench/s3-sink.ts
// Environment: BENCH_S3_SINK_MIB (object size, default 128), BENCH_S3_SINK_RECORD_BYTES (default 1024),
// BENCH_S3_ROUNDS (default 5), TRIBUTARY_LOCAL_AWS (testkit backend).

import { Readable } from 'node:stream';
import * as S3 from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { s3Sink } from '@tributary/s3';
import { startLocalAws } from '@tributary/testkit';

const MIB = 1024 * 1024;
const SIZE_MIB = Number(process.env.BENCH_S3_SINK_MIB ?? 128);
const RECORD_BYTES = Number(process.env.BENCH_S3_SINK_RECORD_BYTES ?? 1024);
const ROUNDS = Number(process.env.BENCH_S3_ROUNDS ?? 5);
const PART_SIZE = 8 * MIB;
const QUEUE_SIZE = 4;
const RECORDS = Math.ceil((SIZE_MIB * MIB) / RECORD_BYTES);

await using local = await startLocalAws({ services: ['s3'] });
const aws = local.connection();
const client = aws.client(S3.S3Client);
const { name: bucket } = await local.createBucket();
const line = 'q'.repeat(RECORD_BYTES - 1);

async function raw(key: string): Promise<void> {
  const lines = function* (): Generator<Buffer> {
    for (let i = 0; i < RECORDS; i += 1) yield Buffer.from(`${line}\n`);
  };
  await new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: Readable.from(lines()) },
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
  }).done();
}

async function sink(key: string): Promise<void> {
  const s = s3Sink<string>(aws, {
    bucket,
    key,
    format: 'lines',
    maxBytes: 5 * 1024 * MIB,
    maxAgeMs: 3_600_000,
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
  });
  const receipts: Promise<unknown>[] = [];
  for (let i = 0; i < RECORDS; i += 1) {
    await s.whenWritable();
    receipts.push(s.write({ body: line }));
  }
  await s.close();
  await Promise.all(receipts);
}

async function time(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

console.log(
  `backend ${local.backend}; ${SIZE_MIB} MiB per object in ${RECORDS} records of ${RECORD_BYTES} B; parts ${PART_SIZE / MIB} MiB x ${QUEUE_SIZE}`,
);
await raw('warmup-raw');
await sink('warmup-sink');
let rawBest = Number.POSITIVE_INFINITY;
let sinkBest = Number.POSITIVE_INFINITY;
for (let round = 0; round < ROUNDS; round += 1) {
  const r = await time(() => raw(`raw-${round}`));
  const s = await time(() => sink(`sink-${round}`));
  rawBest = Math.min(rawBest, r);
  sinkBest = Math.min(sinkBest, s);
  console.log(`  round ${round + 1}: Upload ${r.toFixed(0)} ms, s3Sink ${s.toFixed(0)} ms`);
}
const mibps = (ms: number): string => (SIZE_MIB / (ms / 1000)).toFixed(1);
console.log(
  `write: lib-storage Upload ${mibps(rawBest)} MiB/s, s3Sink ${mibps(sinkBest)} MiB/s, ratio ${(rawBest / sinkBest).toFixed(2)}x (target >= 0.9x)`,
);
