import { gzipSync } from 'node:zlib';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { memoryCheckpoint, type S3Message, s3Source } from '@tributary/s3';
import { testConnection } from '@tributary/testkit';
import { mockClient } from 'aws-sdk-client-mock';
import { firstValueFrom, lastValueFrom, mergeMap, type Observable, take, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeS3 } from './fakeS3.js';

const bucket = 'landing';
let s3: FakeS3;
const sqs = mockClient(SQSClient);

beforeEach(() => {
  s3 = new FakeS3();
  sqs.reset();
});
afterEach(() => {
  s3.mock.restore();
});

/** Acks every message and collects them. */
function readAll<B>(source: Observable<S3Message<B>>): Promise<S3Message<B>[]> {
  return lastValueFrom(
    source.pipe(
      mergeMap(async (message) => {
        await message.ack();
        return message;
      }),
      toArray(),
    ),
  );
}

/** Collects the first `count` messages without deciding them. */
function collect<B>(source: Observable<S3Message<B>>, count: number): Promise<S3Message<B>[]> {
  return firstValueFrom(source.pipe(take(count), toArray()));
}

/** Subscribes and keeps every message undecided until the test decides; `until(n)` waits for n messages. */
function hold<B>(source: Observable<S3Message<B>>) {
  const messages: S3Message<B>[] = [];
  const subscription = source.subscribe((m) => messages.push(m));
  return {
    messages,
    async until(count: number): Promise<S3Message<B>[]> {
      for (let i = 0; i < 500 && messages.length < count; i += 1) await tick(10);
      return messages;
    },
    [Symbol.dispose]: () => subscription.unsubscribe(),
  };
}

