import {
  ChangeMessageVisibilityBatchCommand,
  type ChangeMessageVisibilityBatchRequestEntry,
  DeleteMessageBatchCommand,
  type DeleteMessageBatchRequestEntry,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { isTributaryError, type TributaryError } from '@tributary/connection';
import { type SqsMessage, type SqsSourceOptions, sqsSource, sqsSourceOptions } from '@tributary/sqs';
import { testConnection } from '@tributary/testkit';
import { mockClient } from 'aws-sdk-client-mock';
import { firstValueFrom, type Subscription } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { apiMessage, FakeQueue } from '../fixtures/sourceFakeQueue.js';

const sqs = mockClient(SQSClient);
const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
let queue: FakeQueue;
let subscription: Subscription | undefined;

beforeEach(() => {
  vi.useFakeTimers();
  sqs.reset();
  queue = new FakeQueue(sqs);
  sqs.on(DeleteMessageBatchCommand).callsFake((input: { Entries: DeleteMessageBatchRequestEntry[] }) => ({
    Successful: input.Entries.map((e) => ({ Id: e.Id })),
    Failed: [],
  }));
  sqs
    .on(ChangeMessageVisibilityBatchCommand)
    .callsFake((input: { Entries: ChangeMessageVisibilityBatchRequestEntry[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id })),
      Failed: [],
    }));
});

afterEach(() => {
  subscription?.unsubscribe();
  subscription = undefined;
  vi.clearAllTimers();
  vi.useRealTimers();
});

/** Subscribes and collects every message. */
function collect<T = string>(
  options: SqsSourceOptions,
): {
  messages: SqsMessage<T>[];
  errors: unknown[];
  completed: () => boolean;
} {
  const messages: SqsMessage<T>[] = [];
  const errors: unknown[] = [];
  let done = false;
  subscription = (
    sqsSource(testConnection(), options) as unknown as ReturnType<typeof sqsSource<T>>
  ).subscribe({
    next: (m) => messages.push(m),
    error: (e: unknown) => errors.push(e),
    complete: () => {
      done = true;
    },
  });
  return { messages, errors, completed: () => done };
}

function deleteEntries(): DeleteMessageBatchRequestEntry[][] {
  return sqs.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input.Entries ?? []);
}

