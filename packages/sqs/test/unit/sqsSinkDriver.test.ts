import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { silentLogger } from '@tributary/connection';
import { sqsSinkDriver } from '@tributary/sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';

const sqs = mockClient(SQSClient);
const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
const client = new SQSClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const signal = new AbortController().signal;
beforeEach(() => sqs.reset());

describe('sqsSinkDriver', () => {
  it('sizes an entry as SQS does: body bytes plus attribute name, type and value bytes', () => {
    // Prepare
    const driver = sqsSinkDriver(client, { queueUrl, fifo: false, logger: silentLogger });
    // Act
    const entry = driver.prepare({
      body: 'héllo 🌍',
      attributes: { tenant: 'ünï', priority: 3, blob: new Uint8Array([1, 2, 3, 4]) },
    });
    // Assess
    const body = 5 + 2 + 4; // h, l, l, o and the space: 1 byte each; é: 2 bytes; 🌍: 4 bytes
    const tenant = 'tenant'.length + 'String'.length + 5; // ü and ï are 2 bytes each
    const priority = 'priority'.length + 'Number'.length + 1;
    const blob = 'blob'.length + 'Binary'.length + 4;
    expect(driver.entrySize(entry)).toBe(body + tenant + priority + blob);
    expect(entry.MessageAttributes).toEqual({
      tenant: { DataType: 'String', StringValue: 'ünï' },
      priority: { DataType: 'Number', StringValue: '3' },
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3, 4]) },
    });
  });

  it('sends a string body as is and any other body as JSON', () => {
    // Prepare
    const driver = sqsSinkDriver(client, { queueUrl, fifo: false, logger: silentLogger });
    // Act
    const text = driver.prepare({ body: '{"already":"json"}' });
    const document = driver.prepare({ body: { a: [1, 'ü'] } });
    // Assess
    expect(text.MessageBody).toBe('{"already":"json"}');
    expect(document.MessageBody).toBe('{"a":[1,"ü"]}');
    expect(document.size).toBe(Buffer.byteLength('{"a":[1,"ü"]}'));
  });

  it.each([
    ['an empty body', { body: '' }, /empty/],
    ['a control character', { body: 'a\u0001b' }, /U\+0001/],
    ['a lone surrogate', { body: 'a\uD800b' }, /U\+D800/],
    ['a reserved attribute name', { body: 'x', attributes: { 'AWS.trace': 'y' } }, /not allowed/],
    ['an empty attribute value', { body: 'x', attributes: { a: '' } }, /empty/],
    [
      'a non-numeric Number',
      { body: 'x', attributes: { a: { type: 'Number', value: 'abc' } } },
      /not a number/,
    ],
    [
      'eleven attributes',
      { body: 'x', attributes: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, 'v'])) },
      /at most 10/,
    ],
  ] as const)('refuses %s before sending', (_what, message, pattern) => {
    // Prepare
    const driver = sqsSinkDriver(client, { queueUrl, fifo: false, logger: silentLogger });
    // Act
    const act = () => driver.prepare(message);
    // Assess
    expect(act).toThrow(pattern);
  });

  it('refuses U+FFFE/U+FFFF in a JSON body and accepts what JSON escapes (control characters, lone surrogates)', () => {
    // Prepare
    const driver = sqsSinkDriver(client, { queueUrl, fifo: false, logger: silentLogger });
    // Act
    const nonCharacter = () => driver.prepare({ body: { note: 'a\uFFFFb' } });
    const otherNonCharacter = () => driver.prepare({ body: { note: '\uFFFE' } });
    const escaped = driver.prepare({ body: { note: 'a\u0001b\uD800c' } });
    // Assess
    expect(nonCharacter).toThrow(/the message body contains U\+FFFF at index 10/);
    expect(otherNonCharacter).toThrow(/the message body contains U\+FFFE at index 9/);
    expect(escaped.MessageBody).toBe('{"note":"a\\u0001b\\ud800c"}');
  });

  it('sends entries with their index as Id and maps Successful and Failed back by Id', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({
      // Out of order on purpose: mapping is by Id, never by position.
      Successful: [
        { Id: '3', MessageId: 'm3', MD5OfMessageBody: '' },
        { Id: '0', MessageId: 'm0', MD5OfMessageBody: '' },
      ],
      Failed: [
        { Id: '2', Code: 'InvalidParameterValue', Message: 'bad', SenderFault: true },
        { Id: '1', Code: 'InternalError', Message: 'try again', SenderFault: false },
        { Id: '4', Code: 'RequestThrottled', Message: 'slow down', SenderFault: true },
      ],
    });
    const driver = sqsSinkDriver(client, { queueUrl, fifo: false, delaySeconds: 5, logger: silentLogger });
    const entries = ['a', 'b', 'c', 'd', 'e', 'f'].map((body) => driver.prepare({ body }));
    // Act
    const outcomes = await driver.sendBatch(entries, signal);
    // Assess
    expect(outcomes).toEqual([
      { status: 'ok', id: 'm0' },
      { status: 'retryable', code: 'InternalError', message: 'try again' },
      { status: 'fatal', code: 'InvalidParameterValue', message: 'bad' },
      { status: 'ok', id: 'm3' },
      { status: 'retryable', code: 'RequestThrottled', message: 'slow down' },
      { status: 'retryable', code: 'MissingFromResponse', message: expect.any(String) },
    ]);
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: queueUrl,
      Entries: [
        { Id: '0', MessageBody: 'a', DelaySeconds: 5 },
        { Id: '1', MessageBody: 'b', DelaySeconds: 5 },
        { Id: '2', MessageBody: 'c', DelaySeconds: 5 },
        { Id: '3', MessageBody: 'd', DelaySeconds: 5 },
        { Id: '4', MessageBody: 'e', DelaySeconds: 5 },
        { Id: '5', MessageBody: 'f', DelaySeconds: 5 },
      ],
    });
    const sent = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0] ?? {};
    expect(Object.keys(sent)).not.toContain('size');
  });

  it('returns the SequenceNumber of FIFO entries as receipt details and orders by group', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [
        { Id: '0', MessageId: 'm0', MD5OfMessageBody: '', SequenceNumber: '18800000000000000001' },
      ],
    });
    const driver = sqsSinkDriver<{ customer: string }>(client, {
      queueUrl: `${queueUrl}.fifo`,
      fifo: true,
      messageGroupId: (m) => m.body.customer,
      deduplicationId: (_m, body) => `d-${body.length}`,
      logger: silentLogger,
    });
    const entry = driver.prepare({ body: { customer: 'c1' } });
    // Act
    const outcomes = await driver.sendBatch([entry], signal);
    // Assess
    expect(outcomes).toEqual([
      { status: 'ok', id: 'm0', details: { SequenceNumber: '18800000000000000001' } },
    ]);
    expect(driver.orderingKey?.(entry)).toBe('c1');
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      Entries: [
        { Id: '0', MessageBody: '{"customer":"c1"}', MessageGroupId: 'c1', MessageDeduplicationId: 'd-17' },
      ],
    });
  });

  it('lets a whole-request failure propagate for the writer to classify', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    sqs.on(SendMessageBatchCommand).rejects(throttled);
    const driver = sqsSinkDriver(client, { queueUrl, fifo: false, logger: silentLogger });
    // Act
    const act = driver.sendBatch([driver.prepare({ body: 'a' })], signal);
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('resolves a queue name with GetQueueUrl and narrows the entry limit to MaximumMessageSize', async () => {
    // Prepare
    sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: queueUrl });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { MaximumMessageSize: '262144' } });
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [{ Id: '0', MessageId: 'm0', MD5OfMessageBody: '' }] });
    const driver = sqsSinkDriver(client, {
      queueName: 'orders',
      queueOwnerAccountId: '123456789012',
      fifo: false,
      logger: silentLogger,
    });
    const before = driver.queueUrl;
    // Act
    const limits = await driver.start?.(signal);
    await driver.sendBatch([driver.prepare({ body: 'a' })], signal);
    // Assess
    expect(limits).toEqual({ maxEntryBytes: 262_144 });
    expect(before).toBeUndefined();
    expect(driver.queueUrl).toBe(queueUrl);
    // A data property, not a getter (see the driver: a getter per driver gives each its own V8 map).
    expect(Object.getOwnPropertyDescriptor(driver, 'queueUrl')).toMatchObject({ value: queueUrl });
    expect(sqs).toHaveReceivedCommandWith(GetQueueUrlCommand, {
      QueueName: 'orders',
      QueueOwnerAWSAccountId: '123456789012',
    });
    expect(sqs).toHaveReceivedCommandWith(GetQueueAttributesCommand, {
      QueueUrl: queueUrl,
      AttributeNames: ['MaximumMessageSize'],
    });
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: queueUrl });
  });

  it('keeps the 1 MiB default when the queue may not be read, and fails start when it does not exist', async () => {
    // Prepare
    const denied = Object.assign(new Error('denied'), { name: 'AccessDenied' });
    const missing = Object.assign(new Error('missing'), { name: 'QueueDoesNotExist' });
    sqs.on(GetQueueAttributesCommand).rejectsOnce(denied).rejectsOnce(missing);
    const driver = sqsSinkDriver(client, { queueUrl, fifo: false, logger: silentLogger });
    // Act
    const first = await driver.start?.(signal);
    const second = driver.start?.(signal);
    // Assess
    expect(first).toBeUndefined();
    expect(driver.limits.maxEntryBytes).toBe(1_048_576);
    await expect(second).rejects.toMatchObject({
      code: 'RESOURCE_NOT_FOUND',
      details: { awsErrorCode: 'QueueDoesNotExist', operation: 'GetQueueAttributes' },
    });
  });
});
