// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${msg:path} runtime templates are what these tests pass
import {
  GetTopicAttributesCommand,
  PublishBatchCommand,
  type PublishBatchCommandInput,
  SNSClient,
} from '@aws-sdk/client-sns';
import { snsSink, snsSinkOptions } from '@tributary/sns';
import { testConnection } from '@tributary/testkit';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

const sns = mockClient(SNSClient);
const topicArn = 'arn:aws:sns:eu-west-1:123456789012:alerts';
const fifoArn = 'arn:aws:sns:eu-west-1:123456789012:alerts.fifo';
const KiB256 = 262_144;
const aws = testConnection();

/** Accepts every entry and records the batches; the topic reports `maximumMessageSize` when given. */
function acceptAll(maximumMessageSize?: number): PublishBatchCommandInput[] {
  const batches: PublishBatchCommandInput[] = [];
  let next = 0;
  sns.on(GetTopicAttributesCommand).resolves({
    Attributes: maximumMessageSize === undefined ? {} : { MaximumMessageSize: String(maximumMessageSize) },
  });
  sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
    batches.push(input);
    const fifo = input.TopicArn?.endsWith('.fifo');
    return {
      Successful: (input.PublishBatchRequestEntries ?? []).map((e) => ({
        Id: e.Id,
        MessageId: `m${next++}`,
        ...(fifo ? { SequenceNumber: String(next) } : {}),
      })),
      Failed: [],
    };
  });
  return batches;
}

beforeEach(() => sns.reset());

