// The memory proof of issue "S3 source and S3 sink": a 1 GiB object written by s3Sink and read back in `lines`
// mode, each in its own process (test/support/memoryChild.mjs), each under 256 MiB peak RSS. The size is
// TRIBUTARY_S3_MEMORY_MIB (default 1024); bench/s3-memory.ts runs the same child with a raw Upload baseline.
import { startLocalAws } from '@tributary/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemoryRun, runMemoryChild } from '../support/memoryProof.js';

const LIMIT_MIB = 256;
const SIZE_MIB = Number(process.env.TRIBUTARY_S3_MEMORY_MIB ?? 1024);
const RECORD_BYTES = 16 * 1024;

type Local = Awaited<ReturnType<typeof startLocalAws>>;
let local: Local;

beforeAll(async () => {
  local = await startLocalAws({ services: ['s3'] });
});
afterAll(async () => {
  await local?.dispose();
});

describe('s3 with large objects', () => {
  it(`writes ${SIZE_MIB} MiB with s3Sink and reads it in lines mode, each under ${LIMIT_MIB} MiB RSS`, async () => {
    // Prepare
    const { name: bucket } = await local.createBucket();
    const run = (role: MemoryRun['role']) =>
      runMemoryChild({
        role,
        connection: local.connectionConfig,
        bucket,
        key: 'memory/big.txt',
        sizeMiB: SIZE_MIB,
        recordBytes: RECORD_BYTES,
        queueSize: 2,
      });
    const records = Math.ceil((SIZE_MIB * 1024 * 1024) / RECORD_BYTES);
    // Act
    const write = await run('write');
    const read = await run('read');
    // Assess
    console.log(
      `s3 memory proof (${local.backend}): write ${JSON.stringify(write)}, read ${JSON.stringify(read)}`,
    );
    expect(write.records).toBe(records);
    expect(read.records).toBe(records);
    expect(write.peakRssMiB).toBeLessThan(LIMIT_MIB);
    expect(read.peakRssMiB).toBeLessThan(LIMIT_MIB);
  }, 900_000);
});
