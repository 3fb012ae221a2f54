// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${msg:path} runtime templates are what these tests pass
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { sqsSink, sqsSinkOptions } from '@tributary/sqs';
import { testConnection } from '@tributary/testkit';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

const sqs = mockClient(SQSClient);
const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
const fifoUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders.fifo';
const MiB = 1_048_576;
const aws = testConnection();

/** Answers every SendMessageBatch with success for each entry and records the batches. */
function acceptAll(maximumMessageSize = MiB): SendMessageBatchCommandInput[] {
  const batches: SendMessageBatchCommandInput[] = [];
  let next = 0;
  sqs
    .on(GetQueueAttributesCommand)
    .resolves({ Attributes: { MaximumMessageSize: String(maximumMessageSize) } });
  sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
    batches.push(input);
    const fifo = input.QueueUrl?.endsWith('.fifo');
    return {
      Successful: (input.Entries ?? []).map((e) => ({
        Id: e.Id,
        MessageId: `m${next++}`,
        MD5OfMessageBody: '',
        ...(fifo ? { SequenceNumber: String(next) } : {}),
      })),
      Failed: [],
    };
  });
  return batches;
}

beforeEach(() => sqs.reset());

describe('sqsSink', () => {
  it('sends ten messages that add up to exactly 1 MiB in one batch, and one byte more in two', async () => {
    // Prepare
    const batches = acceptAll();
    const sink = sqsSink(aws, { queueUrl, lingerMs: 10_000 });
    // 6 × 104,858 + 4 × 104,857 = 1,048,576 bytes.
    const exact = Array.from({ length: 10 }, (_, i) => 'x'.repeat(i < 6 ? 104_858 : 104_857));
    expect(exact.reduce((n, b) => n + b.length, 0)).toBe(MiB);
    // Act
    await Promise.all(exact.map((body) => sink.write({ body })));
    const overBy1 = [...exact.slice(0, 9), `${exact[9]}c`];
    const writes = overBy1.map((body) => sink.write({ body }));
    await sink.close();
    await Promise.all(writes);
    // Assess
    expect(batches.map((b) => b.Entries?.length)).toEqual([10, 9, 1]);
  });

  it('counts multi-byte characters and attributes toward the batch size', async () => {
    // Prepare
    const batches = acceptAll();
    const sink = sqsSink(aws, { queueUrl, lingerMs: 10_000 });
    // '€' is 3 bytes in UTF-8 but 1 UTF-16 unit: 174,759 of them weigh 524,277 bytes.
    const body = '€'.repeat(174_759);
    // The attribute weighs name 'k' (1) + type 'String' (6) + value 'v€' (4) = 11 bytes: 524,288 per message,
    // so two messages fill 1 MiB exactly.
    const attributes = { k: 'v€' };
    // Act
    const first = await Promise.all([sink.write({ body, attributes }), sink.write({ body, attributes })]);
    await sink.flush();
    const writes = [sink.write({ body, attributes }), sink.write({ body: `${body}x`, attributes })];
    await sink.close();
    await Promise.all(writes);
    // Assess
    expect(first).toHaveLength(2);
    expect(batches.map((b) => b.Entries?.length)).toEqual([2, 1, 1]);
    expect(batches[0]?.Entries?.[0]?.MessageAttributes).toEqual({
      k: { DataType: 'String', StringValue: 'v€' },
    });
  });

  it('rejects a message one byte over the queue MaximumMessageSize alone, without sending it', async () => {
    // Prepare
    const batches = acceptAll(2048);
    const sink = sqsSink(aws, { queueUrl, lingerMs: 0 });
    // Act
    const fits = sink.write({ body: 'y'.repeat(2048) });
    const tooBig = sink.write({ body: 'y'.repeat(2049) });
    // Assess
    await expect(fits).resolves.toMatchObject({ id: 'm0', attempts: 1 });
    await expect(tooBig).rejects.toMatchObject({
      code: 'WRITE_REJECTED',
      details: { reason: 'ENTRY_TOO_LARGE' },
    });
    await sink.close();
    expect(batches.flatMap((b) => b.Entries ?? []).map((e) => e.MessageBody?.length)).toEqual([2048]);
  });

  it('retries retryable entries, rejects fatal ones, and resolves the rest in one mixed response', async () => {
    // Prepare
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { MaximumMessageSize: String(MiB) } });
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'ok-a', MD5OfMessageBody: '' }],
        Failed: [
          { Id: '1', Code: 'InternalError', SenderFault: false, Message: 'retry me' },
          { Id: '2', Code: 'InvalidParameterValue', SenderFault: true, Message: 'never' },
        ],
      })
      .resolves({ Successful: [{ Id: '0', MessageId: 'ok-b', MD5OfMessageBody: '' }] });
    const sink = sqsSink(aws, { queueUrl, lingerMs: 10, baseDelayMs: 1, maxDelayMs: 2 });
    // Act
    const [a, b, c] = await Promise.allSettled(['a', 'b', 'c'].map((body) => sink.write({ body })));
    await sink.close();
    // Assess
    expect(a).toMatchObject({ status: 'fulfilled', value: { id: 'ok-a', attempts: 1, sink: 'sqs:orders' } });
    expect(b).toMatchObject({ status: 'fulfilled', value: { id: 'ok-b', attempts: 2 } });
    expect(c).toMatchObject({
      status: 'rejected',
      reason: { code: 'WRITE_REJECTED', details: { awsErrorCode: 'InvalidParameterValue', attempts: 1 } },
    });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 2);
    expect(sqs.commandCalls(SendMessageBatchCommand)[1]?.args[0].input.Entries).toEqual([
      { Id: '0', MessageBody: 'b' },
    ]);
    expect(sink.stats()).toMatchObject({ written: 2, retried: 1, rejected: 1 });
  });

  it('resolves a queue name with GetQueueUrl before the first send', async () => {
    // Prepare
    sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: queueUrl });
    const batches = acceptAll();
    const sink = sqsSink(aws, { queueName: 'orders' });
    // Act
    const receipt = await sink.write({ body: 'hello' });
    await sink.close();
    // Assess
    expect(receipt).toMatchObject({ id: 'm0', sink: 'sqs:orders' });
    expect(sqs).toHaveReceivedCommandWith(GetQueueUrlCommand, { QueueName: 'orders' });
    expect(batches[0]?.QueueUrl).toBe(queueUrl);
  });

  it('takes FIFO group ids from a template and deduplication ids from the content hash', async () => {
    // Prepare
    const batches = acceptAll();
    const sink = sqsSink<{ customer: string; n: number }>(aws, {
      queueUrl: fifoUrl,
      messageGroupId: 'customer-${msg:customer}',
      deduplicationId: 'content',
      lingerMs: 0,
    });
    // Act
    const receipt = await sink.write({ body: { customer: 'c1', n: 1 } });
    await sink.close();
    // Assess
    expect(receipt.details).toEqual({ SequenceNumber: '1' });
    expect(batches[0]?.Entries?.[0]).toMatchObject({
      MessageGroupId: 'customer-c1',
      // SHA-256 of '{"customer":"c1","n":1}', computed independently (Python hashlib).
      MessageDeduplicationId: 'b39ddf5faa0daf6c572b4296f67fecd9a4018aa4b1b27453aa9ed4c0dba6f662',
    });
  });

  it('keeps a unique deduplication id across retries of one write and differs between writes', async () => {
    // Prepare
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { MaximumMessageSize: String(MiB) } });
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '1', MessageId: 'b', MD5OfMessageBody: '' }],
        Failed: [{ Id: '0', Code: 'ServiceUnavailable', SenderFault: false }],
      })
      .resolves({ Successful: [{ Id: '0', MessageId: 'a', MD5OfMessageBody: '' }] });
    const sink = sqsSink(aws, {
      queueUrl: fifoUrl,
      messageGroupId: 'g',
      deduplicationId: 'unique',
      baseDelayMs: 1,
      maxDelayMs: 1,
    });
    // Act
    await Promise.all([sink.write({ body: 'same' }), sink.write({ body: 'same' })]);
    await sink.close();
    // Assess
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries ?? []);
    const [first, second] = calls;
    expect(first?.[0]?.MessageDeduplicationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first?.[0]?.MessageDeduplicationId).not.toBe(first?.[1]?.MessageDeduplicationId);
    expect(second?.[0]?.MessageDeduplicationId).toBe(first?.[0]?.MessageDeduplicationId);
  });

  it('takes group and deduplication ids from functions and from a template', async () => {
    // Prepare
    const batches = acceptAll();
    const byFunction = sqsSink<{ id: number }>(aws, {
      queueUrl: fifoUrl,
      messageGroupId: (m) => `g${m.body.id % 2}`,
      deduplicationId: (m) => `d${m.body.id}`,
      lingerMs: 0,
    });
    const byTemplate = sqsSink<{ id: number }>(aws, {
      queueUrl: fifoUrl,
      messageGroupId: 'fixed',
      deduplicationId: { template: 'order-${msg:id}' },
      lingerMs: 0,
    });
    // Act
    await byFunction.write({ body: { id: 3 } });
    await byTemplate.write({ body: { id: 4 } });
    await Promise.all([byFunction.close(), byTemplate.close()]);
    // Assess
    const entries = batches.flatMap((b) => b.Entries ?? []);
    expect(entries).toEqual([
      expect.objectContaining({ MessageGroupId: 'g1', MessageDeduplicationId: 'd3' }),
      expect.objectContaining({ MessageGroupId: 'fixed', MessageDeduplicationId: 'order-4' }),
    ]);
  });

  it('adds configured attributes, letting the message override them, and sends Binary from base64', async () => {
    // Prepare
    const batches = acceptAll();
    const sink = sqsSink<{ tenant: string }>(aws, {
      queueUrl,
      lingerMs: 0,
      attributes: {
        tenant: { type: 'String', value: '${msg:tenant}' },
        version: { type: 'Number', value: '2' },
        raw: { type: 'Binary', value: 'AQID' },
      },
    });
    // Act
    await sink.write({ body: { tenant: 'acme' }, attributes: { version: 3 } });
    await sink.close();
    // Assess
    expect(batches[0]?.Entries?.[0]?.MessageAttributes).toEqual({
      tenant: { DataType: 'String', StringValue: 'acme' },
      version: { DataType: 'Number', StringValue: '3' },
      raw: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
    });
  });

  it('rejects only the write whose group id template finds no value', async () => {
    // Prepare
    acceptAll();
    const sink = sqsSink<{ customer?: string }>(aws, {
      queueUrl: fifoUrl,
      messageGroupId: '${msg:customer}',
      lingerMs: 0,
    });
    // Act
    const results = await Promise.allSettled([
      sink.write({ body: {} }),
      sink.write({ body: { customer: 'c' } }),
    ]);
    await sink.close();
    // Assess
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'WRITE_REJECTED' } });
    expect(results[1]).toMatchObject({ status: 'fulfilled' });
  });

  it.each([
    ['neither queueUrl nor queueName', {}, '/queueUrl'],
    ['both queueUrl and queueName', { queueUrl, queueName: 'orders' }, '/queueUrl'],
    ['a FIFO queue without messageGroupId', { queueUrl: fifoUrl }, '/messageGroupId'],
    [
      'delaySeconds on a FIFO queue',
      { queueUrl: fifoUrl, messageGroupId: 'g', delaySeconds: 5 },
      '/delaySeconds',
    ],
    ['deduplication on a standard queue', { queueUrl, deduplicationId: 'content' }, '/deduplicationId'],
    ['delaySeconds above 900', { queueUrl, delaySeconds: 901 }, '/delaySeconds'],
    ['an unknown option', { queueUrl, queue: 'x' }, '/'],
    ['more than 10 entries per batch', { queueUrl, maxBatchEntries: 11 }, '/maxBatchEntries'],
  ])('throws a ConfigError naming the field for %s', (_what, options, path) => {
    // Act
    const act = () => sqsSink(aws, options as Parameters<typeof sqsSink>[1]);
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
    const schema = z.toJSONSchema(sqsSinkOptions, { io: 'input' }) as { properties: Record<string, unknown> };
    // Assess
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'queueUrl',
        'queueName',
        'messageGroupId',
        'deduplicationId',
        'attributes',
        'lingerMs',
      ]),
    );
  });
});
