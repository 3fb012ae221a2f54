// Memory proof of @tributary/s3 with large objects: a child process writes one object of BENCH_S3_MEMORY_MIB
// (default 1024) with s3Sink (format lines, 16 KiB records, multipart parts of 8 MiB, 2 at once), then another child reads it
// back with s3Source in `lines` mode. Each child reports its own peak RSS; the emulator runs in its own process.
// Target: each under 256 MiB. Usage (after pnpm build): node bench/s3-memory.ts

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as S3 from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { awsConnection, Secret } from '@tributary/connection';
import { s3Sink, s3Source } from '@tributary/s3';
import { startLocalAws } from '@tributary/testkit';

const MIB = 1024 * 1024;
const LIMIT_MIB = 256;
const SIZE_MIB = Number(process.env.BENCH_S3_MEMORY_MIB ?? 1024);
const RECORD_BYTES = 16 * 1024;
/** Parts uploaded at once; lib-storage buffers about partSize x (queueSize + 1). */
const QUEUE_SIZE = Number(process.env.BENCH_S3_MEMORY_QUEUE_SIZE ?? 2);

interface Target {
  region: string;
  endpoint: string;
  bucket: string;
  key: string;
}

function peakRss(): () => number {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  timer.unref();
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);
  };
}

async function child(role: string, target: Target): Promise<void> {
  const aws = awsConnection({
    name: 'MemoryProof',
    region: target.region,
    endpoint: target.endpoint,
    auth: { mode: 'access-key', accessKeyId: 'test', secretAccessKey: new Secret('test') },
  });
  const stop = peakRss();
  const started = performance.now();
  let records = 0;
  if (role === 'write') {
    const sink = s3Sink<string>(aws, {
      bucket: target.bucket,
      key: target.key,
      format: 'lines',
      maxBytes: 5 * 1024 * MIB,
      maxAgeMs: 3_600_000,
      partSize: 8 * MIB,
      queueSize: QUEUE_SIZE,
    });
    const line = 'r'.repeat(RECORD_BYTES - 1);
    const total = Math.ceil((SIZE_MIB * MIB) / RECORD_BYTES);
    const receipts: Promise<unknown>[] = [];
    for (let i = 0; i < total; i += 1) {
      await sink.whenWritable();
      receipts.push(sink.write({ body: line }));
      records += 1;
    }
    await sink.close();
    await Promise.all(receipts);
  } else if (role === 'raw-write') {
    // Baseline: lib-storage Upload fed the same bytes directly, same part size and queue size.
    const { Readable } = await import('node:stream');
    const total = Math.ceil((SIZE_MIB * MIB) / RECORD_BYTES);
    const line = `${'r'.repeat(RECORD_BYTES - 1)}\n`;
    records = total;
    await new Upload({
      client: aws.client(S3.S3Client),
      params: {
        Bucket: target.bucket,
        Key: `raw-${target.key}`,
        Body: Readable.from(
          (function* () {
            for (let i = 0; i < total; i += 1) yield Buffer.from(line);
          })(),
        ),
      },
      partSize: 8 * MIB,
      queueSize: QUEUE_SIZE,
    }).done();
  } else {
    await new Promise<void>((resolve, reject) => {
      s3Source(aws, {
        bucket: target.bucket,
        prefix: target.key,
        mode: 'lines',
        maxInFlight: 1000,
      }).subscribe({
        next: (message) => {
          records += 1;
          void message.ack();
        },
        complete: resolve,
        error: reject,
      });
    });
  }
  const peak = stop();
  await aws.close();
  process.stdout.write(
    `${JSON.stringify({ role, records, ms: Math.round(performance.now() - started), peakRssMiB: Math.round(peak / MIB) })}\n`,
  );
}

function runChild(
  role: string,
  target: Target,
): Promise<{ role: string; records: number; ms: number; peakRssMiB: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [fileURLToPath(import.meta.url), '--child', role, JSON.stringify(target)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    proc.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${role} child exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}'));
    });
  });
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] ?? '', JSON.parse(process.argv[4] ?? '{}') as Target);
} else {
  await using local = await startLocalAws({ services: ['s3'] });
  const { name: bucket } = await local.createBucket();
  const endpoint = local.endpoints.s3;
  if (!endpoint) throw new Error('no S3 endpoint');
  const target: Target = { region: local.region, endpoint, bucket, key: 'memory/big.txt' };
  console.log(
    `backend ${local.backend}; object ${SIZE_MIB} MiB of ${RECORD_BYTES / 1024} KiB lines; parts 8 MiB x ${QUEUE_SIZE}; limit ${LIMIT_MIB} MiB RSS`,
  );
  let failed = false;
  for (const role of (process.env.BENCH_S3_MEMORY_ROLES ?? 'raw-write,write,read').split(',')) {
    const result = await runChild(role, target);
    const ok = result.peakRssMiB < LIMIT_MIB;
    failed ||= !ok;
    console.log(
      `${role}: ${result.records} records in ${result.ms} ms ` +
        `(${((SIZE_MIB / result.ms) * 1000).toFixed(1)} MiB/s), peak RSS ${result.peakRssMiB} MiB ${ok ? 'OK' : 'OVER LIMIT'}`,
    );
  }
  process.exitCode = failed ? 1 : 0;
}
