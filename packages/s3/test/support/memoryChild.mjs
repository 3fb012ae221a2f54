// The measured process of the S3 memory proofs (memoryProof.ts: the integration test and bench/s3-memory.ts): one
// role (`raw-write`, `write`, `read`) against the connection given as JSON in argv[2] (its secrets in environment
// variables, see memoryProof.ts), printing one JSON line with its peak RSS. Plain JavaScript that loads only the
// libraries under test, so the peak is theirs and not the TypeScript loader's, vitest's or the testkit's.

import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { awsConnection, Secret } from '@tributary/connection';
import { s3Sink, s3Source } from '@tributary/s3';

const MIB = 1024 * 1024;
const { role, connection, bucket, key, sizeMiB, recordBytes, queueSize } = JSON.parse(process.argv[2]);
const total = Math.ceil((sizeMiB * MIB) / recordBytes);

/** Samples RSS every 20 ms; the result is the peak and how memory was split (V8 heap, buffers) at that moment. */
function peakRss() {
  let peak = { rss: 0, heap: 0, buffers: 0 };
  const sample = () => {
    const usage = process.memoryUsage();
    if (usage.rss > peak.rss) peak = { rss: usage.rss, heap: usage.heapUsed, buffers: usage.arrayBuffers };
  };
  sample();
  const timer = setInterval(sample, 20);
  timer.unref();
  return () => {
    clearInterval(timer);
    sample();
    return { ...peak, rss: Math.max(peak.rss, process.resourceUsage().maxRSS * 1024) };
  };
}

/** The connection config with each `{ $secretEnv: NAME }` replaced by a Secret of that environment variable. */
function withSecrets(value) {
  if (Array.isArray(value)) return value.map(withSecrets);
  if (value === null || typeof value !== 'object') return value;
  if (typeof value.$secretEnv === 'string') return new Secret(process.env[value.$secretEnv] ?? '');
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withSecrets(v)]));
}

const aws = awsConnection({ ...withSecrets(connection), name: 'MemoryProof' });
const baselineMiB = Math.round(process.memoryUsage.rss() / MIB);
const stop = peakRss();
const started = performance.now();
let records = 0;
if (role === 'write') {
  const sink = s3Sink(aws, {
    bucket,
    key,
    format: 'lines',
    maxBytes: 5 * 1024 * MIB,
    maxAgeMs: 3_600_000,
    partSize: 8 * MIB,
    queueSize,
  });
  const line = 'r'.repeat(recordBytes - 1);
  let failure;
  const counted = () => {
    records += 1;
  };
  const failed = (error) => {
    failure ??= error;
  };
  for (let i = 0; i < total; i += 1) {
    await sink.whenWritable();
    sink.write({ body: line }).then(counted, failed);
  }
  await sink.close();
  if (failure !== undefined) throw failure;
} else if (role === 'raw-write') {
  // Baseline: lib-storage Upload fed the same bytes directly, same part size and queue size.
  const line = `${'r'.repeat(recordBytes - 1)}\n`;
  records = total;
  await new Upload({
    client: aws.client(S3Client),
    params: {
      Bucket: bucket,
      Key: `raw-${key}`,
      Body: Readable.from(
        (function* () {
          for (let i = 0; i < total; i += 1) yield Buffer.from(line);
        })(),
      ),
    },
    partSize: 8 * MIB,
    queueSize,
  }).done();
} else {
  await new Promise((resolve, reject) => {
    s3Source(aws, { bucket, prefix: key, mode: 'lines', maxInFlight: 1000 }).subscribe({
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
  `${JSON.stringify({
    role,
    records,
    ms: Math.round(performance.now() - started),
    baselineMiB,
    peakRssMiB: Math.round(peak.rss / MIB),
    heapMiB: Math.round(peak.heap / MIB),
    buffersMiB: Math.round(peak.buffers / MIB),
  })}\n`,
);
