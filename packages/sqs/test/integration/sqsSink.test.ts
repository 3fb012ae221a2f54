import { randomBytes } from 'node:crypto';
import { GetQueueAttributesCommand, SQSClient, type Message as SqsMessage } from '@aws-sdk/client-sqs';
import { sqsSink } from '@tributary/sqs';
import type { LocalAws } from '@tributary/testkit';
import { startLocalAws } from '@tributary/testkit';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

/** Characters by UTF-8 width, all in the set SQS accepts (tab and line breaks included). */
const CHARS: readonly (readonly string[])[] = [
  ['a', 'Z', '7', ' ', '{', '"', '\t', '\n', '\r', '~'],
  ['é', 'ß', 'ü', 'Ω', 'ж'],
  ['€', '中', 'あ', '한', '\uFFFD'],
  ['😀', '𝄞', '🌍', '\u{10FFFF}'],
];
/**
 * SQS accepts #x10000..#x10FFFF (4-byte UTF-8), but the embedded emulator (fauxqs) refuses them with
 * InvalidMessageContents; against it the test uses 1- to 3-byte characters only. The unit tests size 4-byte
 * characters.
 */
let maxCharBytes = 4;

/** Fast non-cryptographic integer in [min, max). */
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
  bin: Buffer;
}

/**
 * SQS counts a Binary value by its bytes. The embedded emulator (fauxqs) counts the base64 text instead, so
 * against it the messages meant to sit exactly at the limit leave room for that (the sink itself counts bytes).
 */
let binaryBytes = (bin: Buffer): number => bin.length;
/** Against fauxqs the batch byte limit is lowered by that base64 overhead (at most 8 bytes × 10 entries). */
let maxBatchBytes: number | undefined;

/** Attribute bytes as SQS counts them: name + data type + value, UTF-8. */
function attributeBytes(sent: Omit<Sent, 'body'>): number {
  return (
    'seq'.length +
    'Number'.length +
    String(sent.seq).length +
    'tag'.length +
    'String'.length +
    Buffer.byteLength(sent.tag) +
    'bin'.length +
    'Binary'.length +
    binaryBytes(sent.bin)
  );
}

/**
 * Messages of random size and content. The size distribution is mostly small on purpose: 10,000 messages
 * of up to 1 MiB each would be ~5 GB. ~97 % are 1 B..1 KiB, ~2.5 % 1..64 KiB, and 0.5 % lie within 4 KiB of
 * the limit, one of them exactly at it (body + attributes = limit).
 */
function makeMessages(count: number, limit: number): Sent[] {
  const out: Sent[] = [];
  for (let seq = 0; seq < count; seq += 1) {
    const meta = { seq, tag: randomText(randomBelow(24, 1)), bin: randomBytes(randomBelow(17, 1)) };
    const room = limit - attributeBytes(meta);
    const roll = randomBelow(1000);
    let size: number;
    if (seq === 7) size = room;
    else if (roll < 5) size = room - randomBelow(4096);
    else if (roll < 30) size = randomBelow(65_537, 1024);
    else size = randomBelow(1025, 1);
    out.push({ ...meta, body: randomText(size) });
  }
  return out;
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
    if (a.bin?.DataType !== 'Binary' || !Buffer.from(a.bin.BinaryValue ?? []).equals(s.bin)) {
      problems.push(`seq ${s.seq}: bin differs`);
    }
    if (Object.keys(a).length !== 3) problems.push(`seq ${s.seq}: ${Object.keys(a).length} attributes`);
  }
  expect(problems.slice(0, 20)).toEqual([]);
  expect(received).toHaveLength(sent.length);
}

let local: LocalAws;
beforeAll(async () => {
  local = await startLocalAws({ services: ['sqs'] });
  if (local.backend === 'embedded') {
    maxCharBytes = 3;
    binaryBytes = (bin) => Math.ceil(bin.length / 3) * 4;
    maxBatchBytes = 1_048_576 - 80;
  }
});
afterAll(async () => {
  await local?.dispose();
});

