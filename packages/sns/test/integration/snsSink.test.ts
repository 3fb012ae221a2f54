// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${msg:path} runtime templates are what these tests pass
import { randomBytes } from 'node:crypto';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Message as SqsMessage } from '@aws-sdk/client-sqs';
import { snsSink } from '@tributary/sns';
import type { LocalAws } from '@tributary/testkit';
import { startLocalAws } from '@tributary/testkit';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

/** Characters by UTF-8 width, all valid in SNS and in the SQS queue the topic delivers to. */
const CHARS: readonly (readonly string[])[] = [
  ['a', 'Z', '7', ' ', '{', '"', '\t', '\n', '\r', '~'],
  ['é', 'ß', 'ü', 'Ω', 'ж'],
  ['€', '中', 'あ', '한', '\uFFFD'],
  ['😀', '𝄞', '🌍', '\u{10FFFF}'],
];
/**
 * SNS and SQS accept 4-byte UTF-8 characters, but the embedded emulator's SQS (fauxqs) refuses them; against
 * it the test uses 1- to 3-byte characters only. The unit tests size 4-byte characters.
 */
let maxCharBytes = 4;
/**
 * SNS counts a Binary attribute by its bytes; the embedded emulator counts its base64 text, so against it the
 * messages meant to sit exactly at the limit leave room for that (the sink itself counts bytes).
 */
let binaryBytes = (bin: Buffer): number => bin.length;
/**
 * moto 5 fails ReceiveMessage with a 500 on a Binary attribute that came through SNS (it hashes the value
 * as text): against moto the messages carry no Binary attribute.
 */
let withBinary = true;

function randomBelow(max: number, min = 0): number {
  return min + Math.floor(Math.random() * (max - min));
}

/** A random string of exactly `bytes` UTF-8 bytes with characters of every width. */
function randomText(bytes: number): string {
  const parts: string[] = [];
  let left = bytes;
  while (left > 0) {
    const width = randomBelow(Math.min(maxCharBytes, left) + 1, 1);
    const pool = CHARS[width - 1] as readonly string[];
    parts.push(pool[randomBelow(pool.length)] as string);
    left -= width;
  }
  return parts.join('');
}

interface Sent {
  seq: number;
  body: string;
  tag: string;
  bin: Buffer | undefined;
}

/** Attribute bytes as SNS counts them: name + data type + value, UTF-8. */
function attributeBytes(sent: Omit<Sent, 'body'>): number {
  return (
    'seq'.length +
    'Number'.length +
    String(sent.seq).length +
    'tag'.length +
    'String'.length +
    Buffer.byteLength(sent.tag) +
    (sent.bin === undefined ? 0 : 'bin'.length + 'Binary'.length + binaryBytes(sent.bin))
  );
}

/**
 * Messages of random size and content, mostly small on purpose (10,000 near the limit would be ~2.5 GB):
 * ~97 % are 1 B..1 KiB, ~2.5 % 1..32 KiB, 0.5 % within 4 KiB of the limit, one exactly at it.
 */
function makeMessages(count: number, limit: number): Sent[] {
  const out: Sent[] = [];
  for (let seq = 0; seq < count; seq += 1) {
    const bin = withBinary ? randomBytes(randomBelow(17, 1)) : undefined;
    const meta = { seq, tag: randomText(randomBelow(24, 1)), bin };
    const room = limit - attributeBytes(meta);
    const roll = randomBelow(1000);
    let size: number;
    if (seq === 7) size = room;
    else if (roll < 5) size = room - randomBelow(4096);
    else if (roll < 30) size = randomBelow(32_769, 1024);
    else size = randomBelow(1025, 1);
    out.push({ ...meta, body: randomText(size) });
  }
  return out;
}

function attributesOf(m: Sent): Record<string, string | number | Uint8Array> {
  return m.bin === undefined ? { seq: m.seq, tag: m.tag } : { seq: m.seq, tag: m.tag, bin: m.bin };
}

/** Checks each sent message arrived exactly once with identical body and attributes. */
function expectExactlyOnce(sent: readonly Sent[], received: readonly SqsMessage[]): void {
  const bySeq = new Map<number, SqsMessage[]>();
  for (const message of received) {
    const seq = Number(message.MessageAttributes?.seq?.StringValue);
    bySeq.set(seq, [...(bySeq.get(seq) ?? []), message]);
  }
  const problems: string[] = [];
  for (const s of sent) {
    const copies = bySeq.get(s.seq) ?? [];
    if (copies.length !== 1) {
      problems.push(`seq ${s.seq}: ${copies.length} copies`);
      continue;
    }
    const [m] = copies as [SqsMessage];
    if (m.Body !== s.body) problems.push(`seq ${s.seq}: body differs`);
    const a = m.MessageAttributes ?? {};
    if (a.tag?.DataType !== 'String' || a.tag.StringValue !== s.tag)
      problems.push(`seq ${s.seq}: tag differs`);
    if (a.seq?.DataType !== 'Number') problems.push(`seq ${s.seq}: seq type differs`);
    if (
      s.bin !== undefined &&
      (a.bin?.DataType !== 'Binary' || !Buffer.from(a.bin.BinaryValue ?? []).equals(s.bin))
    ) {
      problems.push(`seq ${s.seq}: bin differs`);
    }
    const expectedCount = s.bin === undefined ? 2 : 3;
    if (Object.keys(a).length !== expectedCount)
      problems.push(`seq ${s.seq}: ${Object.keys(a).length} attributes`);
  }
  expect(problems.slice(0, 20)).toEqual([]);
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
      messages.map((m) => sink.write({ body: m.body, attributes: attributesOf(m) })),
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
    await Promise.all(messages.map((m) => sink.write({ body: m.body, attributes: attributesOf(m) })));
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
