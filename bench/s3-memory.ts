// Memory proof of @tributary/s3 with large objects: a child process writes one object of BENCH_S3_MEMORY_MIB
// (default 1024) with s3Sink (format lines, 16 KiB records, multipart parts of 8 MiB, 2 at once), then another child
// reads it back with s3Source in `lines` mode; a third writes the same bytes with lib-storage's Upload as the
// baseline. Each child (packages/s3/test/support/memoryChild.mjs, plain JavaScript loading only the libraries under
// test; the integration test s3.memory.test.ts runs the same child) reports its own peak RSS; the emulator runs in
// its own process. Target: each under 256 MiB.
// Usage (after pnpm build): node bench/s3-memory.ts
// Environment: BENCH_S3_MEMORY_MIB, BENCH_S3_MEMORY_QUEUE_SIZE (default 2), BENCH_S3_MEMORY_ROLES
// (default raw-write,write,read), TRIBUTARY_LOCAL_AWS.

import { startLocalAws } from '@tributary/testkit';
import { type MemoryRun, runMemoryChild } from '../packages/s3/test/support/memoryProof.ts';

const LIMIT_MIB = 256;
const SIZE_MIB = Number(process.env.BENCH_S3_MEMORY_MIB ?? 1024);
const RECORD_BYTES = 16 * 1024;
/** Parts uploaded at once; lib-storage buffers about partSize x (queueSize + 1). */
const QUEUE_SIZE = Number(process.env.BENCH_S3_MEMORY_QUEUE_SIZE ?? 2);

await using local = await startLocalAws({ services: ['s3'] });
const { name: bucket } = await local.createBucket();
console.log(
  `backend ${local.backend}; object ${SIZE_MIB} MiB of ${RECORD_BYTES / 1024} KiB lines; parts 8 MiB x ${QUEUE_SIZE}; limit ${LIMIT_MIB} MiB RSS`,
);
let failed = false;
for (const role of (process.env.BENCH_S3_MEMORY_ROLES ?? 'raw-write,write,read').split(',')) {
  const result = await runMemoryChild({
    role: role as MemoryRun['role'],
    connection: local.connectionConfig,
    bucket,
    key: 'memory/big.txt',
    sizeMiB: SIZE_MIB,
    recordBytes: RECORD_BYTES,
    queueSize: QUEUE_SIZE,
  });
  const ok = result.peakRssMiB < LIMIT_MIB;
  failed ||= !ok;
  console.log(
    `${role}: ${result.records} records in ${result.ms} ms (${((SIZE_MIB / result.ms) * 1000).toFixed(1)} MiB/s), ` +
      `peak RSS ${result.peakRssMiB} MiB ${ok ? 'OK' : 'OVER LIMIT'} (at start ${result.baselineMiB} MiB; ` +
      `at the peak V8 heap ${result.heapMiB} MiB, buffers ${result.buffersMiB} MiB)`,
  );
}
process.exitCode = failed ? 1 : 0;
