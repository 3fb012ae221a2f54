// biome-ignore-all lint/suspicious/noTemplateCurlyInString: S3 key templates are literal text here
import { gunzipSync } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { s3Sink } from '@tributary/s3';
import { createMessage, type Receipt, writeTo } from '@tributary/stream';
import { testConnection } from '@tributary/testkit';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeS3 } from './fakeS3.js';

const bucket = 'lake';
let s3: FakeS3;

beforeEach(() => {
  s3 = new FakeS3();
});
afterEach(() => {
  s3.mock.restore();
});

const tick = (ms = 20): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const text = (key: string): string => s3.objects.get(`${bucket}/${key}`)?.body.toString() ?? '<missing>';

/** Tracks whether a promise has settled. */
function settledFlag<T>(promise: Promise<T>): { settled: boolean } {
  const flag = { settled: false };
  promise.then(
    () => {
      flag.settled = true;
    },
    () => {
      flag.settled = true;
    },
  );
  return flag;
}

describe('s3Sink', () => {
  it('rolls objects by maxRecords and names them by the key template', async () => {
    // Prepare
    const sink = s3Sink<{ n: number }>(testConnection(), {
      bucket,
      key: 'out/part-${seq}.ndjson',
      maxRecords: 10,
    });
    // Act
    const receipts = await Promise.all(
      Array.from({ length: 25 }, (_, n) => {
        const write = sink.write({ body: { n }, id: `m${n}` });
        if (n === 24) void sink.flush();
        return write;
      }),
    );
    // Assess
    expect(s3.keys(bucket)).toEqual(['out/part-0.ndjson', 'out/part-1.ndjson', 'out/part-2.ndjson']);
    expect(text('out/part-0.ndjson').split('\n')).toHaveLength(11);
    expect(text('out/part-2.ndjson')).toBe(
      `${[20, 21, 22, 23, 24].map((n) => JSON.stringify({ n })).join('\n')}\n`,
    );
    expect(receipts[9]).toMatchObject({
      sink: 's3:lake',
      id: 'out/part-0.ndjson',
      messageId: 'm9',
      details: { bucket, key: 'out/part-0.ndjson', records: '10' },
    });
    expect(receipts[10]?.id).toBe('out/part-1.ndjson');
    expect(sink.stats()).toMatchObject({ written: 25, batches: 3, inFlight: 0 });
  });

  it('resolves a receipt only when the object holding the entry is complete', async () => {
    // Prepare
    const sink = s3Sink(testConnection(), { bucket, key: 'a.ndjson', maxAgeMs: 60_000 });
    const write = sink.write({ body: { a: 1 } });
    const flag = settledFlag(write);
    // Act
    await tick(50);
    const beforeFlush = { settled: flag.settled, keys: s3.keys(bucket) };
    await sink.flush();
    // Assess
    expect(beforeFlush).toEqual({ settled: false, keys: [] });
    expect(flag.settled).toBe(true);
    expect((await write).id).toBe('a.ndjson');
  });

  it('rolls by maxBytes (before compression) and by maxAgeMs', async () => {
    // Prepare
    const bySize = s3Sink<string>(testConnection(), {
      bucket,
      key: 'size/${seq}.txt',
      format: 'lines',
      maxBytes: 10,
    });
    const byAge = s3Sink<string>(testConnection(), {
      bucket,
      key: 'age/${seq}.txt',
      format: 'lines',
      maxAgeMs: 100,
    });
    // Act
    const sized = Promise.all(['aaaa', 'bbbb', 'cccc', 'dd'].map((body) => bySize.write({ body })));
    await bySize.flush();
    await sized;
    const aged = await byAge.write({ body: 'x' });
    // Assess
    expect(s3.keys(bucket).filter((k) => k.startsWith('size/'))).toEqual(['size/0.txt', 'size/1.txt']);
    expect(text('size/0.txt')).toBe('aaaa\nbbbb\n');
    expect(text('size/1.txt')).toBe('cccc\ndd\n');
    expect(aged.id).toBe('age/0.txt');
  });

  it('keeps one open object per partition', async () => {
    // Prepare
    const sink = s3Sink<{ tenant: string; v: number }>(testConnection(), {
      bucket,
      key: 'by-tenant/${msg:tenant}/${date:yyyy}/${uuid}.ndjson',
      partitionBy: '${msg:tenant}',
    });
    // Act
    const writes = [
      { tenant: 'acme', v: 1 },
      { tenant: 'globex', v: 2 },
      { tenant: 'acme', v: 3 },
    ].map((body) => sink.write({ body }));
    await tick();
    const openBeforeClose = sink.openObjects();
    await sink.close();
    const receipts = await Promise.all(writes);
    // Assess
    expect(openBeforeClose).toBe(2);
    const year = new Date().getUTCFullYear();
    expect(receipts[0]?.id).toMatch(new RegExp(`^by-tenant/acme/${year}/[0-9a-f-]{36}\\.ndjson$`));
    expect(receipts[0]?.id).toBe(receipts[2]?.id);
    expect(text(receipts[0]?.id ?? '')).toBe('{"tenant":"acme","v":1}\n{"tenant":"acme","v":3}\n');
    expect(text(receipts[1]?.id ?? '')).toBe('{"tenant":"globex","v":2}\n');
  });

  it('completes the least recently written object when maxOpenObjects is reached', async () => {
    // Prepare
    const sink = s3Sink<{ p: string }>(testConnection(), {
      bucket,
      key: '${msg:p}.ndjson',
      partitionBy: '${msg:p}',
      maxOpenObjects: 2,
    });
    // Act
    const first = sink.write({ body: { p: 'a' } });
    void sink.write({ body: { p: 'b' } });
    void sink.write({ body: { p: 'c' } });
    const receipt = await first;
    // Assess
    expect(receipt.id).toBe('a.ndjson');
    expect(sink.openObjects()).toBe(2);
    await sink.close();
  });

  it('gzips objects', async () => {
    // Prepare
    const sink = s3Sink(testConnection(), { bucket, key: 'z.ndjson.gz', compression: 'gzip' });
    // Act
    const writes = [sink.write({ body: { a: 1 } }), sink.write({ body: { b: 2 } })];
    await sink.close();
    await Promise.all(writes);
    // Assess
    const stored = s3.objects.get(`${bucket}/z.ndjson.gz`)?.body ?? Buffer.alloc(0);
    expect(gunzipSync(stored).toString()).toBe('{"a":1}\n{"b":2}\n');
  });

  it('writes csv with a header from the first record', async () => {
    // Prepare
    const sink = s3Sink(testConnection(), { bucket, key: 'o.csv', format: 'csv' });
    // Act
    const writes = [
      sink.write({ body: { id: 1, name: 'Smith, J' } }),
      sink.write({ body: { id: 2, name: 'Lee' } }),
    ];
    await sink.close();
    await Promise.all(writes);
    // Assess
    expect(text('o.csv')).toBe('id,name\n1,"Smith, J"\n2,Lee\n');
    expect(s3.writeParams.get('o.csv')?.ContentType).toBe('text/csv; charset=utf-8');
  });

  it('writes one object per message in raw format', async () => {
    // Prepare
    const sink = s3Sink(testConnection(), { bucket, key: 'raw/${msg:id}.bin', format: 'raw' });
    // Act
    const receipts = await Promise.all([
      sink.write({ body: { id: 'x', v: 1 } }),
      sink.write({ body: { id: 'y', v: 2 } }),
    ]);
    // Assess
    expect(receipts.map((r) => r.id)).toEqual(['raw/x.bin', 'raw/y.bin']);
    expect(text('raw/x.bin')).toBe('{"id":"x","v":1}');
  });

  it('streams objects larger than partSize as multipart uploads', async () => {
    // Prepare
    const sink = s3Sink<string>(testConnection(), {
      bucket,
      key: 'big.txt',
      format: 'lines',
      partSize: 5 * 1024 * 1024,
    });
    const line = 'x'.repeat(1023);
    // Act
    const writes = Array.from({ length: 6 * 1024 }, () => sink.write({ body: line }));
    await sink.close();
    await Promise.all(writes);
    // Assess
    expect(s3.mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(1);
    expect(s3.mock.commandCalls(UploadPartCommand)).toHaveLength(2);
    expect(s3.objects.get(`${bucket}/big.txt`)?.body.length).toBe(6 * 1024 * 1024);
    expect(s3.uploads.size).toBe(0);
  });

  it('aborts the multipart upload of a failed object and rejects its writes', async () => {
    // Prepare
    s3.mock
      .on(UploadPartCommand)
      .rejects(
        Object.assign(new Error('boom'), { name: 'InternalError', $metadata: { httpStatusCode: 400 } }),
      );
    const sink = s3Sink<string>(testConnection(), {
      bucket,
      key: 'fail.txt',
      format: 'lines',
      partSize: 5 * 1024 * 1024,
    });
    const line = 'x'.repeat(1023);
    // Act
    const writes = Array.from({ length: 6 * 1024 }, () =>
      sink.write({ body: line }).catch((e: unknown) => e),
    );
    await sink.close();
    const outcomes = await Promise.all(writes);
    // Assess
    expect(outcomes.every((o) => (o as { code?: string }).code === 'WRITE_REJECTED')).toBe(true);
    expect(outcomes[0]).toMatchObject({ name: 'SinkWriteError', details: { reason: 'OBJECT_FAILED' } });
    expect(s3.mock.commandCalls(AbortMultipartUploadCommand).length).toBeGreaterThanOrEqual(1);
    expect(s3.uploads.size).toBe(0);
    expect(s3.keys(bucket)).toEqual([]);
    expect(sink.stats()).toMatchObject({ inFlight: 0, written: 0 });
  });

  it('gives writes without a message id of one object one receipt, and counts each of them', async () => {
    // Prepare
    const sink = s3Sink<string>(testConnection(), { bucket, key: 'shared.txt', format: 'lines' });
    // Act
    const first = sink.write({ body: 'a' }); // opens the object
    await tick();
    const rest = Array.from({ length: 99 }, (_, n) => sink.write({ body: `l${n}` }));
    const named = sink.write({ body: 'z', id: 'm-z' });
    const inFlight = sink.stats().inFlight;
    const plain = [first, ...rest];
    await sink.close();
    const receipts = await Promise.all(plain);
    // Assess
    expect(inFlight).toBe(101);
    expect(new Set(rest).size).toBe(1); // appended at once: one promise
    expect(new Set(receipts).size).toBe(1);
    expect(receipts[0]).toEqual({
      sink: 's3:lake',
      id: 'shared.txt',
      attempts: 1,
      details: expect.objectContaining({ bucket, key: 'shared.txt', records: '101' }),
    });
    expect(await named).toMatchObject({ id: 'shared.txt', messageId: 'm-z' });
    expect(text('shared.txt').split('\n')).toHaveLength(102);
    expect(sink.stats()).toMatchObject({ written: 101, inFlight: 0, batches: 1 });
  });

  it('whenWritable() waits for a full object stream (nothing queues by default) or up to maxBufferedRecords', async () => {
    // Prepare
    const record = 'r'.repeat(64 * 1024 - 1);
    const produce = async (maxBufferedRecords?: number): Promise<number> => {
      const sink = s3Sink<string>(testConnection(), {
        bucket,
        key: `w-${maxBufferedRecords ?? 'default'}.txt`,
        format: 'lines',
        ...(maxBufferedRecords === undefined ? {} : { maxBufferedRecords }),
      });
      let mostQueued = 0;
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 200; i += 1) {
        await sink.whenWritable();
        writes.push(sink.write({ body: record }));
        mostQueued = Math.max(mostQueued, sink.stats().buffered);
      }
      await sink.close();
      await Promise.all(writes);
      return mostQueued;
    };
    // Act
    const byDefault = await produce();
    const withFive = await produce(5);
    // Assess
    expect(byDefault).toBe(0);
    expect(withFive).toBeGreaterThan(0);
    expect(withFive).toBeLessThanOrEqual(5);
    expect(text('w-default.txt').length).toBe(200 * 64 * 1024);
  });

  it('rejects every write of a failed object, shared receipt or not, and counts each', async () => {
    // Prepare
    s3.mock
      .on(PutObjectCommand)
      .rejects(
        Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
      );
    const sink = s3Sink<string>(testConnection(), { bucket, key: 'denied.txt', format: 'lines' });
    // Act
    const writes = [
      ...Array.from({ length: 5 }, (_, n) => sink.write({ body: `l${n}` })),
      sink.write({ body: 'z', id: 'm-z' }),
    ].map((write) => write.catch((error: unknown) => error));
    await sink.close();
    const outcomes = await Promise.all(writes);
    // Assess
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ name: 'SinkWriteError', details: { reason: 'OBJECT_FAILED' } });
    }
    expect(sink.stats()).toMatchObject({ rejected: 6, written: 0, inFlight: 0 });
  });

  it("rejects an existing key with ifExists 'fail' and adds a version with 'version'", async () => {
    // Prepare
    s3.put(bucket, 'daily/report.csv.gz', 'old');
    s3.put(bucket, 'daily/report-1.csv.gz', 'old');
    const failing = s3Sink(testConnection(), { bucket, key: 'daily/report.csv.gz', ifExists: 'fail' });
    const versioning = s3Sink(testConnection(), { bucket, key: 'daily/report.csv.gz', ifExists: 'version' });
    // Act
    const refused = await failing.write({ body: {} }).catch((e: unknown) => e);
    const versioned = versioning.write({ body: { v: 2 } });
    await versioning.close();
    // Assess
    expect(refused).toMatchObject({ code: 'WRITE_REJECTED', details: { reason: 'OBJECT_EXISTS' } });
    expect((await versioned).id).toBe('daily/report-2.csv.gz');
    expect(text('daily/report.csv.gz')).toBe('old');
  });

  it('passes encryption, storage class, tags, metadata and content headers', async () => {
    // Prepare
    const sink = s3Sink(testConnection(), {
      bucket,
      key: 'secure.ndjson',
      serverSideEncryption: 'aws:kms',
      kmsKeyId: 'alias/lake',
      storageClass: 'STANDARD_IA',
      tags: { team: 'data', tier: 'raw' },
      metadata: { producer: 'unit' },
      contentEncoding: 'identity',
    });
    // Act
    const write = sink.write({ body: 1 });
    await sink.close();
    await write;
    // Assess
    expect(s3.mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: bucket,
      Key: 'secure.ndjson',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'alias/lake',
      StorageClass: 'STANDARD_IA',
      Tagging: 'team=data&tier=raw',
      Metadata: { producer: 'unit' },
      ContentType: 'application/x-ndjson',
      ContentEncoding: 'identity',
    });
  });

  it('rejects only the write whose body the format cannot hold', async () => {
    // Prepare
    const sink = s3Sink<unknown>(testConnection(), { bucket, key: 'l.txt', format: 'lines' });
    // Act
    const bad = sink.write({ body: { not: 'a line' } }).catch((e: unknown) => e);
    const good = sink.write({ body: 'fine' });
    await sink.close();
    // Assess
    expect(await bad).toMatchObject({
      code: 'WRITE_REJECTED',
      details: { reason: 'PREPARE_FAILED', attempts: 0 },
    });
    expect((await good).id).toBe('l.txt');
    expect(text('l.txt')).toBe('fine\n');
  });

  it('rejects writes after close, and close is idempotent', async () => {
    // Prepare
    const sink = s3Sink(testConnection(), { bucket, key: 'c.ndjson' });
    // Act
    await sink.close();
    await sink.close();
    const error = await sink.write({ body: {} }).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ code: 'WRITER_CLOSED' });
    expect(s3.keys(bucket)).toEqual([]);
  });

  it('rejects a write whose signal is already aborted with ABORTED, naming the sink', async () => {
    // Prepare
    const sink = s3Sink(testConnection(), { bucket, key: 'x.ndjson' });
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    controller.abort(reason);
    // Act
    const error = await sink.write({ body: {} }, { signal: controller.signal }).catch((e: unknown) => e);
    await sink.close();
    // Assess
    expect(error).toMatchObject({
      code: 'ABORTED',
      message: `Sink "${sink.name}": write aborted before it was accepted`,
      details: { sink: sink.name },
      cause: reason,
    });
    expect(s3.keys(bucket)).toEqual([]);
  });

  it('acks each source message through writeTo only once its object exists', async () => {
    // Prepare
    // writeTo flushes the sink only once every write has its receipt, so the last, partly filled object
    // completes by maxAgeMs here.
    const sink = s3Sink<{ n: number }>(testConnection(), {
      bucket,
      key: 'w/${seq}.ndjson',
      maxRecords: 2,
      maxAgeMs: 200,
    });
    const acked: number[] = [];
    const messages = [0, 1, 2].map((n) =>
      createMessage({
        id: `m${n}`,
        body: { n },
        meta: {},
        onAck: async () => {
          acked.push(n);
        },
        onNack: async () => {},
      }),
    );
    // Act
    const receipts: Receipt[] = await lastValueFrom(
      from(messages).pipe(writeTo(sink, { concurrency: 10 }), toArray()),
    );
    // Assess
    expect(acked.sort()).toEqual([0, 1, 2]);
    expect(receipts.map((r) => r.id).sort()).toEqual(['w/0.ndjson', 'w/0.ndjson', 'w/1.ndjson']);
    expect(s3.keys(bucket)).toEqual(['w/0.ndjson', 'w/1.ndjson']);
  });

  it('throws ConfigError for bad options and templates', () => {
    expect(() => s3Sink(testConnection(), { bucket, key: 'k', partSize: 1024 })).toThrow(/\/partSize/);
    expect(() => s3Sink(testConnection(), { bucket, key: 'k', kmsKeyId: 'k1' })).toThrow(/\/kmsKeyId/);
    expect(() => s3Sink(testConnection(), { bucket, key: 'k-${nope}' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => s3Sink(testConnection(), { bucket, key: '' })).toThrow(/\/key/);
  });
});
