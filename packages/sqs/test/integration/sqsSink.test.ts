import { GetQueueAttributesCommand, SQSClient, type Message as SqsMessage } from '@aws-sdk/client-sqs';
import { sqsSink } from '@tributary/sqs';
import type { LocalAws, RandomMessage } from '@tributary/testkit';
import {
  deliveryProblems,
  messageAttributes,
  randomMessages,
  randomText,
  startLocalAws,
} from '@tributary/testkit';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

/**
 * SQS accepts #x10000..#x10FFFF (4-byte UTF-8), but the embedded emulator (fauxqs) refuses them with
 * InvalidMessageContents; against it the test uses 1- to 3-byte characters only. The unit tests size 4-byte
 * characters.
 */
let maxCharBytes = 4;

/**
 * SQS counts a Binary value by its bytes. The embedded emulator (fauxqs) counts the base64 text instead, so
 * against it the messages meant to sit exactly at the limit leave room for that (the sink itself counts bytes).
 */
let binaryBytes = (bin: Uint8Array): number => bin.length;
/** Against fauxqs the batch byte limit is lowered by that base64 overhead (at most 8 bytes × 10 entries). */
let maxBatchBytes: number | undefined;

/** Random messages up to `limit` with this backend's character widths and Binary attribute counting. */
function makeMessages(count: number, limit: number): RandomMessage[] {
  return randomMessages(count, { limit, mediumMaxBytes: 64 * 1024, binaryBytes, maxCharBytes });
}

/** Checks each sent message arrived exactly once with identical body and attributes. */
function expectExactlyOnce(sent: readonly RandomMessage[], received: readonly SqsMessage[]): void {
  expect(deliveryProblems(sent, received).slice(0, 20)).toEqual([]);
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
      messages.map((m) => sink.write({ body: m.body, attributes: messageAttributes(m) })),
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
    const fits = randomText(1024 - ('k'.length + 'String'.length + 1), { maxCharBytes });
    // Act
    const results = await Promise.allSettled([
      sink.write({ body: fits, attributes: { k: 'v' } }),
      sink.write({ body: randomText(1025, { maxCharBytes }) }),
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