/** The queue's MaximumMessageSize as the plain SDK reads it: the limit the test's largest messages use. */
async function maximumMessageSize(queueUrl: string): Promise<number> {
  const response = await local
    .connection()
    .client(SQSClient)
    .send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['MaximumMessageSize'] }));
  return Number(response.Attributes?.MaximumMessageSize);
}

describe('sqsSink', () => {
  it('delivers every message exactly once with identical body and attributes', async () => {
    onTestFailed(() => console.log(local.logTail('sqs')));
    // Prepare
    const count = local.backend === 'moto' ? 200 : 10_000;
    const queue = await local.createQueue();
    const limit = await maximumMessageSize(queue.url);
    const messages = makeMessages(count, limit);
    const sink = sqsSink(local.connection(), { queueUrl: queue.url, maxConcurrency: 8, maxBatchBytes });
    // Act
    const receipts = await Promise.all(
      messages.map((m) => sink.write({ body: m.body, attributes: { seq: m.seq, tag: m.tag, bin: m.bin } })),
    );
    await sink.close();
    const received = await local.drainQueue(queue.url, { expected: count, timeoutMs: 120_000 });
    received.push(...(await local.drainQueue(queue.url)));
    // Assess
    expect(new Set(receipts.map((r) => r.id)).size).toBe(count);
    expect(sink.stats()).toMatchObject({ written: count, rejected: 0 });
    expectExactlyOnce(messages, received);
  });

  it('keeps the order per message group on a FIFO queue in ordered mode', async () => {
    onTestFailed(() => console.log(local.logTail('sqs')));
    // Prepare: fewer messages than above, to keep the suite's time in bounds; the order check is per group.
    const count = local.backend === 'moto' ? 200 : 3_000;
    const queue = await local.createQueue({ fifo: true });
    const limit = await maximumMessageSize(queue.url);
    const messages = makeMessages(count, limit);
    const groups = 7;
    const sink = sqsSink(local.connection(), {
      queueName: queue.name,
      messageGroupId: (m) => `g${Number(m.attributes?.seq) % groups}`,
      deduplicationId: 'unique',
      ordered: true,
      maxConcurrency: 8,
      maxBatchBytes,
    });
    // Act
    const receipts = await Promise.all(
      messages.map((m) => sink.write({ body: m.body, attributes: { seq: m.seq, tag: m.tag, bin: m.bin } })),
    );
    await sink.close();
    const received = await local.drainQueue(queue.url, { expected: count, timeoutMs: 120_000 });
    received.push(...(await local.drainQueue(queue.url)));
    // Assess
    expect(receipts.every((r) => typeof r.details?.SequenceNumber === 'string')).toBe(true);
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

  it("honours the queue's MaximumMessageSize and rejects only the larger message", async () => {
    // Prepare
    const queue = await local.createQueue({ attributes: { MaximumMessageSize: '1024' } });
    const sink = sqsSink(local.connection(), { queueUrl: queue.url, lingerMs: 0 });
    const fits = randomText(1024 - ('k'.length + 'String'.length + 1));
    // Act
    const results = await Promise.allSettled([
      sink.write({ body: fits, attributes: { k: 'v' } }),
      sink.write({ body: randomText(1025) }),
    ]);
    await sink.close();
    const received = await local.drainQueue(queue.url, { expected: 1 });
    // Assess
    expect(results[0]).toMatchObject({ status: 'fulfilled' });
    expect(results[1]).toMatchObject({
      status: 'rejected',
      reason: { code: 'WRITE_REJECTED', details: { reason: 'ENTRY_TOO_LARGE' } },
    });
    expect(received.map((m) => m.Body)).toEqual([fits]);
  });

  it('fails every write with RESOURCE_NOT_FOUND when the queue name does not resolve', async () => {
    // Prepare
    const sink = sqsSink(local.connection(), { queueName: 'tributary-no-such-queue', lingerMs: 0 });
    // Act
    const write = sink.write({ body: 'x' });
    // Assess
    await expect(write).rejects.toMatchObject({
      code: 'RESOURCE_NOT_FOUND',
      details: { operation: 'GetQueueUrl' },
    });
    await sink.close();
  });
});