describe('snsSink', () => {
  it('sends messages adding up to exactly 256 KiB in one batch, and one byte more in two', async () => {
    // Prepare
    const batches = acceptAll();
    const sink = snsSink(aws, { topicArn, lingerMs: 10_000 });
    // 4 × 26,215 + 6 × 26,214 = 262,144 bytes.
    const exact = Array.from({ length: 10 }, (_, i) => 'z'.repeat(i < 4 ? 26_215 : 26_214));
    // Act
    await Promise.all(exact.map((body) => sink.write({ body })));
    const writes = [...exact.slice(0, 9), `${exact[9]}!`].map((body) => sink.write({ body }));
    await sink.close();
    await Promise.all(writes);
    // Assess
    expect(batches.map((b) => b.PublishBatchRequestEntries?.length)).toEqual([10, 9, 1]);
  });

  it('counts multi-byte characters, the subject and attributes toward the size', async () => {
    // Prepare
    const batches = acceptAll();
    const sink = snsSink(aws, { topicArn, subject: 'Alert', lingerMs: 10_000 });
    // '😀' is 4 bytes: 32,764 of them weigh 131,056; subject 'Alert' 5; attribute k/String/'üü' 1 + 6 + 4 = 11.
    // 131,056 + 5 + 11 = 131,072 = 256 KiB / 2.
    const body = '😀'.repeat(32_764);
    const attributes = { k: 'üü' };
    // Act
    await Promise.all([sink.write({ body, attributes }), sink.write({ body, attributes })]);
    const writes = [sink.write({ body, attributes }), sink.write({ body: `${body}.`, attributes })];
    await sink.close();
    await Promise.all(writes);
    // Assess
    expect(batches.map((b) => b.PublishBatchRequestEntries?.length)).toEqual([2, 1, 1]);
    expect(batches[0]?.PublishBatchRequestEntries?.[0]).toMatchObject({ Subject: 'Alert' });
  });

  it('rejects a message one byte over 256 KiB alone when the topic reports no MaximumMessageSize', async () => {
    // Prepare
    const batches = acceptAll();
    const sink = snsSink(aws, { topicArn, lingerMs: 0 });
    // Act
    const results = await Promise.allSettled([
      sink.write({ body: 'a'.repeat(KiB256) }),
      sink.write({ body: 'a'.repeat(KiB256 + 1) }),
    ]);
    await sink.close();
    // Assess
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { id: 'm0' } });
    expect(results[1]).toMatchObject({
      status: 'rejected',
      reason: { details: { reason: 'ENTRY_TOO_LARGE' } },
    });
    expect(batches).toHaveLength(1);
  });

  it('accepts messages up to a raised topic MaximumMessageSize', async () => {
    // Prepare
    const batches = acceptAll(1_048_576);
    const sink = snsSink(aws, { topicArn, lingerMs: 0 });
    // Act
    const receipt = await sink.write({ body: 'a'.repeat(1_048_576) });
    await sink.close();
    // Assess
    expect(receipt.id).toBe('m0');
    expect(batches[0]?.PublishBatchRequestEntries?.[0]?.Message).toHaveLength(1_048_576);
  });

  it('retries retryable entries, rejects fatal ones and resolves the rest in one mixed response', async () => {
    // Prepare
    sns.on(GetTopicAttributesCommand).resolves({ Attributes: {} });
    sns
      .on(PublishBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '2', MessageId: 'ok-c' }],
        Failed: [
          { Id: '0', Code: 'InvalidParameter', SenderFault: true, Message: 'no' },
          { Id: '1', Code: 'InternalError', SenderFault: false, Message: 'later' },
        ],
      })
      .resolves({ Successful: [{ Id: '0', MessageId: 'ok-b' }] });
    const sink = snsSink(aws, { topicArn, lingerMs: 10, baseDelayMs: 1, maxDelayMs: 2 });
    // Act
    const [a, b, c] = await Promise.allSettled(['a', 'b', 'c'].map((body) => sink.write({ body })));
    await sink.close();
    // Assess
    expect(a).toMatchObject({
      status: 'rejected',
      reason: { details: { awsErrorCode: 'InvalidParameter' } },
    });
    expect(b).toMatchObject({ status: 'fulfilled', value: { id: 'ok-b', attempts: 2, sink: 'sns:alerts' } });
    expect(c).toMatchObject({ status: 'fulfilled', value: { id: 'ok-c', attempts: 1 } });
    expect(sns.commandCalls(PublishBatchCommand)[1]?.args[0].input.PublishBatchRequestEntries).toEqual([
      { Id: '0', Message: 'b' },
    ]);
  });

  it('sets FIFO group and deduplication ids and returns the SequenceNumber', async () => {
    // Prepare
    const batches = acceptAll();
    const sink = snsSink<{ user: string }>(aws, {
      topicArn: fifoArn,
      messageGroupId: (m) => m.body.user,
      deduplicationId: 'content',
      subject: 'For ${msg:user}',
      lingerMs: 0,
    });
    // Act
    const receipt = await sink.write({ body: { user: 'u1' } });
    await sink.close();
    // Assess
    expect(receipt.details).toEqual({ SequenceNumber: '1' });
    expect(batches[0]?.PublishBatchRequestEntries?.[0]).toEqual({
      Id: '0',
      Message: '{"user":"u1"}',
      Subject: 'For u1',
      MessageGroupId: 'u1',
      // SHA-256 of '{"user":"u1"}', computed independently (Python hashlib).
      MessageDeduplicationId: 'c25e30a319e1aa28d1576eafdbb87149ac3bbff9afb87cbeb41ba2bde53822a3',
    });
  });

  it.each([
    ['a malformed topic ARN', { topicArn: 'alerts' }, '/topicArn'],
    ['a FIFO topic without messageGroupId', { topicArn: fifoArn }, '/messageGroupId'],
    ['deduplication on a standard topic', { topicArn, deduplicationId: 'unique' }, '/deduplicationId'],
    ['an unknown messageStructure', { topicArn, messageStructure: 'xml' }, '/messageStructure'],
    ['more than 1 MiB per batch', { topicArn, maxBatchBytes: 1_048_577 }, '/maxBatchBytes'],
  ])('throws a ConfigError naming the field for %s', (_what, options, path) => {
    // Act
    const act = () => snsSink(aws, options as Parameters<typeof snsSink>[1]);
    // Assess
    expect(act).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        details: expect.objectContaining({ paths: [path] }),
      }),
    );
  });

  it('describes its options as JSON Schema', () => {
    // Act
    const schema = z.toJSONSchema(snsSinkOptions, { io: 'input' }) as {
      required: string[];
      properties: object;
    };
    // Assess
    expect(schema.required).toEqual(['topicArn']);
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'topicArn',
        'subject',
        'messageStructure',
        'messageGroupId',
        'deduplicationId',
      ]),
    );
  });
});
