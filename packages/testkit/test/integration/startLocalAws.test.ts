import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type LocalAws, startLocalAws } from '@tributary/testkit';
import { describe, expect, it, onTestFailed } from 'vitest';

function printLogsOnFailure(local: LocalAws): void {
  onTestFailed(() => {
    process.stderr.write(
      `backend ${local.backend}, endpoints ${JSON.stringify(local.endpoints)}\n${local.logTail()}\n`,
    );
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startLocalAws', () => {
  it('round-trips a message through an SQS queue', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['sqs'] });
    printLogsOnFailure(local);
    const queue = await local.createQueue();
    const sqs = local.connection().client(SQSClient);
    // Act
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'hello sqs' }));
    const messages = await local.drainQueue(queue.url, { expected: 1 });
    // Assess
    expect(queue.name).toMatch(/^tributary-queue-/);
    expect(queue.arn).toMatch(new RegExp(`^arn:aws:sqs:${local.region}:\\d{12}:${queue.name}$`));
    expect(messages.map((m) => m.Body)).toEqual(['hello sqs']);
    expect(await local.drainQueue(queue.url)).toEqual([]);
  });

  it('keeps FIFO order in a FIFO queue', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['sqs'] });
    printLogsOnFailure(local);
    const queue = await local.createQueue({ fifo: true, attributes: { ContentBasedDeduplication: 'true' } });
    const sqs = local.connection().client(SQSClient);
    // Act
    for (const body of ['1', '2', '3']) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body, MessageGroupId: 'g' }));
    }
    const messages = await local.drainQueue(queue.url, { expected: 3 });
    // Assess
    expect(queue.name).toMatch(/\.fifo$/);
    expect(messages.map((m) => m.Body)).toEqual(['1', '2', '3']);
  });

  it('puts and gets an S3 object with path-style addressing', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['s3'] });
    printLogsOnFailure(local);
    const bucket = await local.createBucket();
    const s3 = local.connection().client(S3Client);
    // Act
    await s3.send(new PutObjectCommand({ Bucket: bucket.name, Key: 'a/b.txt', Body: 'hello s3' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket.name, Key: 'a/b.txt' }));
    // Assess
    expect(await got.Body?.transformToString()).toBe('hello s3');
    if (local.endpoints.s3 !== undefined) expect(local.connectionConfig.forcePathStyle).toBe(true);
  });

  it('delivers an SNS publish to a subscribed queue, raw and enveloped', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['sns', 'sqs'] });
    printLogsOnFailure(local);
    const topic = await local.createTopic();
    const rawQueue = await local.createQueue();
    const envelopedQueue = await local.createQueue();
    await local.subscribeQueue(topic.arn, rawQueue, { raw: true });
    await local.subscribeQueue(topic.arn, envelopedQueue);
    // Act
    await local
      .connection()
      .client(SNSClient)
      .send(new PublishCommand({ TopicArn: topic.arn, Message: 'hello sns' }));
    const raw = await local.drainQueue(rawQueue.url, { expected: 1 });
    const enveloped = await local.drainQueue(envelopedQueue.url, { expected: 1 });
    // Assess
    expect(raw.map((m) => m.Body)).toEqual(['hello sns']);
    expect(enveloped).toHaveLength(1);
    expect(JSON.parse(enveloped[0]?.Body ?? '{}')).toMatchObject({
      TopicArn: topic.arn,
      Message: 'hello sns',
    });
  });

  it('puts and gets Kinesis records on an ACTIVE stream', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['kinesis'] });
    printLogsOnFailure(local);
    const stream = await local.createStream({ shards: 1 });
    const kinesis = local.connection().client(KinesisClient);
    // Act
    const put = await kinesis.send(
      new PutRecordCommand({
        StreamName: stream.name,
        PartitionKey: 'k',
        Data: new TextEncoder().encode('hello kinesis'),
      }),
    );
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: stream.name,
        ShardId: put.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    let iterator = ShardIterator;
    const data: string[] = [];
    for (let attempt = 0; attempt < 20 && data.length === 0 && iterator; attempt++) {
      const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      data.push(...(got.Records ?? []).map((r) => new TextDecoder().decode(r.Data)));
      iterator = got.NextShardIterator;
      if (data.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    // Assess
    expect(stream.arn).toContain(stream.name);
    expect(data).toEqual(['hello kinesis']);
  });

  it('routes EventBridge events to a queue through a rule', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['eventbridge', 'sqs'] });
    printLogsOnFailure(local);
    const bus = await local.createEventBus();
    const queue = await local.createQueue();
    await local.routeEventsToQueue(bus.name, queue, { source: ['tributary.test'] });
    const events = local.connection().client(EventBridgeClient);
    // Act
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: bus.name, Source: 'tributary.test', DetailType: 'hello', Detail: '{"n":1}' },
          { EventBusName: bus.name, Source: 'somebody.else', DetailType: 'hello', Detail: '{"n":2}' },
        ],
      }),
    );
    const messages = await local.drainQueue(queue.url, { expected: 1 });
    const extra = await local.drainQueue(queue.url);
    // Assess
    expect(put.FailedEntryCount ?? 0).toBe(0);
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]?.Body ?? '{}')).toMatchObject({
      source: 'tributary.test',
      detail: { n: 1 },
    });
    expect(extra).toEqual([]);
  });

  it('runs every service on one moto with backend "moto"', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['sqs', 'kinesis'], backend: 'moto' });
    printLogsOnFailure(local);
    const queue = await local.createQueue();
    // Act
    await local
      .connection()
      .client(SQSClient)
      .send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'm' }));
    const messages = await local.drainQueue(queue.url, { expected: 1 });
    // Assess
    expect(local.backend).toBe('moto');
    expect(new Set(Object.values(local.endpoints)).size).toBe(1);
    expect(Object.keys(local.endpoints).sort()).toEqual(['kinesis', 'sqs', 'sts']);
    expect(local.pids).toHaveLength(1);
    expect(messages.map((m) => m.Body)).toEqual(['m']);
  });

  it('leaves no emulator process behind after dispose', async (ctx) => {
    // Prepare
    const local = await startLocalAws({ services: ['sqs', 'kinesis', 'ssm'] });
    if (local.backend === 'external' || local.backend === 'localstack') {
      await local.dispose();
      ctx.skip(`the ${local.backend} backend starts no child processes`);
    }
    const pids = [...local.pids];
    expect(pids.length).toBeGreaterThan(0);
    expect(pids.every(isAlive)).toBe(true);
    // Act
    await local.dispose();
    await local.dispose();
    // Assess
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
