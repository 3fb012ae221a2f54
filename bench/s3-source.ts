// s3Source throughput against raw-SDK baselines on the same local S3, same run:
//  1. one large object of lines: `lines` mode vs GetObject + node:readline (target >= 0.9x);
//  2. many small objects: `object` mode vs a ListObjectsV2 + GetObject loop with the same concurrency.
// Usage (after pnpm build): node bench/s3-source.ts
// Environment: BENCH_S3_SOURCE_MIB (size of the large object, default 128), BENCH_S3_SMALL_OBJECTS (default 500),
// BENCH_S3_CONCURRENCY (default 8), BENCH_S3_ROUNDS (default 5), TRIBUTARY_LOCAL_AWS (testkit backend).

import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import * as S3 from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { s3Source } from '@tributary/s3';
import { startLocalAws } from '@tributary/testkit';
import { lastValueFrom, mergeMap } from 'rxjs';

const MIB = 1024 * 1024;
const SIZE_MIB = Number(process.env.BENCH_S3_SOURCE_MIB ?? 128);
const SMALL = Number(process.env.BENCH_S3_SMALL_OBJECTS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_S3_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_S3_ROUNDS ?? 5);

await using local = await startLocalAws({ services: ['s3'] });
const aws = local.connection();
const client = aws.client(S3.S3Client);
const { name: bucket } = await local.createBucket();

/** Lines of about 100 bytes, generated lazily so the generator holds no more than a chunk. */
async function* generate(bytes: number): AsyncGenerator<Buffer> {
  let written = 0;
  let n = 0;
  while (written < bytes) {
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i += 1) {
      lines.push(`{"n":${n},"user":"u${n % 977}","event":"click","pad":"${'x'.repeat(50)}"}`);
      n += 1;
    }
    const chunk = Buffer.from(`${lines.join('\n')}\n`);
    written += chunk.length;
    yield chunk;
  }
}

async function uploadGenerated(key: string, bytes: number): Promise<number> {
  const { Readable: NodeReadable } = await import('node:stream');
  await new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: NodeReadable.from(generate(bytes)) },
    partSize: 8 * MIB,
    queueSize: 4,
  }).done();
  const head = await client.send(new S3.HeadObjectCommand({ Bucket: bucket, Key: key }));
  return head.ContentLength ?? 0;
}

async function rawLines(key: string): Promise<number> {
  const out = await client.send(new S3.GetObjectCommand({ Bucket: bucket, Key: key }));
  let count = 0;
  for await (const _line of createInterface({
    input: out.Body as Readable,
    crlfDelay: Number.POSITIVE_INFINITY,
  }))
    count += 1;
  return count;
}

/** The same work as the readline loop: count each line, then ack it. */
function tributaryLines(key: string): Promise<number> {
  let count = 0;
  return new Promise<number>((resolve, reject) => {
    s3Source(aws, { bucket, prefix: key, mode: 'lines', maxInFlight: 10_000 }).subscribe({
      next: (message) => {
        count += 1;
        void message.ack();
      },
      complete: () => resolve(count),
      error: reject,
    });
  });
}

async function rawSmall(prefix: string): Promise<number> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new S3.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next] as string;
      next += 1;
      const out = await client.send(new S3.GetObjectCommand({ Bucket: bucket, Key: key }));
      await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return keys.length;
}

async function tributarySmall(prefix: string): Promise<number> {
  let count = 0;
  await lastValueFrom(
    s3Source(aws, { bucket, prefix, mode: 'object', concurrency: CONCURRENCY }).pipe(
      mergeMap((message) => {
        count += 1;
        return message.ack();
      }, 1000),
    ),
    { defaultValue: undefined },
  );
  return count;
}

async function time<T>(run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await run();
  return { ms: performance.now() - started, result };
}

const bigKey = 'big/lines.ndjson';
const size = await uploadGenerated(bigKey, SIZE_MIB * MIB);
console.log(
  `backend ${local.backend}; large object ${(size / MIB).toFixed(0)} MiB; ${SMALL} small objects; rounds ${ROUNDS}`,
);

// Warm-up (JIT, sockets), not measured.
await rawLines(bigKey);
await tributaryLines(bigKey);
let rawBest = Number.POSITIVE_INFINITY;
let ourBest = Number.POSITIVE_INFINITY;
for (let round = 0; round < ROUNDS; round += 1) {
  const raw = await time(() => rawLines(bigKey));
  const ours = await time(() => tributaryLines(bigKey));
  if (raw.result !== ours.result)
    throw new Error(`line counts differ: raw ${raw.result}, s3Source ${ours.result}`);
  rawBest = Math.min(rawBest, raw.ms);
  ourBest = Math.min(ourBest, ours.ms);
  console.log(
    `  round ${round + 1}: ${raw.result} lines; raw ${raw.ms.toFixed(0)} ms, s3Source ${ours.ms.toFixed(0)} ms`,
  );
}
const mibps = (ms: number): string => (size / MIB / (ms / 1000)).toFixed(1);
console.log(
  `lines: raw GetObject+readline ${mibps(rawBest)} MiB/s, s3Source ${mibps(ourBest)} MiB/s, ratio ${(rawBest / ourBest).toFixed(2)}x (target >= 0.9x)`,
);

const body = Buffer.alloc(1024, 'a');
let nextSmall = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (nextSmall < SMALL) {
      const i = nextSmall;
      nextSmall += 1;
      await client.send(
        new S3.PutObjectCommand({ Bucket: bucket, Key: `small/${String(i).padStart(6, '0')}`, Body: body }),
      );
    }
  }),
);
let rawSmallBest = Number.POSITIVE_INFINITY;
let ourSmallBest = Number.POSITIVE_INFINITY;
for (let round = 0; round < ROUNDS; round += 1) {
  const raw = await time(() => rawSmall('small/'));
  const ours = await time(() => tributarySmall('small/'));
  if (raw.result !== ours.result)
    throw new Error(`object counts differ: raw ${raw.result}, s3Source ${ours.result}`);
  rawSmallBest = Math.min(rawSmallBest, raw.ms);
  ourSmallBest = Math.min(ourSmallBest, ours.ms);
}
const perSecond = (ms: number): string => (SMALL / (ms / 1000)).toFixed(0);
console.log(
  `small objects (concurrency ${CONCURRENCY}): raw list+get ${perSecond(rawSmallBest)} obj/s, s3Source ${perSecond(ourSmallBest)} obj/s, ratio ${(rawSmallBest / ourSmallBest).toFixed(2)}x`,
);
