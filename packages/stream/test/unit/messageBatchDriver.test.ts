import {
  type BatchAnswer,
  type MessageBatchEntry,
  messageBatchDriver,
  messageBatchLimits,
} from '@tributary/stream';
import { describe, expect, it, vi } from 'vitest';

interface TestEntry extends MessageBatchEntry {
  readonly Body: string;
  readonly Delay: number | undefined;
}

interface TestRequestEntry {
  readonly Id: string;
  readonly Body: string;
  readonly Delay: number | undefined;
}

const signal = new AbortController().signal;

/** A driver over a fake service that answers with `answer` and records what it was sent. */
function testDriver(fifo: boolean, answer: BatchAnswer = {}) {
  const sent: TestRequestEntry[][] = [];
  const driver = messageBatchDriver<string, TestEntry, TestRequestEntry>({
    service: 'test',
    limits: messageBatchLimits(100),
    fifo,
    transientCodes: new Set(['SlowDown']),
    prepare: (message) => ({
      Body: message.body,
      Delay: undefined,
      MessageGroupId: fifo ? `g-${message.body}` : undefined,
      MessageDeduplicationId: undefined,
      size: message.body.length,
    }),
    requestEntry: (entry, Id) => ({ Id, Body: entry.Body, Delay: entry.Delay }),
    send: async (entries) => {
      sent.push(entries);
      return answer;
    },
  });
  return { driver, sent };
}

describe('messageBatchLimits', () => {
  it('allows 10 entries and as many bytes per request as per message, frozen', () => {
    // Act
    const limits = messageBatchLimits(262_144);
    // Assess
    expect(limits).toEqual({ maxBatchEntries: 10, maxBatchBytes: 262_144, maxEntryBytes: 262_144 });
    expect(Object.isFrozen(limits)).toBe(true);
  });
});

describe('messageBatchDriver', () => {
  it('sends the request entry of each entry with its index as Id, and maps the answer by Id', async () => {
    // Prepare
    const { driver, sent } = testDriver(false, {
      Successful: [{ Id: '1', MessageId: 'm1' }],
      Failed: [
        { Id: '0', Code: 'SlowDown', SenderFault: true, Message: 'slow' },
        { Id: '2', Code: 'Invalid', SenderFault: true, Message: 'no' },
      ],
    });
    const entries = ['a', 'b', 'c'].map((body) => driver.prepare({ body }));
    // Act
    const outcomes = await driver.sendBatch(entries, signal);
    // Assess
    expect(sent).toEqual([
      [
        { Id: '0', Body: 'a' },
        { Id: '1', Body: 'b' },
        { Id: '2', Body: 'c' },
      ],
    ]);
    expect(outcomes).toEqual([
      { status: 'retryable', code: 'SlowDown', message: 'slow' },
      { status: 'ok', id: 'm1' },
      { status: 'fatal', code: 'Invalid', message: 'no' },
    ]);
  });

  it('sends a retried entry under its new index and leaves the earlier request as it was sent', async () => {
    // Prepare
    const { driver, sent } = testDriver(false);
    const [a, b] = ['a', 'b'].map((body) => driver.prepare({ body })) as [TestEntry, TestEntry];
    // Act
    await driver.sendBatch([a, b], signal);
    await driver.sendBatch([b], signal);
    // Assess
    expect(sent).toEqual([
      [
        { Id: '0', Body: 'a' },
        { Id: '1', Body: 'b' },
      ],
      [{ Id: '0', Body: 'b' }],
    ]);
  });

  it('sizes an entry by its size and orders by group id on FIFO targets only', () => {
    // Prepare
    const standard = testDriver(false).driver;
    const fifo = testDriver(true).driver;
    // Act
    const entry = fifo.prepare({ body: 'abc' });
    // Assess
    expect(fifo.entrySize(entry)).toBe(3);
    expect(fifo.orderingKey?.(entry)).toBe('g-abc');
    expect(standard.orderingKey?.(standard.prepare({ body: 'abc' }))).toBeUndefined();
    expect(fifo).toMatchObject({ service: 'test', limits: { maxEntryBytes: 100 } });
  });

  it("passes start through with the writer's signal, and has none when the service needs none", async () => {
    // Prepare
    const start = vi.fn(async () => ({ maxEntryBytes: 50 }));
    const withStart = messageBatchDriver<string, TestEntry, TestRequestEntry>({
      service: 'test',
      limits: messageBatchLimits(100),
      fifo: false,
      start,
      prepare: () => {
        throw new Error('not used');
      },
      requestEntry: () => {
        throw new Error('not used');
      },
      send: async () => ({}),
    });
    // Act
    const limits = await withStart.start?.(signal);
    // Assess
    expect(limits).toEqual({ maxEntryBytes: 50 });
    expect(start).toHaveBeenCalledWith(signal);
    expect(testDriver(false).driver.start).toBeUndefined();
  });

  it('lets a failed request propagate for the writer to classify', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const driver = messageBatchDriver<string, TestEntry, TestRequestEntry>({
      service: 'test',
      limits: messageBatchLimits(100),
      fifo: false,
      prepare: (message) => ({
        Body: message.body,
        Delay: 1,
        MessageGroupId: undefined,
        MessageDeduplicationId: undefined,
        size: 1,
      }),
      requestEntry: (entry, Id) => ({ Id, Body: entry.Body, Delay: entry.Delay }),
      send: () => Promise.reject(throttled),
    });
    // Act
    const act = driver.sendBatch([driver.prepare({ body: 'a' })], signal);
    // Assess
    await expect(act).rejects.toBe(throttled);
  });
});
