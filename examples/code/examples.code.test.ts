import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AwsConnection } from '@tributary/connection';
import { type LocalAws, startLocalAws } from '@tributary/testkit';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { bodyId, readQueueIds, readStreamIds } from '../shared/readBack.ts';
import * as eventBridgeSinkExample from './eventbridge-sink.ts';
import * as kinesisSinkExample from './kinesis-sink.ts';
import { putNdjson, sampleOrders, sendOrders } from './local.ts';
import * as s3SinkExample from './s3-sink.ts';
import * as s3SourceExample from './s3-source.ts';
import * as snsSinkExample from './sns-sink.ts';
import * as sqsSinkExample from './sqs-sink.ts';
import * as sqsSourceExample from './sqs-source.ts';

/** moto serves SQS at ~90 messages/s: smaller volumes there. */
const volume = (local: LocalAws, embedded: number, moto: number): number =>
  local.backend === 'moto' ? moto : embedded;

const ids = (orders: readonly { id: string }[]): string[] => orders.map((o) => o.id).sort();

async function keysUnder(aws: AwsConnection, bucket: string, prefix: string): Promise<string[]> {
  const listed = await aws
    .client(S3Client)
    .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key as string).sort();
}

/** Messages still on a queue (visible now), read without deleting them. */
async function visibleMessages(aws: AwsConnection, queueUrl: string): Promise<number> {
  const received = await aws
    .client(SQSClient)
    .send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (received.Messages ?? []).length;
}

/** Prints the emulators' log tail if the running test fails. */
function printLogsOnFailure(local: LocalAws): LocalAws {
  onTestFailed(() => console.log(local.logTail()));
  return local;
}

