// biome-ignore-all lint/suspicious/noTemplateCurlyInString: S3 key templates are literal text here
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { type S3Message, s3Sink, s3Source } from '@tributary/s3';
import { startLocalAws } from '@tributary/testkit';
import { lastValueFrom, mergeMap, type Observable, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Local = Awaited<ReturnType<typeof startLocalAws>>;
let local: Local;
let dir: string;

beforeAll(async () => {
  local = await startLocalAws({ services: ['s3'] });
  dir = await mkdtemp(join(tmpdir(), 's3-it-'));
});
afterAll(async () => {
  await local?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function keys(bucket: string, prefix = ''): Promise<string[]> {
  const s3 = local.connection().client(S3Client);
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) if (item.Key) out.push(item.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out.sort();
}

function ackAll<B>(source: Observable<S3Message<B>>): Promise<S3Message<B>[]> {
  return lastValueFrom(
    source.pipe(
      mergeMap(async (m) => {
        await m.ack();
        return m;
      }, 64),
      toArray(),
    ),
  );
}

async function putText(bucket: string, key: string, body: string): Promise<void> {
  await local
    .connection()
    .client(S3Client)
    .send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

describe('s3Sink and s3Source against local S3', () => {
  it('writes NDJSON records gzip-rolled by the sink and reads every one back once', async () => {
    // Prepare
    const moto = local.backend === 'moto';
    const total = moto ? 20_000 : 100_000;
    const perObject = total / 10;
    const { name: bucket } = await local.createBucket();
    const aws = local.connection();
    const sink = s3Sink<{ id: number; payload: string }>(aws, {
      bucket,
      key: 'events/${date:yyyy/MM/dd}/part-${seq}.ndjson.gz',
      compression: 'gzip',
      maxRecords: perObject,
    });
    // Act
    const writes: Promise<unknown>[] = [];
    for (let id = 0; id < total; id += 1) writes.push(sink.write({ body: { id, payload: `record ${id}` } }));
    await sink.close();
    const receipts = await Promise.all(writes);
    const messages = await ackAll(
      s3Source(aws, { bucket, prefix: 'events/', mode: 'ndjson', maxInFlight: 5_000 }),
    );
    // Assess
    expect(new Set(receipts.map((r) => (r as { id: string }).id)).size).toBe(10);
    const written = await keys(bucket, 'events/');
    expect(written).toHaveLength(10);
    const ids = messages.map((m) => (m.body as { id: number }).id);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    expect(Math.min(...ids)).toBe(0);
    expect(Math.max(...ids)).toBe(total - 1);
    const sample = messages.find((m) => (m.body as { id: number }).id === 0);
    expect(sample?.meta).toMatchObject({ bucket, key: written[0], line: 1 });
    expect(sample?.meta.eTag).not.toBe('');

    // The plain SDK reads what the sink wrote.
    const plain = await aws.client(S3Client).send(new GetObjectCommand({ Bucket: bucket, Key: written[0] }));
    const bytes = Buffer.concat(await (plain.Body as Readable).toArray());
    const lines = gunzipSync(bytes).toString().trimEnd().split('\n');
    expect(lines).toHaveLength(perObject);
    expect(JSON.parse(lines[0] ?? '')).toEqual({ id: 0, payload: 'record 0' });
  });

  it('deletes or moves objects after they are read, as a listing shows', async () => {
    // Prepare
    const { name: bucket } = await local.createBucket();
    const { name: archive } = await local.createBucket();
    const aws = local.connection();
    await putText(bucket, 'del/a.txt', 'a1\na2\n');
    await putText(bucket, 'del/b.txt', 'b1\n');
    await putText(bucket, 'mv/2025/c.txt', 'c1\n');
    await putText(bucket, 'mv/d.txt', 'd1\n');
    // Act
    const deleted = await ackAll(s3Source(aws, { bucket, prefix: 'del/', afterRead: { action: 'delete' } }));
    const moved = await ackAll(
      s3Source(aws, { bucket, prefix: 'mv/', afterRead: { action: 'move', prefix: 'done/' } }),
    );
    await putText(bucket, 'mv/e.txt', 'e1\n');
    const movedAway = await ackAll(
      s3Source(aws, { bucket, prefix: 'mv/', afterRead: { action: 'move', bucket: archive, prefix: 'in/' } }),
    );
    // Assess
    expect(deleted.map((m) => m.body).sort()).toEqual(['a1', 'a2', 'b1']);
    expect(moved.map((m) => m.body).sort()).toEqual(['c1', 'd1']);
    expect(movedAway.map((m) => m.body)).toEqual(['e1']);
    expect(await keys(bucket)).toEqual(['done/2025/c.txt', 'done/d.txt']);
    expect(await keys(archive)).toEqual(['in/e.txt']);
  });

  it('moves an object whose messages were nacked to the error prefix', async () => {
    // Prepare
    const { name: bucket } = await local.createBucket();
    await putText(bucket, 'in/bad.txt', 'x\n');
    // Act
    await lastValueFrom(
      s3Source(local.connection(), {
        bucket,
        prefix: 'in/',
        afterRead: { action: 'delete' },
        afterError: { action: 'move', prefix: 'error/' },
      }).pipe(mergeMap((m) => m.nack(new Error('rejected')))),
      { defaultValue: undefined },
    );
    // Assess
    expect(await keys(bucket)).toEqual(['error/bad.txt']);
  });

  it('a restarted source with a file checkpoint reprocesses nothing, and reads only new objects', async () => {
    // Prepare
    const { name: bucket } = await local.createBucket();
    const path = join(dir, `${bucket}.json`);
    for (let i = 0; i < 5; i += 1) await putText(bucket, `k${i}.txt`, `line ${i}\n`);
    const options = { bucket, checkpoint: { type: 'file' as const, path } };
    const first = await ackAll(s3Source(local.connection(), options));
    // Act
    const restarted = await ackAll(s3Source(local.connection(), options));
    await putText(bucket, 'k9.txt', 'line 9\n');
    const third = await ackAll(s3Source(local.connection(), options));
    // Assess
    expect(first).toHaveLength(5);
    expect(restarted).toHaveLength(0);
    expect(third.map((m) => m.body)).toEqual(['line 9']);
  });

  it('a failing upload aborts its multipart upload and leaves no parts behind', async () => {
    // Prepare
    const { name: bucket } = await local.createBucket();
    const aws = local.connection({ name: 'Failing' });
    const s3 = aws.client(S3Client);
    const uploadIds = new Set<string>();
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { UploadId?: string; PartNumber?: number };
        if (context.commandName === 'UploadPartCommand' && input.UploadId) {
          uploadIds.add(input.UploadId);
          if (input.PartNumber === 2) {
            throw Object.assign(new Error('injected part failure'), {
              name: 'InjectedFailure',
              $metadata: { httpStatusCode: 400 },
            });
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectPartFailure' },
    );
    const sink = s3Sink<string>(aws, {
      bucket,
      key: 'broken.txt',
      format: 'lines',
      partSize: 5 * 1024 * 1024,
    });
    const line = 'y'.repeat(1023);
    // Act
    const outcomes = Array.from({ length: 12 * 1024 }, () =>
      sink.write({ body: line }).then(
        () => 'ok',
        (e: { code?: string }) => e.code,
      ),
    );
    await sink.close();
    const results = await Promise.all(outcomes);
    // Assess
    expect(new Set(results)).toEqual(new Set(['WRITE_REJECTED']));
    expect(await keys(bucket)).toEqual([]);
    expect(uploadIds.size).toBe(1);
    const [uploadId] = [...uploadIds];
    const admin = local.connection().client(S3Client);
    const listed = await admin
      .send(new ListMultipartUploadsCommand({ Bucket: bucket }))
      .catch(() => undefined);
    if (listed) {
      // Backends that answer ListMultipartUploads: nothing is left.
      expect(listed.Uploads ?? []).toEqual([]);
    }
    // Every backend: the upload no longer takes parts.
    const probe = await admin
      .send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'broken.txt',
          UploadId: uploadId,
          PartNumber: 3,
          Body: 'z',
        }),
      )
      .then(
        () => 'accepted',
        (e: { name?: string }) => e.name,
      );
    expect(probe).not.toBe('accepted');
  });
});
