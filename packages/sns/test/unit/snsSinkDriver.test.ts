import { GetTopicAttributesCommand, PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { silentLogger } from '@tributary/connection';
import { snsSinkDriver } from '@tributary/sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';

const sns = mockClient(SNSClient);
const topicArn = 'arn:aws:sns:eu-west-1:123456789012:alerts';
const client = new SNSClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const signal = new AbortController().signal;
beforeEach(() => sns.reset());

describe('snsSinkDriver', () => {
  it('sizes an entry as message, subject and attribute name, type and value bytes', () => {
    // Prepare
    const driver = snsSinkDriver(client, {
      topicArn,
      fifo: false,
      subject: () => 'Hi',
      logger: silentLogger,
    });
    // Act
    const entry = driver.prepare({ body: 'ßü', attributes: { n: 12, s: 'é', b: new Uint8Array(3) } });
    // Assess
    const message = 4; // ß and ü: 2 bytes each
    const subject = 2;
    const attributes = 1 + 6 + 2 + (1 + 6 + 2) + (1 + 6 + 3); // n/Number/'12', s/String/'é', b/Binary/3 bytes
    expect(driver.entrySize(entry)).toBe(message + subject + attributes);
    expect(entry).toMatchObject({
      Message: 'ßü',
      Subject: 'Hi',
      MessageAttributes: {
        n: { DataType: 'Number', StringValue: '12' },
        s: { DataType: 'String', StringValue: 'é' },
        b: { DataType: 'Binary', BinaryValue: new Uint8Array(3) },
      },
    });
  });

  it.each([
    ['an empty message', {}, { body: '' }, /empty/],
    ['a lone surrogate', {}, { body: 'x\uDC00' }, /lone surrogate/],
    [
      'a json structure without default',
      { messageStructure: 'json' as const },
      { body: { sqs: 'x' } },
      /default/,
    ],
    [
      'a json structure that is not an object',
      { messageStructure: 'json' as const },
      { body: '[1]' },
      /object/,
    ],
    ['a subject with a line break', { subject: () => 'a\nb' }, { body: 'x' }, /subject/],
    ['a subject of 101 characters', { subject: () => 's'.repeat(101) }, { body: 'x' }, /subject/],
  ])('refuses %s before sending', (_what, config, message, pattern) => {
    // Prepare
    const driver = snsSinkDriver(client, { topicArn, fifo: false, logger: silentLogger, ...config });
    // Act
    const act = () => driver.prepare(message);
    // Assess
    expect(act).toThrow(pattern);
  });

  it('sends a JSON-structured message as a JSON document with MessageStructure json', async () => {
    // Prepare
    sns.on(PublishBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm0' }] });
    const driver = snsSinkDriver(client, {
      topicArn,
      fifo: false,
      messageStructure: 'json',
      logger: silentLogger,
    });
    // Act
    const outcomes = await driver.sendBatch(
      [driver.prepare({ body: { default: 'hi', sqs: 'hello queue' } })],
      signal,
    );
    // Assess
    expect(outcomes).toEqual([{ status: 'ok', id: 'm0' }]);
    expect(sns).toHaveReceivedCommandWith(PublishBatchCommand, {
      TopicArn: topicArn,
      PublishBatchRequestEntries: [
        { Id: '0', Message: '{"default":"hi","sqs":"hello queue"}', MessageStructure: 'json' },
      ],
    });
  });

  it('maps Successful and Failed back by Id, whatever their order', async () => {
    // Prepare
    sns.on(PublishBatchCommand).resolves({
      Failed: [
        { Id: '2', Code: 'InvalidParameter', SenderFault: true, Message: 'bad' },
        { Id: '0', Code: 'InternalError', SenderFault: false, Message: 'again' },
        { Id: '3', Code: 'Throttled', SenderFault: true, Message: 'slow' },
      ],
      Successful: [{ Id: '1', MessageId: 'm1', SequenceNumber: '7' }],
    });
    const driver = snsSinkDriver(client, { topicArn, fifo: false, logger: silentLogger });
    // Act
    const outcomes = await driver.sendBatch(
      ['a', 'b', 'c', 'd', 'e'].map((body) => driver.prepare({ body })),
      signal,
    );
    // Assess
    expect(outcomes).toEqual([
      { status: 'retryable', code: 'InternalError', message: 'again' },
      { status: 'ok', id: 'm1', details: { SequenceNumber: '7' } },
      { status: 'fatal', code: 'InvalidParameter', message: 'bad' },
      { status: 'retryable', code: 'Throttled', message: 'slow' },
      { status: 'retryable', code: 'MissingFromResponse', message: expect.any(String) },
    ]);
  });

  it('uses the topic MaximumMessageSize for entries and batches, and 256 KiB when it is not reported or may not be read', async () => {
    // Prepare
    sns
      .on(GetTopicAttributesCommand)
      .resolvesOnce({ Attributes: { TopicArn: topicArn, MaximumMessageSize: '1048576' } })
      .resolvesOnce({ Attributes: { TopicArn: topicArn } })
      .rejectsOnce(Object.assign(new Error('denied'), { name: 'AuthorizationError' }));
    const driver = snsSinkDriver(client, { topicArn, fifo: false, logger: silentLogger });
    // Act
    const raised = await driver.start?.(signal);
    const unreported = await driver.start?.(signal);
    const denied = await driver.start?.(signal);
    // Assess
    expect(raised).toEqual({ maxEntryBytes: 1_048_576, maxBatchBytes: 1_048_576 });
    expect(unreported).toEqual({ maxEntryBytes: 262_144, maxBatchBytes: 262_144 });
    expect(denied).toEqual({ maxEntryBytes: 262_144, maxBatchBytes: 262_144 });
  });

  it('fails start with a Tributary error when the topic does not exist', async () => {
    // Prepare
    sns
      .on(GetTopicAttributesCommand)
      .rejects(Object.assign(new Error('Topic does not exist'), { name: 'NotFound' }));
    const driver = snsSinkDriver(client, { topicArn, fifo: false, logger: silentLogger });
    // Act
    const act = driver.start?.(signal);
    // Assess
    await expect(act).rejects.toMatchObject({
      details: { awsErrorCode: 'NotFound', operation: 'GetTopicAttributes' },
    });
  });
});