// One local AWS for the examples on S3, SQS, SNS and Kinesis (each test makes its own resources); the
// EventBridge example gets its own, since EventBridge moves SQS onto moto to deliver to queues.
describe('code examples', () => {
  let shared: LocalAws | undefined;
  beforeAll(async () => {
    shared = await startLocalAws({ services: ['s3', 'sqs', 'sns', 'kinesis'] });
  });
  afterAll(async () => {
    await shared?.dispose();
  });
  const sharedAws = (): LocalAws => printLogsOnFailure(shared as LocalAws);

  it('sqs-source: every order acked once handled, failed first deliveries nacked and redelivered', async () => {
    // Prepare
    const local = sharedAws();
    const aws = local.connection();
    const queue = await local.createQueue();
    const orders = sampleOrders(volume(local, 100, 30), 'order');
    const failingOnce = orders.filter((_, i) => i % 10 === 0).length;
    await sendOrders(aws, queue.url, orders);
    // Act
    const result = await sqsSourceExample.main(aws, { queueUrl: queue.url, expected: orders.length });
    // Assess
    expect(result).toEqual({
      received: orders.length + failingOnce,
      acked: orders.length,
      nacked: failingOnce,
    });
    expect(await local.drainQueue(queue.url, { timeoutMs: 3000 })).toEqual([]);
  });

  it('sqs-sink: direct writes and the intake pipeline all arrive, intake messages deleted', async () => {
    // Prepare
    const local = sharedAws();
    const aws = local.connection();
    const [queue, intake] = await Promise.all([local.createQueue(), local.createQueue()]);
    const intakeOrders = sampleOrders(volume(local, 60, 20), 'intake');
    await sendOrders(aws, intake.url, intakeOrders);
    // Act
    const result = await sqsSinkExample.main(aws, {
      queueUrl: queue.url,
      intakeQueueUrl: intake.url,
      intakeCount: intakeOrders.length,
    });
    // Assess
    const expected = ids([...sqsSinkExample.DIRECT_ORDERS, ...intakeOrders]);
    expect(result).toEqual({
      written: sqsSinkExample.DIRECT_ORDERS.length,
      rejected: 0,
      piped: intakeOrders.length,
    });
    const arrived = await readQueueIds(aws, queue.url, bodyId, { expected: expected.length });
    expect([...arrived].sort()).toEqual(expected);
    expect(await visibleMessages(aws, intake.url)).toBe(0);
  });

  it('sns-sink: direct writes and the intake pipeline reach the subscribed queue', async () => {
    // Prepare
    const local = sharedAws();
    const aws = local.connection();
    const [topic, subscriber, intake] = await Promise.all([
      local.createTopic(),
      local.createQueue(),
      local.createQueue(),
    ]);
    await local.subscribeQueue(topic.arn, subscriber, { raw: true });
    const intakeOrders = sampleOrders(volume(local, 60, 20), 'intake');
    await sendOrders(aws, intake.url, intakeOrders);
    // Act
    const result = await snsSinkExample.main(aws, {
      topicArn: topic.arn,
      intakeQueueUrl: intake.url,
      intakeCount: intakeOrders.length,
    });
    // Assess
    const expected = ids([...snsSinkExample.DIRECT_ORDERS, ...intakeOrders]);
    expect(result).toEqual({
      written: snsSinkExample.DIRECT_ORDERS.length,
      rejected: 0,
      piped: intakeOrders.length,
    });
    const arrived = await readQueueIds(aws, subscriber.url, bodyId, { expected: expected.length });
    expect([...arrived].sort()).toEqual(expected);
    expect(await visibleMessages(aws, intake.url)).toBe(0);
  });

  it('kinesis-sink: direct writes and the intake pipeline are records in the stream', async () => {
    // Prepare
    const local = sharedAws();
    const aws = local.connection();
    const [stream, intake] = await Promise.all([local.createStream({ shards: 2 }), local.createQueue()]);
    const intakeOrders = sampleOrders(volume(local, 60, 20), 'intake');
    await sendOrders(aws, intake.url, intakeOrders);
    // Act
    const result = await kinesisSinkExample.main(aws, {
      streamName: stream.name,
      intakeQueueUrl: intake.url,
      intakeCount: intakeOrders.length,
    });
    // Assess
    const expected = ids([...kinesisSinkExample.DIRECT_ORDERS, ...intakeOrders]);
    expect(result).toEqual({
      written: kinesisSinkExample.DIRECT_ORDERS.length,
      rejected: 0,
      shards: 2, // seven users' partition keys hash onto both shards
      piped: intakeOrders.length,
    });
    const stored = await readStreamIds(aws, stream.name, bodyId, { expected: expected.length });
    expect([...stored].sort()).toEqual(expected);
    expect(await visibleMessages(aws, intake.url)).toBe(0);
  });

  it('eventbridge-sink: direct writes and the intake pipeline are events routed to a queue', async () => {
    // Prepare
    await using local = printLogsOnFailure(await startLocalAws({ services: ['eventbridge', 'sqs'] }));
    const aws = local.connection();
    const [bus, routed, intake] = await Promise.all([
      local.createEventBus(),
      local.createQueue(),
      local.createQueue(),
    ]);
    await local.routeEventsToQueue(bus.name, routed, { source: [eventBridgeSinkExample.EVENT_SOURCE] });
    const intakeOrders = sampleOrders(15, 'intake');
    await sendOrders(aws, intake.url, intakeOrders);
    // Act
    const result = await eventBridgeSinkExample.main(aws, {
      eventBusName: bus.name,
      intakeQueueUrl: intake.url,
      intakeCount: intakeOrders.length,
    });
    // Assess
    const expected = ids([...eventBridgeSinkExample.DIRECT_ORDERS, ...intakeOrders]);
    expect(result).toEqual({
      written: eventBridgeSinkExample.DIRECT_ORDERS.length,
      rejected: 0,
      piped: intakeOrders.length,
    });
    const arrived = await readQueueIds(aws, routed.url, bodyId, { expected: expected.length });
    expect([...arrived].sort()).toEqual(expected);
    expect(await visibleMessages(aws, intake.url)).toBe(0);
  });

  it('s3-source: objects whose lines were all acked move to done/, one with a nacked line to failed/', async () => {
    // Prepare
    const local = sharedAws();
    const aws = local.connection();
    const { name: bucket } = await local.createBucket();
    const lines = volume(local, 100, 40);
    await putNdjson(aws, bucket, 'in/monday.ndjson', sampleOrders(lines, 'mon'));
    await putNdjson(aws, bucket, 'in/tuesday.ndjson', sampleOrders(lines, 'tue'));
    await putNdjson(aws, bucket, 'in/mixed.ndjson', [
      ...sampleOrders(5, 'ok'),
      { id: 'bad-1', userId: 'user-1', amount: -5 },
    ]);
    await aws
      .client(S3Client)
      .send(new PutObjectCommand({ Bucket: bucket, Key: 'in/notes.txt', Body: 'skip me' }));
    // Act
    const result = await s3SourceExample.main(aws, { bucket });
    // Assess
    expect(result).toEqual({ lines: 2 * lines + 6, acked: 2 * lines + 5, nacked: 1, objects: 3 });
    expect(await keysUnder(aws, bucket, 'done/')).toEqual(['done/monday.ndjson', 'done/tuesday.ndjson']);
    expect(await keysUnder(aws, bucket, 'failed/')).toEqual(['failed/mixed.ndjson']);
    expect(await keysUnder(aws, bucket, 'in/')).toEqual(['in/notes.txt']); // not *.ndjson: left alone
  });

  it('s3-sink: direct writes and the intake pipeline are in rolling gzip NDJSON objects', async () => {
    // Prepare
    const local = sharedAws();
    const aws = local.connection();
    const [{ name: bucket }, intake] = await Promise.all([local.createBucket(), local.createQueue()]);
    const intakeOrders = sampleOrders(volume(local, 60, 20), 'intake');
    await sendOrders(aws, intake.url, intakeOrders);
    // Act
    const result = await s3SinkExample.main(aws, {
      bucket,
      intakeQueueUrl: intake.url,
      intakeCount: intakeOrders.length,
    });
    // Assess
    const { DIRECT_ORDERS, RECORDS_PER_OBJECT } = s3SinkExample;
    expect(result).toMatchObject({ written: DIRECT_ORDERS.length, rejected: 0, piped: intakeOrders.length });
    const keys = await keysUnder(aws, bucket, 'orders/');
    expect(keys).toEqual(result.objects);
    const minimumObjects =
      Math.ceil(DIRECT_ORDERS.length / RECORDS_PER_OBJECT) +
      Math.ceil(intakeOrders.length / RECORDS_PER_OBJECT);
    expect(keys.length).toBeGreaterThanOrEqual(minimumObjects);
    const stored: string[] = [];
    for (const key of keys) {
      expect(key).toMatch(/^orders\/\d{4}\/\d{2}\/\d{2}\/part-\d+\.ndjson\.gz$/);
      const object = await aws.client(S3Client).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const gzipped = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      expect(gzipped.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip magic
      const records = gunzipSync(gzipped).toString('utf8').trimEnd().split('\n');
      expect(records.length).toBeLessThanOrEqual(RECORDS_PER_OBJECT);
      stored.push(...records.map((line) => (JSON.parse(line) as { id: string }).id));
    }
    expect(stored.sort()).toEqual(ids([...DIRECT_ORDERS, ...intakeOrders]));
    expect(await visibleMessages(aws, intake.url)).toBe(0);
  });
});