const tick = (ms = 20): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('s3Source', () => {
  it('reads every line of every object in key order with the object facts, then completes', async () => {
    // Prepare
    s3.put(bucket, 'in/b.txt', 'b1\nb2\n', { metadata: { origin: 'test' }, contentType: 'text/plain' });
    s3.put(bucket, 'in/a.txt', 'a1\r\na2');
    // Act
    const messages = await readAll(s3Source(testConnection(), { bucket, prefix: 'in/', concurrency: 1 }));
    // Assess
    expect(messages.map((m) => m.body)).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(messages.map((m) => m.meta.line)).toEqual([1, 2, 1, 2]);
    const b1 = messages[2];
    expect(b1?.id).toBe('s3://landing/in/b.txt#1');
    expect(b1?.meta).toMatchObject({
      bucket,
      key: 'in/b.txt',
      size: 6,
      eTag: s3.objects.get('landing/in/b.txt')?.eTag,
      storageClass: 'STANDARD',
      contentType: 'text/plain',
      metadata: { origin: 'test' },
    });
    expect(b1?.meta.lastModified).toBeInstanceOf(Date);
  });

  it('completes at once on an empty bucket', async () => {
    // Act
    const messages = await readAll(s3Source(testConnection(), { bucket }));
    // Assess
    expect(messages).toEqual([]);
  });

  it('parses ndjson, skipping blank lines, and decompresses by extension and by Content-Encoding', async () => {
    // Prepare
    s3.put(bucket, 'a.ndjson.gz', gzipSync('{"n":1}\n\n{"n":2}\n'));
    s3.put(bucket, 'b.ndjson', gzipSync('{"n":3}\n'), { contentEncoding: 'gzip' });
    // Act
    const messages = await readAll(s3Source(testConnection(), { bucket, mode: 'ndjson' }));
    // Assess
    expect(messages.map((m) => m.body)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(messages.map((m) => m.meta.line)).toEqual([1, 3, 1]);
  });

  it('parses csv with a header row into records', async () => {
    // Prepare
    s3.put(bucket, 'orders.csv', 'id,name\n1,"Smith, J"\n2,Lee\n');
    // Act
    const messages = await readAll(s3Source(testConnection(), { bucket, mode: 'csv' }));
    // Assess
    expect(messages.map((m) => m.body)).toEqual([
      { id: '1', name: 'Smith, J' },
      { id: '2', name: 'Lee' },
    ]);
    expect(messages.map((m) => m.meta.line)).toEqual([2, 3]);
  });

  it('keys csv fields by position when columns is false', async () => {
    // Prepare
    s3.put(bucket, 'rows.csv', 'a;b\nc;d\n');
    // Act
    const messages = await readAll(
      s3Source(testConnection(), { bucket, mode: 'csv', csv: { columns: false, delimiter: ';' } }),
    );
    // Assess
    expect(messages.map((m) => m.body)).toEqual([
      { '0': 'a', '1': 'b' },
      { '0': 'c', '1': 'd' },
    ]);
  });

  it('emits whole bodies in object mode and fails objects above maxObjectBytes', async () => {
    // Prepare
    s3.put(bucket, 'small.bin', Buffer.from([1, 2, 3]));
    s3.put(bucket, 'large.bin', Buffer.alloc(100));
    // Act
    const messages = await readAll(
      s3Source(testConnection(), {
        bucket,
        mode: 'object',
        maxObjectBytes: 10,
        afterError: { action: 'move', prefix: 'error/' },
      }),
    );
    // Assess
    expect(messages).toHaveLength(1);
    expect(messages[0]?.body).toEqual(Buffer.from([1, 2, 3]));
    expect(s3.keys(bucket)).toEqual(['error/large.bin', 'small.bin']);
  });

  it('hands out a readable stream in stream mode', async () => {
    // Prepare
    s3.put(bucket, 'blob', 'streamed content');
    // Act
    const texts = await lastValueFrom(
      s3Source(testConnection(), { bucket, mode: 'stream' }).pipe(
        mergeMap(async (message) => {
          const text = Buffer.concat(await message.body.toArray()).toString();
          await message.ack();
          return text;
        }),
        toArray(),
      ),
    );
    // Assess
    expect(texts).toEqual(['streamed content']);
  });

  it('runs the after-read action only once every message of the object is acked', async () => {
    // Prepare
    s3.put(bucket, 'in/x.txt', '1\n2\n3\n');
    using held = hold(s3Source(testConnection(), { bucket, afterRead: { action: 'delete' } }));
    // Act
    const messages = await held.until(3);
    await messages[0]?.ack();
    await messages[2]?.ack();
    await tick();
    const afterTwo = s3.keys(bucket);
    await messages[1]?.ack();
    // Assess
    expect(afterTwo).toEqual(['in/x.txt']);
    expect(s3.keys(bucket)).toEqual([]);
  });

  it('leaves a nacked object in place, or moves it to the error prefix', async () => {
    // Prepare
    s3.put(bucket, 'in/keep.txt', '1\n2\n');
    s3.put(bucket, 'in/bad.txt', '1\n2\n');
    const nackOne = async (message: S3Message): Promise<void> => {
      if (message.meta.line === 2) await message.nack(new Error('handler failed'));
      else await message.ack();
    };
    // Act
    await lastValueFrom(
      s3Source(testConnection(), {
        bucket,
        prefix: 'in/',
        keyGlob: 'keep.txt',
        afterRead: { action: 'delete' },
      }).pipe(mergeMap(nackOne)),
      { defaultValue: undefined },
    );
    await lastValueFrom(
      s3Source(testConnection(), {
        bucket,
        prefix: 'in/',
        keyGlob: 'bad.txt',
        afterRead: { action: 'delete' },
        afterError: { action: 'move', prefix: 'failed/' },
      }).pipe(mergeMap(nackOne)),
      { defaultValue: undefined },
    );
    // Assess
    expect(s3.keys(bucket)).toEqual(['failed/bad.txt', 'in/keep.txt']);
  });

  it('moves a read object to another prefix and bucket, replacing the source prefix', async () => {
    // Prepare
    s3.put(bucket, 'in/2025/a.txt', 'a\n');
    // Act
    await readAll(
      s3Source(testConnection(), {
        bucket,
        prefix: 'in/',
        afterRead: { action: 'move', bucket: 'archive', prefix: 'done/' },
      }),
    );
    // Assess
    expect(s3.keys(bucket)).toEqual([]);
    expect(s3.keys('archive')).toEqual(['done/2025/a.txt']);
  });

  it('merges tags into a read object', async () => {
    // Prepare
    s3.put(bucket, 'a.txt', 'a\n', { tags: { owner: 'team' } });
    // Act
    await readAll(
      s3Source(testConnection(), { bucket, afterRead: { action: 'tag', tags: { processed: 'true' } } }),
    );
    // Assess
    expect(s3.objects.get('landing/a.txt')?.tags).toEqual({ owner: 'team', processed: 'true' });
  });

  it('filters keys by prefix, subfolders, glob and regex, and skips its own move prefix', async () => {
    // Prepare
    for (const key of ['in/a.csv', 'in/b.txt', 'in/sub/c.csv', 'in/done/d.csv', 'other/e.csv'])
      s3.put(bucket, key, `${key}\n`);
    const keysRead = async (options: Parameters<typeof s3Source>[1]): Promise<string[]> =>
      [...new Set((await readAll(s3Source(testConnection(), options))).map((m) => m.meta.key))].sort();
    // Act
    const flat = await keysRead({ bucket, prefix: 'in/', includeSubfolders: false });
    const regex = await keysRead({ bucket, keyRegex: '^(in|other)/[a-c]\\.' });
    const fn = await keysRead({ bucket, prefix: 'in/', keyFilter: (key) => key.endsWith('.txt') });
    const glob = await keysRead({
      bucket,
      prefix: 'in/',
      keyGlob: '*.csv',
      afterRead: { action: 'move', prefix: 'in/done/' },
    });
    // Assess
    expect(glob).toEqual(['in/a.csv', 'in/sub/c.csv']);
    expect(flat).toEqual(['in/a.csv', 'in/b.txt']);
    expect(regex).toEqual(['in/a.csv', 'in/b.txt']);
    expect(fn).toEqual(['in/b.txt']);
  });

  it('reads in key-desc and last-modified order', async () => {
    // Prepare
    s3.put(bucket, 'a', 'a\n', { lastModified: new Date('2025-01-03') });
    s3.put(bucket, 'b', 'b\n', { lastModified: new Date('2025-01-01') });
    s3.put(bucket, 'c', 'c\n', { lastModified: new Date('2025-01-02') });
    const order = async (o: 'key-desc' | 'last-modified-asc' | 'last-modified-desc'): Promise<string[]> =>
      (await readAll(s3Source(testConnection(), { bucket, order: o, concurrency: 1 }))).map((m) => m.body);
    // Act / Assess
    expect(await order('key-desc')).toEqual(['c', 'b', 'a']);
    expect(await order('last-modified-asc')).toEqual(['b', 'c', 'a']);
    expect(await order('last-modified-desc')).toEqual(['a', 'c', 'b']);
  });

  it('reads pages of a long listing', async () => {
    // Prepare
    for (let i = 0; i < 25; i += 1) s3.put(bucket, `k${String(i).padStart(2, '0')}`, `${i}\n`);
    // Act
    const messages = await readAll(s3Source(testConnection(), { bucket, maxKeys: 10 }));
    // Assess
    expect(messages).toHaveLength(25);
    expect(s3.mock.commandCalls(ListObjectsV2Command)).toHaveLength(3);
  });

  it('skips checkpointed objects and rereads changed ones only with reprocess whenChanged', async () => {
    // Prepare
    const store = memoryCheckpoint();
    s3.put(bucket, 'a.txt', 'a\n');
    s3.put(bucket, 'b.txt', 'b\n');
    await readAll(s3Source(testConnection(), { bucket, checkpointStore: store }));
    s3.put(bucket, 'b.txt', 'b changed\n');
    s3.put(bucket, 'c.txt', 'c\n');
    // Act
    const never = await readAll(s3Source(testConnection(), { bucket, checkpointStore: store }));
    const changed = await readAll(
      s3Source(testConnection(), { bucket, checkpointStore: store, reprocess: 'whenChanged' }),
    );
    // Assess
    expect(never.map((m) => m.body)).toEqual(['c']);
    expect(changed.map((m) => m.body)).toEqual(['b changed']);
    expect(await store.get('landing/a.txt')).toBe(s3.objects.get('landing/a.txt')?.eTag);
  });

  it('holds at most maxInFlight unacked messages and resumes when acks free room', async () => {
    // Prepare
    s3.put(bucket, 'big.txt', Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n'));
    const received: S3Message[] = [];
    // Act
    const subscription = s3Source(testConnection(), { bucket, maxInFlight: 5 }).subscribe((m) =>
      received.push(m),
    );
    await tick(50);
    const beforeAck = received.length;
    for (const m of received.slice(0, 3)) await m.ack();
    await tick(50);
    const afterAck = received.length;
    subscription.unsubscribe();
    // Assess
    expect(beforeAck).toBe(5);
    expect(afterAck).toBe(8);
  });

  it('fails an object at an invalid ndjson line without running the after-read action', async () => {
    // Prepare
    s3.put(bucket, 'bad.ndjson', '{"ok":1}\nnot json\n{"ok":2}\n');
    s3.put(bucket, 'good.ndjson', '{"ok":3}\n');
    // Act
    const messages = await readAll(
      s3Source(testConnection(), { bucket, mode: 'ndjson', afterRead: { action: 'delete' } }),
    );
    // Assess
    expect(messages.map((m) => m.body)).toEqual([{ ok: 1 }, { ok: 3 }]);
    expect(s3.keys(bucket)).toEqual(['bad.ndjson']);
  });

  it('stops reading when unsubscribed', async () => {
    // Prepare
    for (let i = 0; i < 10; i += 1) s3.put(bucket, `k${i}`, 'x\ny\n');
    // Act
    await collect(s3Source(testConnection(), { bucket, concurrency: 1, maxInFlight: 1 }), 1);
    await tick(50);
    // Assess
    expect(s3.gets).toBe(1);
  });

  it('waits until an object has been stable for stableTimeMs', async () => {
    // Prepare
    s3.put(bucket, 'fresh.txt', 'x\n', { lastModified: new Date() });
    const started = Date.now();
    // Act
    const messages = await readAll(s3Source(testConnection(), { bucket, stableTimeMs: 300 }));
    // Assess
    expect(messages).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('reads old objects at once despite stableTimeMs', async () => {
    // Prepare
    s3.put(bucket, 'old.txt', 'x\n', { lastModified: new Date(Date.now() - 60_000) });
    const started = Date.now();
    // Act
    await readAll(s3Source(testConnection(), { bucket, stableTimeMs: 5_000 }));
    // Assess
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('in watch mode, reads new objects on later polls and never the same object twice', async () => {
    // Prepare
    s3.put(bucket, 'a.txt', 'a\n');
    const bodies: string[] = [];
    const subscription = s3Source(testConnection(), {
      bucket,
      discovery: 'watch',
      pollIntervalMs: 100,
    }).subscribe((m) => {
      bodies.push(m.body);
      void m.ack();
    });
    // Act
    await tick(250);
    s3.put(bucket, 'b.txt', 'b\n');
    await tick(300);
    subscription.unsubscribe();
    // Assess
    expect(bodies).toEqual(['a', 'b']);
    expect(s3.mock.commandCalls(ListObjectsV2Command).length).toBeGreaterThanOrEqual(4);
  });

  it('errors with ACCESS_DENIED when the listing is refused', async () => {
    // Prepare
    s3.mock.on(ListObjectsV2Command).rejects(
      Object.assign(new Error('Access Denied'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    // Act
    const error = await readAll(s3Source(testConnection(), { bucket })).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ code: 'ACCESS_DENIED', details: { operation: 'ListObjectsV2' } });
  });

  it('throws ConfigError naming the fields of bad options', () => {
    expect(() => s3Source(testConnection(), { bucket: 'Bad_Bucket' })).toThrow(/\/bucket/);
    expect(() => s3Source(testConnection(), { bucket, discovery: 'notifications' })).toThrow(
      /\/notifications/,
    );
    expect(() => s3Source(testConnection(), { bucket, keyRegex: '(' })).toThrow(/\/keyRegex/);
    expect(() => s3Source(testConnection(), { bucket, cron: 'every day' })).toThrow(/\/cron/);
    expect(() => s3Source(testConnection(), { bucket, maxKeys: 5000 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});

describe('s3Source notification mode', () => {
  const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/s3-events';
  const record = (key: string) =>
    JSON.stringify({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: {
            bucket: { name: bucket },
            object: { key: encodeURIComponent(key).replaceAll('%20', '+'), size: 4 },
          },
        },
      ],
    });

  it('reads the object of each notification and deletes the notification once the object is done', async () => {
    // Prepare
    s3.put(bucket, 'in/new file.txt', 'a\nb\n');
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          {
            MessageId: 't',
            ReceiptHandle: 'rh-test',
            Body: JSON.stringify({ Event: 's3:TestEvent', Bucket: bucket }),
          },
          { MessageId: 'n1', ReceiptHandle: 'rh-1', Body: record('in/new file.txt') },
        ],
      })
      .resolves({ Messages: [] });
    sqs.on(DeleteMessageCommand).resolves({});
    using held = hold(
      s3Source(testConnection(), {
        bucket,
        discovery: 'notifications',
        notifications: { queueUrl, waitTimeSeconds: 0 },
        afterRead: { action: 'delete' },
      }),
    );
    // Act
    const messages = await held.until(2);
    const beforeAck = sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle);
    await messages[0]?.ack();
    await messages[1]?.ack();
    // Assess
    expect(messages.map((m) => m.body)).toEqual(['a', 'b']);
    expect(beforeAck).toEqual(['rh-test']);
    expect(sqs).toHaveReceivedCommandWith(DeleteMessageCommand, {
      QueueUrl: queueUrl,
      ReceiptHandle: 'rh-1',
    });
    expect(s3.keys(bucket)).toEqual([]);
  });

  it('releases the notification for redelivery when a message is nacked', async () => {
    // Prepare
    s3.put(bucket, 'x.txt', 'a\n');
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'n1', ReceiptHandle: 'rh-1', Body: record('x.txt') }] })
      .resolves({ Messages: [] });
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    // Act
    using held = hold(
      s3Source(testConnection(), {
        bucket,
        discovery: 'notifications',
        notifications: { queueUrl, waitTimeSeconds: 0 },
      }),
    );
    const [message] = await held.until(1);
    await message?.nack(new Error('no'));
    // Assess
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, {
      ReceiptHandle: 'rh-1',
      VisibilityTimeout: 0,
    });
    expect(sqs).not.toHaveReceivedCommand(DeleteMessageCommand);
  });

  it('extends the visibility of a notification while its object is processed', async () => {
    // Prepare
    s3.put(bucket, 'slow.txt', 'a\n');
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'n1', ReceiptHandle: 'rh-1', Body: record('slow.txt') }] })
      .resolves({ Messages: [] });
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    sqs.on(DeleteMessageCommand).resolves({});
    // Act
    using held = hold(
      s3Source(testConnection(), {
        bucket,
        discovery: 'notifications',
        notifications: { queueUrl, waitTimeSeconds: 0, visibilityTimeoutSeconds: 1 },
      }),
    );
    const [message] = await held.until(1);
    await tick(1_200);
    await message?.ack();
    // Assess
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, {
      ReceiptHandle: 'rh-1',
      VisibilityTimeout: 1,
    });
    expect(sqs).toHaveReceivedCommandWith(DeleteMessageCommand, { ReceiptHandle: 'rh-1' });
  });

  it('deletes notifications of objects it skips (already checkpointed, deleted, other buckets)', async () => {
    // Prepare
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          { MessageId: 'n1', ReceiptHandle: 'rh-gone', Body: record('gone.txt') },
          {
            MessageId: 'n2',
            ReceiptHandle: 'rh-other',
            Body: JSON.stringify({
              Records: [
                { eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'other' }, object: { key: 'x' } } },
              ],
            }),
          },
        ],
      })
      .resolves({ Messages: [] });
    sqs.on(DeleteMessageCommand).resolves({});
    const subscription = s3Source(testConnection(), {
      bucket,
      discovery: 'notifications',
      notifications: { queueUrl, waitTimeSeconds: 0 },
    }).subscribe();
    // Act
    await tick(200);
    subscription.unsubscribe();
    // Assess
    const deleted = sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle);
    expect(deleted.sort()).toEqual(['rh-gone', 'rh-other']);
  });
});
