import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startLocalAws } from '@tributary/testkit';
import { describe, expect, it } from 'vitest';
import { bodyId, readQueueIds, readStreamIds } from './shared/readBack.ts';
import { runExample } from './shared/runExample.ts';

async function sendJson(sqs: SQSClient, queueUrl: string, bodies: object[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const entries = bodies
      .slice(i, i + 10)
      .map((b, j) => ({ Id: String(j), MessageBody: JSON.stringify(b) }));
    const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    expect(out.Failed ?? []).toEqual([]);
  }
}

describe('JSON examples', () => {
  it('s3-to-sqs: every NDJSON line arrives in the queue', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['s3', 'sqs'] });
    const n = local.backend === 'moto' ? 60 : 600;
    const bucket = await local.createBucket();
    const queue = await local.createQueue();
    const s3 = local.connection().client(S3Client);
    for (let o = 0; o < 3; o++) {
      const lines = Array.from({ length: n / 3 }, (_, i) => JSON.stringify({ id: `o${o}-${i}`, n: i }));
      await s3.send(
        new PutObjectCommand({ Bucket: bucket.name, Key: `in/${o}.ndjson`, Body: lines.join('\n') }),
      );
    }
    // Act
    const result = await runExample('s3-to-sqs', local, { BUCKET: bucket.name, QUEUE_URL: queue.url });
    // Assess
    expect(result.workflows[0]).toMatchObject({ received: n, acked: n, nacked: 0 });
    const ids = await readQueueIds(local.connection(), queue.url, bodyId, { expected: n });
    expect(ids.size).toBe(n);
  });

  it('sqs-to-kinesis: every message becomes a record, source messages deleted after their receipts', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['sqs', 'kinesis'] });
    const n = local.backend === 'moto' ? 40 : 300;
    const queue = await local.createQueue();
    const stream = await local.createStream({ shards: 2 });
    const aws = local.connection();
    await sendJson(
      aws.client(SQSClient),
      queue.url,
      Array.from({ length: n }, (_, i) => ({ id: `m${i}`, userId: `u${i % 7}` })),
    );
    // Act
    const result = await runExample(
      'sqs-to-kinesis',
      local,
      { QUEUE_URL: queue.url, STREAM: stream.name },
      { stopAfterDecided: n },
    );
    // Assess: a standard queue delivers at least once, so a message may come (and be acked) twice; every
    // message must become a record and leave the queue, none may be nacked.
    expect(result.workflows[0]).toMatchObject({ nacked: 0 });
    expect(result.workflows[0]?.acked).toBeGreaterThanOrEqual(n);
    expect((await readStreamIds(aws, stream.name, bodyId, { expected: n })).size).toBe(n);
    expect(await local.drainQueue(queue.url, { timeoutMs: 2000 })).toEqual([]);
  });

  it('sqs-to-eventbridge: routing rules send big/vip orders to EventBridge, others to review, test orders discarded', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['sqs', 'eventbridge'] });
    const n = local.backend === 'moto' ? 30 : 60;
    const [queue, review, eventsQueue, bus] = await Promise.all([
      local.createQueue(),
      local.createQueue(),
      local.createQueue(),
      local.createEventBus(),
    ]);
    await local.routeEventsToQueue(bus.name, eventsQueue, { source: ['shop.orders'] });
    const orders = Array.from({ length: n }, (_, i) => ({
      id: `o${i}`,
      total: i % 3 === 0 ? 5000 : 10,
      flags: i % 5 === 0 ? ['vip'] : [],
      test: i % 10 === 9,
    }));
    const big = orders
      .filter((o) => !o.test && (o.total >= 1000 || o.flags.includes('vip')))
      .map((o) => o.id);
    const rest = orders.filter((o) => !o.test && !big.includes(o.id)).map((o) => o.id);
    await sendJson(local.connection().client(SQSClient), queue.url, orders);
    // Act
    const result = await runExample(
      'sqs-to-eventbridge',
      local,
      { QUEUE_URL: queue.url, BUS: bus.name, REJECTS_URL: review.url },
      { stopAfterDecided: n },
    );
    // Assess (at least once: a message may come twice, see sqs-to-kinesis)
    const workflow = result.workflows[0];
    expect(workflow).toMatchObject({ nacked: 0 });
    expect(workflow?.acked).toBeGreaterThanOrEqual(n);
    expect(workflow?.discarded).toBeGreaterThanOrEqual(orders.filter((o) => o.test).length);
    const aws = local.connection();
    const events = await readQueueIds(aws, eventsQueue.url, bodyId, { expected: big.length });
    const reviewed = await readQueueIds(aws, review.url, bodyId, { expected: rest.length });
    expect([...events].sort()).toEqual([...big].sort());
    expect([...reviewed].sort()).toEqual([...rest].sort());
  });

  it('s3-to-s3: lines are re-partitioned into objects per country and day, nothing lost', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['s3'] });
    const n = 300;
    const [raw, curated] = await Promise.all([local.createBucket(), local.createBucket()]);
    const s3 = local.connection().client(S3Client);
    const lines = Array.from({ length: n }, (_, i) =>
      JSON.stringify({ id: `r${i}`, country: ['DE', 'FR', 'US'][i % 3], day: `2025-01-0${1 + (i % 2)}` }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: raw.name, Key: 'raw/a.ndjson', Body: lines.slice(0, 150).join('\n') }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: raw.name, Key: 'raw/b.ndjson', Body: lines.slice(150).join('\n') }),
    );
    // Act
    const result = await runExample('s3-to-s3', local, { BUCKET: raw.name, OUT_BUCKET: curated.name });
    // Assess
    expect(result.workflows[0]).toMatchObject({ received: n, acked: n });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: curated.name }));
    const keys = (listed.Contents ?? []).map((o) => o.Key as string);
    expect(new Set(keys.map((k) => k.split('/').slice(0, 2).join('/')))).toEqual(
      new Set(
        ['country=DE', 'country=FR', 'country=US'].flatMap((c) => [
          `${c}/day=2025-01-01`,
          `${c}/day=2025-01-02`,
        ]),
      ),
    );
    const seen = new Set<string>();
    for (const key of keys) {
      const object = await s3.send(new GetObjectCommand({ Bucket: curated.name, Key: key }));
      for (const line of (await object.Body?.transformToString())?.split('\n') ?? []) {
        if (line.trim() === '') continue;
        const record = JSON.parse(line) as { id: string; country: string };
        expect(key).toContain(`country=${record.country}/`);
        seen.add(record.id);
      }
    }
    expect(seen.size).toBe(n);
  });
});