function visibilityEntries(): ChangeMessageVisibilityBatchRequestEntry[][] {
  return sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((c) => c.args[0].input.Entries ?? []);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('sqsSource', () => {
  it('deletes a message once it is acked', async () => {
    // Prepare
    queue.push(apiMessage(1, { Body: '{}' }));
    // Act
    const message = await firstValueFrom(sqsSource(testConnection(), { queueUrl }));
    const acked = message.ack();
    await vi.advanceTimersByTimeAsync(50);
    await acked;
    // Assess
    expect(message.body).toBe('{}');
    expect(sqs).toHaveReceivedCommandWith(DeleteMessageBatchCommand, {
      QueueUrl: queueUrl,
      Entries: [{ Id: '0', ReceiptHandle: 'r1' }],
    });
  });

  it('receives with long polling, all attributes and the configured visibility timeout', async () => {
    // Prepare
    queue.push(apiMessage(1));
    // Act
    collect({ queueUrl, waitTimeSeconds: 5, maxMessages: 3, visibilityTimeout: 45, pollers: 1 });
    await vi.advanceTimersByTimeAsync(1);
    // Assess
    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, {
      QueueUrl: queueUrl,
      WaitTimeSeconds: 5,
      MaxNumberOfMessages: 3,
      VisibilityTimeout: 45,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    });
  });

  it('carries system attributes in meta and message attributes typed', async () => {
    // Prepare
    queue.push(
      apiMessage(1, {
        Attributes: {
          ApproximateReceiveCount: '3',
          SentTimestamp: '1700000000123',
          ApproximateFirstReceiveTimestamp: '1700000000456',
          MessageGroupId: 'g1',
          SequenceNumber: '42',
          SenderId: 'AIDA123',
        },
        MessageAttributes: {
          tenant: { DataType: 'String', StringValue: 'acme' },
          priority: { DataType: 'Number.int', StringValue: '3' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2]) },
        },
      }),
    );
    // Act
    const { messages } = collect({ queueUrl, pollers: 1 });
    await vi.advanceTimersByTimeAsync(1);
    // Assess
    const [message] = messages;
    expect(message?.id).toBe('m1');
    expect(message?.meta).toMatchObject({
      queueUrl,
      messageId: 'm1',
      receiveCount: 3,
      sentTimestamp: 1700000000123,
      firstReceiveTimestamp: 1700000000456,
      messageGroupId: 'g1',
      sequenceNumber: '42',
      systemAttributes: { SenderId: 'AIDA123' },
    });
    expect(message?.attributes).toEqual({
      tenant: { type: 'String', value: 'acme' },
      priority: { type: 'Number', value: '3' },
      blob: { type: 'Binary', value: new Uint8Array([1, 2]) },
    });
  });

  it('resolves a queue name to its URL with GetQueueUrl', async () => {
    // Prepare
    sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: queueUrl });
    queue.push(apiMessage(1));
    // Act
    const { messages } = collect({ queueName: 'orders', pollers: 1 });
    await vi.advanceTimersByTimeAsync(1);
    // Assess
    expect(sqs).toHaveReceivedCommandWith(GetQueueUrlCommand, { QueueName: 'orders' });
    expect(messages[0]?.meta.queueUrl).toBe(queueUrl);
  });

  describe('options', () => {
    it('throws a ConfigError naming the field, synchronously', () => {
      // Act
      const attempt = () => sqsSource(testConnection(), { queueUrl, maxMessages: 11, waitTimeSeconds: 30 });
      // Assess
      expect(attempt).toThrowError(
        /\/maxMessages[\s\S]*\/waitTimeSeconds|\/waitTimeSeconds[\s\S]*\/maxMessages/,
      );
      try {
        attempt();
      } catch (error) {
        expect((error as TributaryError).code).toBe('CONFIG_INVALID');
        expect((error as TributaryError).details.paths).toEqual(['/waitTimeSeconds', '/maxMessages']);
      }
    });

    it('requires exactly one of queueUrl and queueName', () => {
      // Act / Assess
      expect(() => sqsSource(testConnection(), { queueName: 'a', queueUrl })).toThrowError(
        /exactly one of queueUrl/,
      );
      expect(() => sqsSource(testConnection(), {})).toThrowError(/exactly one of queueUrl/);
    });

    it('is JSON-describable for the engine: every field with a description, no code-only extras', () => {
      // Act
      const schema = z.toJSONSchema(sqsSourceOptions, { io: 'input' }) as {
        properties: Record<string, { description?: string }>;
        additionalProperties: boolean;
      };
      // Assess
      expect(schema.additionalProperties).toBe(false);
      expect(Object.keys(schema.properties)).toContain('maxInFlight');
      expect(Object.keys(schema.properties)).not.toContain('signal');
      expect(Object.values(schema.properties).every((p) => typeof p.description === 'string')).toBe(true);
    });

    it('rejects unknown keys', () => {
      // Act / Assess
      expect(() =>
        sqsSource(testConnection(), { queueUrl, maxInflight: 3 } as SqsSourceOptions),
      ).toThrowError(/maxInflight/);
    });
  });

  describe('credits', () => {
    it('never holds more than maxInFlight unacked messages and resumes receiving after acks', async () => {
      // Prepare
      queue.push(...range(0, 100).map((i) => apiMessage(i)));
      // Act
      const { messages } = collect({ queueUrl, maxInFlight: 15, maxMessages: 10, pollers: 4 });
      await vi.advanceTimersByTimeAsync(5_000);
      const heldBefore = messages.length;
      const requestedBefore = queue.requested.reduce((a, b) => a + b, 0);
      const acks = Promise.all(messages.slice(0, 5).map((m) => m.ack()));
      await vi.advanceTimersByTimeAsync(100);
      await acks;
      // Assess
      expect(heldBefore).toBe(15);
      expect(requestedBefore).toBe(15);
      expect(messages.length).toBe(20);
      expect(messages.map((m) => m.id)).toEqual(range(0, 20).map((i) => `m${i}`));
    });

    it('counts a message until its delete completed', async () => {
      // Prepare
      let finishDelete: () => void = () => {};
      sqs.on(DeleteMessageBatchCommand).callsFakeOnce(
        (input: { Entries: DeleteMessageBatchRequestEntry[] }) =>
          new Promise((resolve) => {
            finishDelete = () => resolve({ Successful: input.Entries.map((e) => ({ Id: e.Id })) });
          }),
      );
      queue.push(...range(0, 3).map((i) => apiMessage(i)));
      const { messages } = collect({ queueUrl, maxInFlight: 1, pollers: 2 });
      await vi.advanceTimersByTimeAsync(1);
      // Act
      const acked = messages[0]?.ack();
      await vi.advanceTimersByTimeAsync(1_000);
      const whileDeleting = messages.length;
      finishDelete();
      await acked;
      await vi.advanceTimersByTimeAsync(1);
      // Assess
      expect(whileDeleting).toBe(1);
      expect(messages.length).toBe(2);
    });
  });

  describe('ack', () => {
    it('batches deletes by 10 and sends the rest after the linger', async () => {
      // Prepare
      queue.push(...range(0, 25).map((i) => apiMessage(i)));
      const { messages } = collect({ queueUrl, maxInFlight: 100, deleteLingerMs: 20 });
      await vi.advanceTimersByTimeAsync(1);
      // Act
      const acks = messages.map((m) => m.ack());
      await vi.advanceTimersByTimeAsync(0);
      const beforeLinger = deleteEntries().map((e) => e.length);
      await vi.advanceTimersByTimeAsync(20);
      await Promise.all(acks);
      // Assess
      expect(messages.length).toBe(25);
      expect(beforeLinger).toEqual([10, 10]);
      expect(deleteEntries().map((e) => e.length)).toEqual([10, 10, 5]);
      expect(
        deleteEntries()
          .flat()
          .map((e) => e.ReceiptHandle),
      ).toEqual(range(0, 25).map((i) => `r${i}`));
    });

    it('retries an entry that failed transiently, and resolves ack once it is deleted', async () => {
      // Prepare
      let calls = 0;
      sqs
        .on(DeleteMessageBatchCommand)
        .callsFake(async (input: { Entries: DeleteMessageBatchRequestEntry[] }) => {
          calls += 1;
          const failed = calls === 1 ? input.Entries.slice(0, 1) : [];
          return {
            Successful: input.Entries.filter((e) => !failed.includes(e)).map((e) => ({ Id: e.Id })),
            Failed: failed.map((e) => ({
              Id: e.Id,
              Code: 'InternalError',
              SenderFault: false,
              Message: 'try again',
            })),
          };
        });
      queue.push(apiMessage(1), apiMessage(2));
      const { messages } = collect({ queueUrl, pollers: 1 });
      await vi.advanceTimersByTimeAsync(1);
      // Act
      const acks = Promise.all(messages.map((m) => m.ack()));
      await vi.advanceTimersByTimeAsync(10_000);
      await acks;
      // Assess
      expect(deleteEntries()).toEqual([
        [
          { Id: '0', ReceiptHandle: 'r1' },
          { Id: '1', ReceiptHandle: 'r2' },
        ],
        [{ Id: '0', ReceiptHandle: 'r1' }],
      ]);
    });

    it('rejects ack and reports to onError when an entry fails for good', async () => {
      // Prepare
      sqs.on(DeleteMessageBatchCommand).resolves({
        Successful: [],
        Failed: [{ Id: '0', Code: 'ReceiptHandleIsInvalid', SenderFault: true, Message: 'expired' }],
      });
      const onError = vi.fn();
      queue.push(apiMessage(1));
      const { messages } = collect({ queueUrl, pollers: 1, onError });
      await vi.advanceTimersByTimeAsync(1);
      // Act
      const outcome = messages[0]?.ack().then(
        () => undefined,
        (e: unknown) => e,
      );
      await vi.advanceTimersByTimeAsync(100);
      const error = (await outcome) as TributaryError;
      // Assess
      expect(isTributaryError(error)).toBe(true);
      expect(error.details).toMatchObject({ awsErrorCode: 'ReceiptHandleIsInvalid', messageId: 'm1' });
      expect(error.hint).toMatch(/visibilityTimeout/);
      expect(onError).toHaveBeenCalledWith(error, { kind: 'delete', messageId: 'm1' });
      expect(deleteEntries()).toHaveLength(1);
    });

    it('gives up after maxEntryAttempts when the entry keeps failing transiently', async () => {
      // Prepare
      sqs.on(DeleteMessageBatchCommand).resolves({
        Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }],
      });
      queue.push(apiMessage(1));
      const { messages } = collect({ queueUrl, pollers: 1, maxEntryAttempts: 3 });
      await vi.advanceTimersByTimeAsync(1);
      // Act
      const outcome = messages[0]?.ack().then(
        () => 'resolved',
        () => 'rejected',
      );
      await vi.advanceTimersByTimeAsync(60_000);
      // Assess
      expect(await outcome).toBe('rejected');
      expect(deleteEntries()).toHaveLength(3);
    });

    it('never sends one receipt handle twice in a batch', async () => {
      // Prepare: a duplicate delivery that carries the same receipt handle
      queue.push(apiMessage(1), apiMessage(2, { ReceiptHandle: 'r1' }), apiMessage(3));
      const { messages } = collect({ queueUrl, pollers: 1 });
      await vi.advanceTimersByTimeAsync(1);
      // Act
      const acks = Promise.all(messages.map((m) => m.ack()));
      await vi.advanceTimersByTimeAsync(100);
      await acks;
      // Assess
      expect(deleteEntries()).toEqual([
        [
          { Id: '0', ReceiptHandle: 'r1' },
          { Id: '1', ReceiptHandle: 'r3' },
        ],
      ]);
    });
  });

  describe('nack', () => {
    it('makes the message visible again at once, or after delaySeconds', async () => {
      // Prepare
      queue.push(apiMessage(1), apiMessage(2));
      const { messages } = collect({ queueUrl, pollers: 1 });
      await vi.advanceTimersByTimeAsync(1);
      // Act
      const nacks = Promise.all([
        messages[0]?.nack(new Error('boom')),
        messages[1]?.nack({ delaySeconds: 30 }),
      ]);
      await vi.advanceTimersByTimeAsync(100);
      await nacks;
      // Assess
      expect(visibilityEntries()).toEqual([
        [
          { Id: '0', ReceiptHandle: 'r1', VisibilityTimeout: 0 },
          { Id: '1', ReceiptHandle: 'r2', VisibilityTimeout: 30 },
        ],
      ]);
      expect(deleteEntries()).toEqual([]);
    });

    it('delays by nackBackoff growing with ApproximateReceiveCount', async () => {
      // Prepare
      queue.push(
        apiMessage(1, { Attributes: { ApproximateReceiveCount: '1' } }),
        apiMessage(2, { Attributes: { ApproximateReceiveCount: '4' } }),
        apiMessage(3, { Attributes: { ApproximateReceiveCount: '20' } }),
      );
      const { messages } = collect({
        queueUrl,
        pollers: 1,
        nackBackoff: { baseSeconds: 5, maxSeconds: 600 },
      });
      await vi.advanceTimersByTimeAsync(1);
      // Act
      const nacks = Promise.all(messages.map((m) => m.nack()));
      await vi.advanceTimersByTimeAsync(100);
      await nacks;
      // Assess
      expect(
        visibilityEntries()
          .flat()
          .map((e) => e.VisibilityTimeout),
      ).toEqual([5, 40, 600]);
    });

    it('keeps the first decision: ack after nack does nothing', async () => {
      // Prepare
      queue.push(apiMessage(1));
      const { messages } = collect({ queueUrl, pollers: 1 });
      await vi.advanceTimersByTimeAsync(1);
      // Act
      const first = messages[0]?.nack();
      const second = messages[0]?.ack();
      await vi.advanceTimersByTimeAsync(100);
      await Promise.all([first, second]);
      // Assess
      expect(visibilityEntries()).toHaveLength(1);
      expect(deleteEntries()).toHaveLength(0);
    });
  });

  describe('heartbeat', () => {
    it('extends the visibility of unacked messages before it expires, until acked', async () => {
      // Prepare
      queue.push(apiMessage(1), apiMessage(2));
      const { messages } = collect({ queueUrl, pollers: 1, visibilityTimeout: 6 });
      await vi.advanceTimersByTimeAsync(1);
      // Act
      await vi.advanceTimersByTimeAsync(1_900);
      const beforeTwoSeconds = visibilityEntries().length;
      await vi.advanceTimersByTimeAsync(200);
      const afterTwoSeconds = visibilityEntries();
      const acked = messages[1]?.ack();
      await vi.advanceTimersByTimeAsync(12_000);
      await acked;
      // Assess
      expect(beforeTwoSeconds).toBe(0);
      expect(afterTwoSeconds).toEqual([
        [
          { Id: '0', ReceiptHandle: 'r1', VisibilityTimeout: 6 },
          { Id: '1', ReceiptHandle: 'r2', VisibilityTimeout: 6 },
        ],
      ]);
      const later = visibilityEntries().slice(1);
      expect(later.length).toBeGreaterThanOrEqual(3);
      expect(later.flat().every((e) => e.ReceiptHandle === 'r1' && e.VisibilityTimeout === 6)).toBe(true);
    });

    it('keeps every message visible-time ahead: no gap longer than the visibility timeout', async () => {
      // Prepare
      queue.push(apiMessage(1));
      collect({ queueUrl, pollers: 1, visibilityTimeout: 5 });
      await vi.advanceTimersByTimeAsync(1);
      const extendedAt: number[] = [0];
      sqs.on(ChangeMessageVisibilityBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => {
        extendedAt.push(Date.now());
        return { Successful: input.Entries.map((e) => ({ Id: e.Id })) };
      });
      const start = Date.now();
      // Act
      await vi.advanceTimersByTimeAsync(60_000);
      // Assess
      const gaps = extendedAt.slice(1).map((t, i) => t - (i === 0 ? start : (extendedAt[i] as number)));
      expect(gaps.length).toBeGreaterThan(15);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(3_500);
    });

    it('stops extending after maxProcessingMs', async () => {
      // Prepare
      queue.push(apiMessage(1));
      collect({ queueUrl, pollers: 1, visibilityTimeout: 3, maxProcessingMs: 10_000 });
      await vi.advanceTimersByTimeAsync(1);
      // Act
      await vi.advanceTimersByTimeAsync(10_000);
      const untilLimit = visibilityEntries().length;
      await vi.advanceTimersByTimeAsync(20_000);
      // Assess
      expect(untilLimit).toBeGreaterThanOrEqual(5);
      expect(visibilityEntries().length).toBe(untilLimit);
    });

    it('is off with heartbeat: false', async () => {
      // Prepare
      queue.push(apiMessage(1));
      collect({ queueUrl, pollers: 1, visibilityTimeout: 3, heartbeat: false });
      // Act
      await vi.advanceTimersByTimeAsync(20_000);
      // Assess
      expect(visibilityEntries()).toEqual([]);
    });

    it('does not extend a message after its nack', async () => {
      // Prepare
      queue.push(apiMessage(1));
      const { messages } = collect({ queueUrl, pollers: 1, visibilityTimeout: 6 });
      await vi.advanceTimersByTimeAsync(1);
      // Act
      const nacked = messages[0]?.nack({ delaySeconds: 60 });
      await vi.advanceTimersByTimeAsync(30_000);
      await nacked;
      // Assess
      expect(visibilityEntries()).toEqual([[{ Id: '0', ReceiptHandle: 'r1', VisibilityTimeout: 60 }]]);
    });
  });

  describe('unsubscribe', () => {
    it('aborts the long polls, emits nothing more and keeps ack working', async () => {
      // Prepare
      queue.push(apiMessage(1));
      const { messages } = collect({ queueUrl, pollers: 2 });
      await vi.advanceTimersByTimeAsync(1);
      const waitingBefore = queue.waiting;
      // Act
      subscription?.unsubscribe();
      await vi.advanceTimersByTimeAsync(1);
      queue.push(apiMessage(2));
      const acked = messages[0]?.ack();
      await vi.advanceTimersByTimeAsync(1);
      await acked;
      // Assess
      const receiveSignals = sqs
        .commandCalls(ReceiveMessageCommand)
        .map((c) => ((c.args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal);
      expect(waitingBefore).toBe(2);
      expect(receiveSignals.every((s) => s?.aborted === true)).toBe(true);
      expect(queue.waiting).toBe(0);
      expect(messages.map((m) => m.id)).toEqual(['m1']);
      expect(deleteEntries()).toEqual([[{ Id: '0', ReceiptHandle: 'r1' }]]);
    });

    it('hands back messages of a response that it no longer emits', async () => {
      // Prepare
      queue.push(apiMessage(1), apiMessage(2), apiMessage(3));
      // Act: firstValueFrom unsubscribes inside the first next()
      const first = await firstValueFrom(sqsSource(testConnection(), { queueUrl, pollers: 1 }));
      await vi.advanceTimersByTimeAsync(1);
      // Assess
      expect(first.id).toBe('m1');
      expect(visibilityEntries()).toEqual([
        [
          { Id: '0', ReceiptHandle: 'r2', VisibilityTimeout: 0 },
          { Id: '1', ReceiptHandle: 'r3', VisibilityTimeout: 0 },
        ],
      ]);
    });

    it('flushes pending deletes at once instead of waiting for the linger', async () => {
      // Prepare
      queue.push(apiMessage(1));
      const { messages } = collect({ queueUrl, pollers: 1, deleteLingerMs: 60_000 });
      await vi.advanceTimersByTimeAsync(1);
      const acked = messages[0]?.ack();
      await vi.advanceTimersByTimeAsync(1);
      const beforeStop = deleteEntries().length;
      // Act
      subscription?.unsubscribe();
      await vi.advanceTimersByTimeAsync(1);
      await acked;
      // Assess
      expect(beforeStop).toBe(0);
      expect(deleteEntries()).toHaveLength(1);
    });

    it('stops the heartbeat of undecided messages after drainTimeoutMs', async () => {
      // Prepare
      queue.push(apiMessage(1));
      collect({ queueUrl, pollers: 1, visibilityTimeout: 3, drainTimeoutMs: 10_000 });
      await vi.advanceTimersByTimeAsync(1);
      // Act
      subscription?.unsubscribe();
      await vi.advanceTimersByTimeAsync(10_000);
      const duringDrain = visibilityEntries().length;
      await vi.advanceTimersByTimeAsync(30_000);
      // Assess
      expect(duringDrain).toBeGreaterThanOrEqual(5);
      expect(visibilityEntries().length).toBe(duringDrain);
    });
  });

  describe('signal', () => {
    it('completes the stream when aborted; delivered messages can still be acked', async () => {
      // Prepare
      const controller = new AbortController();
      queue.push(apiMessage(1));
      const { messages, completed } = collect({ queueUrl, pollers: 3, signal: controller.signal });
      await vi.advanceTimersByTimeAsync(1);
      // Act
      controller.abort();
      await vi.advanceTimersByTimeAsync(1);
      const done = completed();
      const acked = messages[0]?.ack();
      await vi.advanceTimersByTimeAsync(1);
      await acked;
      // Assess
      expect(done).toBe(true);
      expect(queue.waiting).toBe(0);
      expect(deleteEntries()).toEqual([[{ Id: '0', ReceiptHandle: 'r1' }]]);
    });

    it('completes at once when the signal is already aborted', async () => {
      // Prepare
      const controller = new AbortController();
      controller.abort();
      // Act
      const { completed } = collect({ queueUrl, signal: controller.signal });
      await vi.advanceTimersByTimeAsync(1);
      // Assess
      expect(completed()).toBe(true);
      expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
    });
  });

  describe('FIFO', () => {
    it('emits the messages of a group in the order received', async () => {
      // Prepare
      const group = (i: number, g: string) =>
        apiMessage(i, {
          Attributes: { ApproximateReceiveCount: '1', MessageGroupId: g, SequenceNumber: String(i) },
        });
      queue.push(group(1, 'a'), group(2, 'b'), group(3, 'a'), group(4, 'a'), group(5, 'b'));
      queue.push(...range(6, 30).map((i) => group(i, i % 2 ? 'a' : 'b')));
      // Act
      const { messages } = collect({ queueUrl: `${queueUrl}.fifo`, pollers: 4, maxMessages: 3 });
      await vi.advanceTimersByTimeAsync(10);
      // Assess
      const byGroup = (g: string) =>
        messages.filter((m) => m.meta.messageGroupId === g).map((m) => Number(m.meta.sequenceNumber));
      expect(messages).toHaveLength(29);
      expect(byGroup('a')).toEqual([...byGroup('a')].sort((x, y) => x - y));
      expect(byGroup('b')).toEqual([...byGroup('b')].sort((x, y) => x - y));
    });
  });

  describe('json', () => {
    it('parses bodies; a parse failure goes to onError and is left for the DLQ by default', async () => {
      // Prepare
      const onError = vi.fn();
      queue.push(
        apiMessage(1, { Body: '{"a":1}' }),
        apiMessage(2, { Body: 'not json' }),
        apiMessage(3, { Body: '[2]' }),
      );
      // Act
      const { messages, errors } = collect<unknown>({
        queueUrl,
        pollers: 1,
        bodyFormat: 'json',
        maxInFlight: 2,
        onError,
      });
      await vi.advanceTimersByTimeAsync(100);
      // Assess
      expect(messages.map((m) => m.body)).toEqual([{ a: 1 }, [2]]);
      expect(errors).toEqual([]);
      expect(onError).toHaveBeenCalledTimes(1);
      const [error, context] = onError.mock.calls[0] as [TributaryError, unknown];
      expect(context).toEqual({ kind: 'parse', messageId: 'm2' });
      expect(error.code).toBe('SOURCE_FAILED');
      expect(error.message).not.toContain('not json');
      expect(error.hint).toMatch(/DLQ/);
      expect(visibilityEntries()).toEqual([]);
    });

    it('nacks a body that is not JSON with onParseFailure: nack', async () => {
      // Prepare
      queue.push(apiMessage(1, { Body: '{' }));
      // Act
      const { messages } = collect({ queueUrl, pollers: 1, bodyFormat: 'json', onParseFailure: 'nack' });
      await vi.advanceTimersByTimeAsync(100);
      // Assess
      expect(messages).toEqual([]);
      expect(visibilityEntries()).toEqual([[{ Id: '0', ReceiptHandle: 'r1', VisibilityTimeout: 0 }]]);
    });
  });

  describe('errors', () => {
    it('fails the stream with RESOURCE_NOT_FOUND and a hint when the queue does not exist', async () => {
      // Prepare
      sqs.on(ReceiveMessageCommand).rejects(
        new QueueDoesNotExist({
          message: 'The specified queue does not exist.',
          $metadata: { httpStatusCode: 400 },
        }),
      );
      // Act
      const { errors, messages } = collect({ queueUrl, pollers: 2 });
      await vi.advanceTimersByTimeAsync(1);
      // Assess
      expect(messages).toEqual([]);
      expect(errors).toHaveLength(1);
      const error = errors[0] as TributaryError;
      expect(error.code).toBe('RESOURCE_NOT_FOUND');
      expect(error.hint).toContain(queueUrl);
      expect(sqs.commandCalls(ReceiveMessageCommand).length).toBeLessThanOrEqual(2);
    });

    it('fails the stream with ACCESS_DENIED when access is denied', async () => {
      // Prepare
      sqs.on(ReceiveMessageCommand).rejects(
        new SQSServiceException({
          name: 'AccessDenied',
          $fault: 'client',
          message: 'User: x is not authorized to perform: sqs:receivemessage',
          $metadata: { httpStatusCode: 403 },
        }),
      );
      // Act
      const { errors } = collect({ queueUrl, pollers: 1 });
      await vi.advanceTimersByTimeAsync(1);
      // Assess
      expect((errors[0] as TributaryError).code).toBe('ACCESS_DENIED');
      expect((errors[0] as TributaryError).hint).toMatch(/sqs:receivemessage/);
    });

    it('retries transient receive errors with backoff and keeps the stream alive', async () => {
      // Prepare
      const onError = vi.fn();
      const unavailable = new SQSServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        message: 'try later',
        $metadata: { httpStatusCode: 503 },
      });
      queue.failNext(unavailable, unavailable);
      queue.push(apiMessage(1));
      // Act
      const { messages, errors } = collect({ queueUrl, pollers: 1, onError });
      await vi.advanceTimersByTimeAsync(30_000);
      // Assess
      expect(errors).toEqual([]);
      expect(messages.map((m) => m.id)).toEqual(['m1']);
      expect(onError).toHaveBeenCalledTimes(2);
      expect(onError.mock.calls[0]?.[1]).toEqual({ kind: 'receive' });
    });

    it('retries when credentials expired', async () => {
      // Prepare
      const expired = new SQSServiceException({
        name: 'ExpiredToken',
        $fault: 'client',
        message: 'The security token included in the request is expired',
        $metadata: { httpStatusCode: 403 },
      });
      queue.failNext(expired);
      queue.push(apiMessage(1));
      // Act
      const { messages, errors } = collect({ queueUrl, pollers: 1 });
      await vi.advanceTimersByTimeAsync(30_000);
      // Assess
      expect(errors).toEqual([]);
      expect(messages.map((m) => m.id)).toEqual(['m1']);
    });

    it('reports a throwing onError callback to the logger, not the stream', async () => {
      // Prepare
      queue.push(apiMessage(1, { Body: 'x' }), apiMessage(2, { Body: '1' }));
      // Act
      const { messages, errors } = collect({
        queueUrl,
        pollers: 1,
        bodyFormat: 'json',
        onError: () => {
          throw new Error('callback bug');
        },
      });
      await vi.advanceTimersByTimeAsync(10);
      // Assess
      expect(errors).toEqual([]);
      expect(messages.map((m) => m.body)).toEqual([1]);
    });
  });
});
