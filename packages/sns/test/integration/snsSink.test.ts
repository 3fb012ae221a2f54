// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${msg:path} runtime templates are what these tests pass
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Message as SqsMessage } from '@aws-sdk/client-sqs';
import { snsSink } from '@tributary/sns';
import type { LocalAws, RandomMessage } from '@tributary/testkit';
import { deliveryProblems, messageAttributes, randomMessages, startLocalAws } from '@tributary/testkit';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

/**
 * SNS and SQS accept 4-byte UTF-8 characters, but the embedded emulator's SQS (fauxqs) refuses them; against
 * it the test uses 1- to 3-byte characters only. The unit tests size 4-byte characters.
 */
let maxCharBytes = 4;
/**
 * SNS counts a Binary attribute by its bytes; the embedded emulator counts its base64 text, so against it the
 * messages meant to sit exactly at the limit leave room for that (the sink itself counts bytes).
 */
let binaryBytes = (bin: Uint8Array): number => bin.length;
/**
 * moto 5 fails ReceiveMessage with a 500 on a Binary attribute that came through SNS (it hashes the value
 * as text): against moto the messages carry no Binary attribute.
 */
let withBinary = true;

/** Random messages up to `limit` with this backend's character widths and Binary attribute handling. */
function makeMessages(count: number, limit: number): RandomMessage[] {
  return randomMessages(count, {
    limit,
    mediumMaxBytes: 32 * 1024,
    binary: withBinary,
    binaryBytes,
    maxCharBytes,
  });
}

/** Checks each sent message arrived exactly once with identical body and attributes. */
function expectExactlyOnce(sent: readonly RandomMessage[], received: readonly SqsMessage[]): void {
  expect(deliveryProblems(sent, received).slice(0, 20)).toEqual([]);
  expect(received).toHaveLength(sent.length);
}

let local: LocalAws;
beforeAll(async () => {
  local = await startLocalAws({ services: ['sns', 'sqs'] });
  if (local.backend === 'moto') withBinary = false;
  if (local.backend === 'embedded') {
    maxCharBytes = 3;
    binaryBytes = (bin) => Math.ceil(bin.length / 3) * 4;
  }
});
afterAll(async () => {
  await local?.dispose();
});

/** The topic's MaximumMessageSize as the plain SDK reads it, or the SNS default of 256 KiB. */
async function maximumMessageSize(topicArn: string): Promise<number> {
  const response = await local
    .connection()
    .client(SNSClient)
    .send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
  const value = Number(response.Attributes?.MaximumMessageSize);
  return Number.isInteger(value) && value > 0 ? value : 262_144;
}

describe('snsSink', () => {
  it('delivers every message exactly once with identical body and attributes through raw delivery', async () => {
    onTestFailed(() => console.log(local.logTail()));
    // Prepare
    const count = local.backend === 'moto' ? 200 : 10_000;
    const topic = await local.createTopic();
    const queue = await local.createQueue();
    await local.subscribeQueue(topic.arn, queue, { raw: true });
    const messages = makeMessages(count, await maximumMessageSize(topic.arn));
    const sink = snsSink(local.connection(), { topicArn: topic.arn, maxConcurrency: 8 });
    // Act
    const receipts = await Promise.all(
      messages.map((m) => sink.write({ body: m.body, attributes: messageAttributes(m) })),
    );
    await sink.close();
    const received = await local.drainQueue(queue.url, { expected: count, timeoutMs: 120_000 });
    received.push(...(await local.drainQueue(queue.url)));
    // Assess
    expect(new Set(receipts.map((r) => r.id)).size).toBe(count);
    expect(sink.stats()).toMatchObject({ written: count, rejected: 0 });
    expectExactlyOnce(messages, received);
  });

  it('keeps the order per message group from a FIFO topic in ordered mode', async () => {
    onTestFailed(() => console.log(local.logTail()));
    // Prepare: fewer messages than above, to keep the suite's time in bounds; the order check is per group.
    const count = local.backend === 'moto' ? 200 : 3_000;
    const groups = 5;
    const topic = await local.createTopic({ fifo: true });
    const queue = await local.createQueue({ fifo: true });
    await local.subscribeQueue(topic.arn, queue, { raw: true });
    const messages = makeMessages(count, await maximumMessageSize(topic.arn));
    const sink = snsSink(local.connection(), {
      topicArn: topic.arn,
      messageGroupId: (m) => `g${Number(m.attributes?.seq) % groups}`,
      deduplicationId: 'unique',
      ordered: true,
      maxConcurrency: 8,
    });
    // Act
    await Promise.all(messages.map((m) => sink.write({ body: m.body, attributes: messageAttributes(m) })));
    await sink.close();
    const received = await local.drainQueue(queue.url, { expected: count, timeoutMs: 120_000 });
    received.push(...(await local.drainQueue(queue.url)));
    // Assess
    expectExactlyOnce(messages, received);
    const lastSeqByGroup = new Map<string, number>();
    const outOfOrder: string[] = [];
    for (const m of received) {
      const seq = Number(m.MessageAttributes?.seq?.StringValue);
      const group = m.Attributes?.MessageGroupId ?? '';
      if ((lastSeqByGroup.get(group) ?? -1) > seq) outOfOrder.push(`${group}: ${seq}`);
      lastSeqByGroup.set(group, seq);
    }
    expect(lastSeqByGroup.size).toBe(groups);
    expect(outOfOrder).toEqual([]);
  });

  it('publishes the subject from a template into the SNS envelope', async () => {
    // Prepare
    const topic = await local.createTopic();
    const queue = await local.createQueue();
    await local.subscribeQueue(topic.arn, queue, { raw: false });
    const sink = snsSink<{ id: string }>(local.connection(), {
      topicArn: topic.arn,
      subject: 'Order ${msg:id}',
      lingerMs: 0,
    });
    // Act
    const receipt = await sink.write({ body: { id: 'o-1' } });
    await sink.close();
    const [envelope] = await local.drainQueue(queue.url, { expected: 1 });
    // Assess
    expect(JSON.parse(envelope?.Body ?? '{}')).toMatchObject({
      Type: 'Notification',
      MessageId: receipt.id,
      Subject: 'Order o-1',
      Message: '{"id":"o-1"}',
      TopicArn: topic.arn,
    });
  });

  it('fails every write with RESOURCE_NOT_FOUND when the topic does not exist', async () => {
    // Prepare
    const topic = await local.createTopic();
    const sink = snsSink(local.connection(), { topicArn: `${topic.arn}-missing`, lingerMs: 0 });
    // Act
    const write = sink.write({ body: 'x' });
    // Assess
    await expect(write).rejects.toMatchObject({
      code: 'RESOURCE_NOT_FOUND',
      details: { operation: 'GetTopicAttributes' },
    });
    await sink.close();
  });
});
