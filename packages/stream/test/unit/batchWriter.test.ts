import { TributaryError } from '@tributary/connection';
import { createBatchWriter, SinkWriteError } from '@tributary/stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type FakeEntry,
  fakeDriver,
  ok,
  type Respond,
  settled,
  throttlingError,
  validationError,
} from './fakeDriver.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const bodies = (entries: readonly FakeEntry[]): string[] => entries.map((e) => e.body);

describe('createBatchWriter batching', () => {
  it('sends a batch at once when it is full by count, and the rest after lingerMs', async () => {
    // Prepare
    const driver = fakeDriver({ limits: { maxBatchEntries: 3 } });
    const writer = createBatchWriter(driver, { name: 'test', lingerMs: 20 });
    // Act
    const writes = ['a', 'b', 'c', 'd'].map((body) => writer.write({ body }));
    // Assess
    expect(driver.calls.map(bodies)).toEqual([['a', 'b', 'c']]);
    await vi.advanceTimersByTimeAsync(19);
    expect(driver.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(driver.calls.map(bodies)).toEqual([['a', 'b', 'c'], ['d']]);
    const receipts = await Promise.all(writes);
    expect(receipts.map((r) => r.id)).toEqual(['id-a', 'id-b', 'id-c', 'id-d']);
    expect(receipts[0]).toEqual({ sink: 'test', id: 'id-a', attempts: 1 });
  });

  it('gives a receipt messageId and details only when there are some: no keys holding undefined', async () => {
    // Prepare
    const driver = fakeDriver({
      respond: (entries) =>
        entries.map((e) => (e.body === 'b' ? { status: 'ok', id: 'x', details: { ShardId: 's-1' } } : ok(e))),
    });
    const writer = createBatchWriter(driver, { name: 'test', lingerMs: 0 });
    // Act
    const [plain, detailed, named] = await Promise.all([
      writer.write({ body: 'a' }),
      writer.write({ body: 'b' }),
      writer.write({ body: 'c', id: 'caller-c' }),
    ]);
    // Assess
    expect(Object.keys(plain ?? {})).toEqual(['sink', 'id', 'attempts']);
    expect(Object.entries(detailed ?? {})).toEqual([
      ['sink', 'test'],
      ['id', 'x'],
      ['attempts', 1],
      ['details', { ShardId: 's-1' }],
    ]);
    expect(JSON.parse(JSON.stringify(named))).toEqual({
      sink: 'test',
      id: 'id-caller-c',
      attempts: 1,
      messageId: 'caller-c',
    });
    expect(Object.keys(named ?? {})).toEqual(['sink', 'id', 'attempts', 'messageId']);
  });

  it('sends exactly maxBatchBytes in one batch, and splits one byte over into two', async () => {
    // Prepare
    const exact = fakeDriver({ limits: { maxBatchBytes: 10 } });
    const over = fakeDriver({ limits: { maxBatchBytes: 10 } });
    const exactWriter = createBatchWriter(exact, { name: 'exact' });
    const overWriter = createBatchWriter(over, { name: 'over' });
    // Act
    const a = [exactWriter.write({ body: '12345' }), exactWriter.write({ body: '67890' })];
    const b = [overWriter.write({ body: '12345' }), overWriter.write({ body: '678901' })];
    // Assess
    expect(exact.calls.map(bodies)).toEqual([['12345', '67890']]);
    expect(over.calls.map(bodies)).toEqual([['12345']]);
    await overWriter.flush();
    expect(over.calls.map(bodies)).toEqual([['12345'], ['678901']]);
    await expect(Promise.all([...a, ...b])).resolves.toHaveLength(4);
  });

  it('rejects an entry one byte over maxEntryBytes alone, before sending', async () => {
    // Prepare
    const driver = fakeDriver({ limits: { maxEntryBytes: 5 } });
    const writer = createBatchWriter(driver, { name: 'test' });
    // Act
    const fits = writer.write({ body: '12345' });
    const tooBig = writer.write({ body: '123456' });
    await writer.flush();
    // Assess
    await expect(fits).resolves.toMatchObject({ id: 'id-12345' });
    const error = await tooBig.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkWriteError);
    expect(error).toMatchObject({
      code: 'WRITE_REJECTED',
      details: { sink: 'test', attempts: 0, reason: 'ENTRY_TOO_LARGE' },
    });
    expect((error as Error).message).toContain('6 bytes');
    expect((error as Error).message).toContain('limit of 5 bytes');
    expect(driver.calls.map(bodies)).toEqual([['12345']]);
    expect(writer.stats()).toMatchObject({ written: 1, rejected: 1 });
  });

  it("counts multi-byte UTF-8 by the driver's size function", async () => {
    // Prepare
    const driver = fakeDriver({ limits: { maxBatchBytes: 4 } });
    const writer = createBatchWriter(driver, { name: 'test' });
    // Act: 'éé' is 2 characters but 4 bytes
    const writes = [writer.write({ body: 'éé' }), writer.write({ body: 'a' })];
    await writer.flush();
    // Assess
    expect(driver.calls.map(bodies)).toEqual([['éé'], ['a']]);
    await Promise.all(writes);
    expect(writer.stats().bytes).toBe(5);
  });

  it('waits lingerMs for the oldest entry, not the newest', async () => {
    // Prepare
    const driver = fakeDriver();
    const writer = createBatchWriter(driver, { name: 'test', lingerMs: 50 });
    // Act
    const first = writer.write({ body: 'a' });
    await vi.advanceTimersByTimeAsync(30);
    const second = writer.write({ body: 'b' });
    await vi.advanceTimersByTimeAsync(19);
    const before = driver.calls.length;
    await vi.advanceTimersByTimeAsync(1);
    // Assess
    expect(before).toBe(0);
    expect(driver.calls.map(bodies)).toEqual([['a', 'b']]);
    await Promise.all([first, second]);
  });

  it('never lets an entry written behind a held key linger longer than lingerMs', async () => {
    // Prepare: k1's first entry stays in flight, so a second k1 entry waits in the queue while a k2 entry is
    // written behind it.
    const driver = fakeDriver({ manual: true });
    const writer = createBatchWriter(driver, { name: 'test', lingerMs: 20, ordered: true });
    const key = (k: string) => ({ attributes: { key: k } });
    const a = writer.write({ body: 'a', ...key('k1') });
    await vi.advanceTimersByTimeAsync(20);
    await vi.advanceTimersByTimeAsync(5);
    const b = writer.write({ body: 'b', ...key('k1') });
    await vi.advanceTimersByTimeAsync(5);
    // Act: c is written at 30 ms, so it is due by 50 ms at the latest.
    const c = writer.write({ body: 'c', ...key('k2') });
    await vi.advanceTimersByTimeAsync(20);
    // Assess
    expect(driver.calls.map(bodies)).toEqual([['a'], ['c']]);
    // a and c answered, b goes out (k1 is free again) and is answered too.
    for (const release of driver.release.splice(0)) release();
    await vi.advanceTimersByTimeAsync(20);
    for (const release of driver.release.splice(0)) release();
    await Promise.all([a, b, c]);
    expect(driver.calls.map(bodies)).toEqual([['a'], ['c'], ['b']]);
  });

  it('sends at once with lingerMs 0 and on flush()', async () => {
    // Prepare
    const driver = fakeDriver();
    const eager = createBatchWriter(driver, { name: 'eager', lingerMs: 0 });
    const lazyDriver = fakeDriver();
    const lazy = createBatchWriter(lazyDriver, { name: 'lazy', lingerMs: 60_000 });
    // Act
    const a = eager.write({ body: 'a' });
    const b = lazy.write({ body: 'b' });
    const flushed = settled(lazy.flush());
    await vi.advanceTimersByTimeAsync(0);
    // Assess
    expect(driver.calls).toHaveLength(1);
    expect(lazyDriver.calls).toHaveLength(1);
    expect(flushed.done).toBe(true);
    await Promise.all([a, b]);
  });
});

describe('createBatchWriter options', () => {
  it('rejects maxBatchEntries above the driver limit with a ConfigError naming the field', () => {
    // Prepare
    const driver = fakeDriver({ limits: { maxBatchEntries: 10 } });
    // Act
    const act = () => createBatchWriter(driver, { name: 'test', maxBatchEntries: 11 });
    // Assess
    expect(act).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', name: 'ConfigError' }));
    expect(act).toThrow(/\/maxBatchEntries: must be at most 10 \(fake limit\), got 11/);
  });

  it('rejects unknown and invalid options', () => {
    // Prepare
    const driver = fakeDriver();
    // Act
    const act = () =>
      createBatchWriter(driver, { name: 'test', lingerMs: -1, bogus: 1 } as unknown as { name: string });
    // Assess
    expect(act).toThrow(/\/lingerMs/);
    expect(act).toThrow(/bogus/);
  });

  it('uses smaller maxBatchEntries / maxBatchBytes than the driver limits', async () => {
    // Prepare
    const driver = fakeDriver();
    const writer = createBatchWriter(driver, { name: 'test', maxBatchEntries: 2, maxBatchBytes: 100 });
    // Act
    const writes = ['a', 'b', 'c'].map((body) => writer.write({ body }));
    await writer.flush();
    // Assess
    expect(driver.calls.map(bodies)).toEqual([['a', 'b'], ['c']]);
    expect(writer.limits()).toEqual({ maxBatchEntries: 2, maxBatchBytes: 100, maxEntryBytes: 1000 });
    await Promise.all(writes);
  });
});

describe('createBatchWriter start', () => {
  it('runs start() once before the first send and applies its limits', async () => {
    // Prepare
    const start = vi.fn(async () => ({ maxEntryBytes: 3, maxBatchEntries: 2 }));
    const driver = fakeDriver({ start });
    const writer = createBatchWriter(driver, { name: 'test' });
    // Act
    const writes = ['a', 'b', 'c', 'toolong'].map((body) => settled(writer.write({ body })));
    await writer.flush();
    const later = settled(writer.write({ body: 'abcd' }));
    await writer.flush();
    // Assess
    expect(start).toHaveBeenCalledTimes(1);
    expect(driver.calls.map(bodies)).toEqual([['a', 'b'], ['c']]);
    expect(writes.map((w) => w.done)).toEqual([true, true, true, true]);
    expect(writes[3]?.error).toMatchObject({ details: { reason: 'ENTRY_TOO_LARGE' } });
    expect(later.error).toMatchObject({ details: { reason: 'ENTRY_TOO_LARGE' } });
  });

  it('rejects every pending and future write with the error start() threw', async () => {
    // Prepare
    const failure = new Error('queue does not exist');
    const driver = fakeDriver({ start: async () => Promise.reject(failure) });
    const writer = createBatchWriter(driver, { name: 'test' });
    // Act
    const pending = writer.write({ body: 'a' });
    const pendingError = await pending.catch((e: unknown) => e);
    const futureError = await writer.write({ body: 'b' }).catch((e: unknown) => e);
    // Assess
    expect(pendingError).toBe(failure);
    expect(futureError).toBe(failure);
    expect(driver.calls).toHaveLength(0);
  });
});

describe('createBatchWriter failures and retries', () => {
  it('resolves ok entries, rejects the fatal one and resends only the retryable one', async () => {
    // Prepare
    const responses: Respond[] = [
      (entries) => [
        ok(entries[0] as FakeEntry),
        { status: 'retryable', code: 'ServiceUnavailable', message: 'try again' },
        { status: 'fatal', code: 'InvalidParameterValue', message: 'bad attribute' },
      ],
      (entries) => entries.map(ok),
    ];
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const driver = fakeDriver({
      respond: (entries, call) => (responses[call - 1] as Respond)(entries, call),
    });
    const writer = createBatchWriter(driver, { name: 'test', logger });
    // Act
    const [a, b, c] = ['secret-a', 'secret-b', 'secret-c'].map((body) => settled(writer.write({ body })));
    const flushed = writer.flush();
    await vi.advanceTimersByTimeAsync(1_000);
    await flushed;
    // Assess
    expect(driver.calls.map(bodies)).toEqual([['secret-a', 'secret-b', 'secret-c'], ['secret-b']]);
    expect(a?.value).toMatchObject({ id: 'id-secret-a', attempts: 1 });
    expect(b?.value).toMatchObject({ id: 'id-secret-b', attempts: 2 });
    expect(c?.error).toBeInstanceOf(SinkWriteError);
    expect(c?.error).toMatchObject({
      code: 'WRITE_REJECTED',
      details: { awsErrorCode: 'InvalidParameterValue', attempts: 1, sink: 'test' },
    });
    expect(writer.stats()).toMatchObject({ written: 2, rejected: 1, retried: 1, batches: 2 });
    expect(logger.warn).toHaveBeenCalledWith('fake.batch.partialFailure', {
      sink: 'test',
      total: 3,
      failed: 2,
      retrying: 1,
      rejected: 1,
      codes: 'ServiceUnavailable,InvalidParameterValue',
    });
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain('secret-');
  });

  it('maps outcomes to the entries of their own request when requests finish out of order', async () => {
    // Prepare
    const driver = fakeDriver({ manual: true, limits: { maxBatchEntries: 2 } });
    const writer = createBatchWriter(driver, { name: 'test', maxConcurrency: 2 });
    // Act
    const writes = ['a', 'b', 'c', 'd'].map((body) => writer.write({ body }));
    driver.release[1]?.();
    await vi.advanceTimersByTimeAsync(0);
    driver.release[0]?.();
    const receipts = await Promise.all(writes);
    // Assess
    expect(receipts.map((r) => r.id)).toEqual(['id-a', 'id-b', 'id-c', 'id-d']);
  });

  it('survives a throttling storm: nothing lost, retried counted, delays within full-jitter bounds', async () => {
    // Prepare
    const failures = 5;
    const sentAt: number[] = [];
    const driver = fakeDriver({
      limits: { maxBatchEntries: 10 },
      onSend: () => sentAt.push(Date.now()),
      respond: (entries, call) => {
        if (call <= failures) throw throttlingError();
        return entries.map(ok);
      },
    });
    const writer = createBatchWriter(driver, {
      name: 'test',
      lingerMs: 5,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      maxAttempts: 8,
    });
    // Act
    const writes = Array.from({ length: 10 }, (_, i) => writer.write({ body: `m${i}` }));
    const flushed = writer.flush();
    await vi.advanceTimersByTimeAsync(10_000);
    await flushed;
    const receipts = await Promise.all(writes);
    // Assess
    expect(receipts).toHaveLength(10);
    expect(receipts.every((r) => r.attempts === failures + 1)).toBe(true);
    expect(driver.calls).toHaveLength(failures + 1);
    expect(writer.stats()).toMatchObject({ written: 10, retried: 10 * failures, rejected: 0, buffered: 0 });
    for (let attempt = 1; attempt <= failures; attempt += 1) {
      const delay = (sentAt[attempt] as number) - (sentAt[attempt - 1] as number);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(1000, 100 * 2 ** (attempt - 1)));
    }
  });

  it('uses the upper full-jitter bound when random() is close to 1', async () => {
    // Prepare
    vi.spyOn(Math, 'random').mockReturnValue(0.9999);
    const sentAt: number[] = [];
    const driver = fakeDriver({
      onSend: () => sentAt.push(Date.now()),
      respond: (entries, call) => {
        if (call <= 3) throw throttlingError();
        return entries.map(ok);
      },
    });
    const writer = createBatchWriter(driver, {
      name: 'test',
      lingerMs: 0,
      baseDelayMs: 100,
      maxDelayMs: 250,
    });
    // Act
    const write = writer.write({ body: 'a' });
    await vi.advanceTimersByTimeAsync(5_000);
    await write;
    // Assess: 100 * 0.9999, 200 * 0.9999, min(250, 400) * 0.9999, floored
    expect(sentAt.slice(1).map((t, i) => t - (sentAt[i] as number))).toEqual([99, 199, 249]);
  });

  it('rejects an entry out of attempts with its last AWS error code', async () => {
    // Prepare
    const driver = fakeDriver({
      respond: (entries) =>
        entries.map(() => ({
          status: 'retryable',
          code: 'ProvisionedThroughputExceededException',
          message: 'slow down',
        })),
    });
    const writer = createBatchWriter(driver, { name: 'test', maxAttempts: 3, baseDelayMs: 10, lingerMs: 0 });
    // Act
    const write = settled(writer.write({ body: 'a' }));
    await vi.advanceTimersByTimeAsync(1_000);
    // Assess
    expect(driver.calls).toHaveLength(3);
    expect(write.error).toBeInstanceOf(SinkWriteError);
    expect(write.error).toMatchObject({
      details: { awsErrorCode: 'ProvisionedThroughputExceededException', attempts: 3 },
    });
    expect((write.error as Error).message).toContain('after 3 attempt(s)');
  });

  it('rejects every entry of a batch whose request failed with a non-retryable error', async () => {
    // Prepare
    const driver = fakeDriver({ respond: () => Promise.reject(validationError()) as never });
    const driverThrowing = fakeDriver({
      respond: () => {
        throw validationError();
      },
    });
    const writer = createBatchWriter(driverThrowing, { name: 'test' });
    const asyncWriter = createBatchWriter(driver, { name: 'async' });
    // Act
    const writes = ['a', 'b'].map((body) => writer.write({ body }).catch((e: unknown) => e));
    const asyncWrites = ['c', 'd'].map((body) => asyncWriter.write({ body }).catch((e: unknown) => e));
    await vi.advanceTimersByTimeAsync(20);
    const errors = await Promise.all([...writes, ...asyncWrites]);
    // Assess
    expect(driver.calls).toHaveLength(1);
    expect(driverThrowing.calls).toHaveLength(1);
    for (const error of errors) {
      expect(error).toBeInstanceOf(SinkWriteError);
      expect(error).toMatchObject({ details: { awsErrorCode: 'ValidationException', attempts: 1 } });
      expect((error as Error).cause).toMatchObject({ code: 'AWS_REQUEST_FAILED' });
    }
  });

  it('rejects a write whose prepare() throws, alone', async () => {
    // Prepare
    const driver = fakeDriver();
    driver.prepare = (message) => {
      if (message.body === 'bad') throw new Error('cannot encode');
      return { id: message.body, body: message.body, key: undefined };
    };
    const writer = createBatchWriter(driver, { name: 'test' });
    // Act
    const bad = writer.write({ body: 'bad' }).catch((e: unknown) => e);
    const good = writer.write({ body: 'good' });
    await writer.flush();
    // Assess
    expect(await bad).toMatchObject({
      code: 'WRITE_REJECTED',
      details: { reason: 'PREPARE_FAILED', attempts: 0 },
    });
    expect((await bad) as Error).toHaveProperty(
      'message',
      'Sink "test" could not prepare an entry: cannot encode',
    );
    await expect(good).resolves.toMatchObject({ id: 'id-good' });
    expect(driver.calls.map(bodies)).toEqual([['good']]);
  });

  it('keeps the reason and hint of a TributaryError thrown by prepare()', async () => {
    // Prepare
    const driver = fakeDriver();
    driver.prepare = () => {
      throw new TributaryError('WRITE_REJECTED', 'partition key too long', {
        details: { reason: 'PARTITION_KEY_INVALID' },
        hint: 'shorten it',
      });
    };
    const writer = createBatchWriter(driver, { name: 'test' });
    // Act
    const error = await writer.write({ body: 'x' }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(SinkWriteError);
    expect(error).toMatchObject({ details: { reason: 'PARTITION_KEY_INVALID' }, hint: 'shorten it' });
  });
});

describe('createBatchWriter flush, close and abort', () => {
  it('close() waits for pending retries, then rejects later writes with WRITER_CLOSED', async () => {
    // Prepare
    const driver = fakeDriver({
      respond: (entries, call) =>
        call === 1
          ? entries.map(() => ({ status: 'retryable', code: 'InternalError', message: '' }))
          : entries.map(ok),
    });
    const writer = createBatchWriter(driver, { name: 'test', baseDelayMs: 1000, maxDelayMs: 1000 });
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const write = settled(writer.write({ body: 'a' }));
    await vi.advanceTimersByTimeAsync(20);
    expect(writer.stats().buffered).toBe(1);
    // Act
    const closed = settled(writer.close());
    await vi.advanceTimersByTimeAsync(499);
    const closedEarly = closed.done;
    const lateWrite = await writer.write({ body: 'late' }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1);
    // Assess
    expect(closedEarly).toBe(false);
    expect(closed.done).toBe(true);
    expect(write.value).toMatchObject({ attempts: 2 });
    expect(lateWrite).toMatchObject({ code: 'WRITER_CLOSED' });
    expect(driver.calls.map(bodies)).toEqual([['a'], ['a']]);
  });

  it('close() is idempotent and [Symbol.asyncDispose] closes', async () => {
    // Prepare
    const driver = fakeDriver();
    const writer = createBatchWriter(driver, { name: 'test' });
    const write = writer.write({ body: 'a' });
    // Act
    const first = writer.close();
    const second = writer.close();
    await writer[Symbol.asyncDispose]();
    // Assess
    expect(second).toBe(first);
    await first;
    await expect(write).resolves.toMatchObject({ id: 'id-a' });
    expect(driver.calls).toHaveLength(1);
    await expect(writer.write({ body: 'b' })).rejects.toMatchObject({ code: 'WRITER_CLOSED' });
  });

  it('flush() waits only for entries written before it', async () => {
    // Prepare
    const driver = fakeDriver({ manual: true });
    const writer = createBatchWriter(driver, { name: 'test', lingerMs: 0, maxConcurrency: 2 });
    writer.write({ body: 'a' });
    // Act
    const flushed = settled(writer.flush());
    writer.write({ body: 'b' });
    driver.release[0]?.();
    await vi.advanceTimersByTimeAsync(0);
    // Assess
    expect(flushed.done).toBe(true);
    expect(writer.stats().inFlight).toBe(1);
    driver.release[1]?.();
    await writer.close();
  });

  it('leaves no timer behind once every write has an outcome', async () => {
    // Prepare
    const driver = fakeDriver({
      respond: (entries, call) =>
        call === 1
          ? entries.map(() => ({ status: 'retryable', code: 'InternalError', message: '' }))
          : entries.map(ok),
    });
    const writer = createBatchWriter(driver, { name: 'test' });
    const write = writer.write({ body: 'a' });
    const timersWhilePending = vi.getTimerCount();
    // Act
    await vi.advanceTimersByTimeAsync(10_000);
    await write;
    // Assess
    expect(timersWhilePending).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('works with its functions taken off the writer, and two writers keep their own state', async () => {
    // Prepare
    const driverA = fakeDriver();
    const driverB = fakeDriver();
    const { write, flush, close, stats, limits } = createBatchWriter(driverA, {
      name: 'a',
      maxBatchEntries: 5,
    });
    const other = createBatchWriter(driverB, { name: 'b' });
    // Act
    const receipts = Promise.all([write({ body: 'x' }), write({ body: 'y' })]);
    const otherReceipt = other.write({ body: 'z' });
    await flush();
    await other.flush();
    await close();
    // Assess
    expect((await receipts).map((r) => r.sink)).toEqual(['a', 'a']);
    await expect(otherReceipt).resolves.toMatchObject({ sink: 'b', id: 'id-z' });
    expect(driverA.calls.map(bodies)).toEqual([['x', 'y']]);
    expect(driverB.calls.map(bodies)).toEqual([['z']]);
    expect(stats()).toMatchObject({ written: 2, batches: 1 });
    expect(other.stats()).toMatchObject({ written: 1, batches: 1 });
    expect(limits().maxBatchEntries).toBe(5);
    await expect(write({ body: 'late' })).rejects.toMatchObject({ code: 'WRITER_CLOSED' });
    await other.close();
  });

  it('flush() on an idle writer resolves at once', async () => {
    // Prepare
    const writer = createBatchWriter(fakeDriver(), { name: 'test' });
    // Act / Assess
    await expect(writer.flush()).resolves.toBeUndefined();
  });

  it('aborting the signal rejects pending writes with ABORTED and sends nothing more', async () => {
    // Prepare
    const controller = new AbortController();
    const driver = fakeDriver({ manual: true, limits: { maxBatchEntries: 1 } });
    const writer = createBatchWriter(driver, { name: 'test', signal: controller.signal, maxConcurrency: 1 });
    const inFlight = writer.write({ body: 'a' }).catch((e: unknown) => e);
    const queued = writer.write({ body: 'b' }).catch((e: unknown) => e);
    // Act
    controller.abort();
    driver.release[0]?.();
    await vi.advanceTimersByTimeAsync(100);
    // Assess
    expect(await inFlight).toMatchObject({ code: 'ABORTED' });
    expect(await queued).toMatchObject({ code: 'ABORTED' });
    await expect(writer.write({ body: 'c' })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(driver.calls).toHaveLength(1);
    await expect(writer.close()).resolves.toBeUndefined();
  });
});

describe('createBatchWriter backpressure and concurrency', () => {
  it('never holds more than maxBufferedEntries, and every write completes', async () => {
    // Prepare
    const maxBufferedEntries = 25;
    let writerRef: { stats(): { buffered: number; inFlight: number } } | undefined;
    const samples: number[] = [];
    const sample = () => {
      const s = writerRef?.stats();
      if (s) samples.push(s.buffered + s.inFlight);
    };
    const driver = fakeDriver({
      latencyMs: 50,
      onSend: sample,
      respond: (entries, call) =>
        entries.map((e, i) =>
          (call + i) % 4 === 0 ? { status: 'retryable', code: 'InternalError', message: '' } : ok(e),
        ),
    });
    const writer = createBatchWriter(driver, {
      name: 'test',
      maxBufferedEntries,
      maxConcurrency: 2,
      baseDelayMs: 10,
      maxDelayMs: 50,
    });
    writerRef = writer;
    // Act
    const writes = Array.from({ length: 300 }, (_, i) => {
      const write = writer.write({ body: `m${i}` });
      sample();
      return write;
    });
    const all = Promise.all(writes);
    await vi.advanceTimersByTimeAsync(60_000);
    const receipts = await all;
    // Assess
    expect(receipts).toHaveLength(300);
    expect(new Set(receipts.map((r) => r.id)).size).toBe(300);
    expect(samples.length).toBeGreaterThan(300);
    expect(Math.max(...samples)).toBeLessThanOrEqual(maxBufferedEntries);
    expect(Math.max(...samples)).toBe(maxBufferedEntries);
    expect(driver.maxInFlight).toBeLessThanOrEqual(2);
    expect(writer.stats()).toMatchObject({ written: 300, buffered: 0, inFlight: 0 });
  });

  it('runs at most maxConcurrency requests at once', async () => {
    // Prepare
    const driver = fakeDriver({ latencyMs: 100, limits: { maxBatchEntries: 1 } });
    const writer = createBatchWriter(driver, { name: 'test', maxConcurrency: 3 });
    // Act
    const writes = Array.from({ length: 10 }, (_, i) => writer.write({ body: `m${i}` }));
    await vi.advanceTimersByTimeAsync(0);
    const inFlightNow = writer.stats().inFlight;
    await vi.advanceTimersByTimeAsync(1_000);
    await Promise.all(writes);
    // Assess
    expect(inFlightNow).toBe(3);
    expect(driver.maxInFlight).toBe(3);
    expect(driver.calls).toHaveLength(10);
  });

  it('a write signal aborts the wait for buffer room', async () => {
    // Prepare
    const driver = fakeDriver({ manual: true });
    const writer = createBatchWriter(driver, { name: 'test', maxBufferedEntries: 1, lingerMs: 0 });
    const first = writer.write({ body: 'a' });
    const controller = new AbortController();
    // Act
    const waiting = writer.write({ body: 'b' }, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    // Assess
    expect(await waiting).toMatchObject({ code: 'ABORTED' });
    driver.release[0]?.();
    await first;
    await writer.close();
    expect(driver.calls.map(bodies)).toEqual([['a']]);
  });
  it('frees buffer room before resolving a batch, so a write made on a receipt is admitted at once', async () => {
    // Prepare: room for one entry; the next write carries an already aborted signal, which only a write that
    // has to wait for room looks at.
    const driver = fakeDriver();
    const writer = createBatchWriter(driver, { name: 'test', maxBufferedEntries: 1, lingerMs: 0 });
    const aborted = AbortSignal.abort();
    // Act
    const second = writer.write({ body: 'a' }).then(() => writer.write({ body: 'b' }, { signal: aborted }));
    await vi.advanceTimersByTimeAsync(0);
    // Assess
    await expect(second).resolves.toMatchObject({ id: 'id-b' });
    await writer.close();
    expect(driver.calls.map(bodies)).toEqual([['a'], ['b']]);
  });
});

describe('createBatchWriter ordered mode', () => {
  it('keeps per-key write order at the driver with retries and concurrency > 1', async () => {
    // Prepare: the service fails an entry and (as SQS FIFO does) every later entry of its key in that request
    const keys = ['k1', 'k2', 'k3'];
    const accepted = new Map<string, number[]>(keys.map((k) => [k, []]));
    const violations: string[] = [];
    let random = 7;
    const nextRandom = () => {
      random = (random * 1103515245 + 12345) % 2147483648;
      return random / 2147483648;
    };
    const driver = fakeDriver({
      latencyMs: 5,
      limits: { maxBatchEntries: 4 },
      onSend: (entries) => {
        for (const key of keys) {
          const sent = entries.filter((e) => e.key === key).map((e) => Number(e.body));
          if (sent.length === 0) continue;
          const done = accepted.get(key) as number[];
          const expectedNext = done.length === 0 ? -1 : (done.at(-1) as number);
          const sorted = [...sent].sort((x, y) => x - y);
          if (sent.join() !== sorted.join()) violations.push(`${key}: out of order in one request ${sent}`);
          if ((sent[0] as number) <= expectedNext)
            violations.push(`${key}: ${sent[0]} after ${expectedNext}`);
        }
      },
      respond: (entries) => {
        const failedKeys = new Set<string>();
        return entries.map((entry) => {
          const key = entry.key as string;
          if (failedKeys.has(key) || nextRandom() < 0.3) {
            failedKeys.add(key);
            return { status: 'retryable', code: 'Throttled', message: '' };
          }
          accepted.get(key)?.push(Number(entry.body));
          return ok(entry);
        });
      },
    });
    const writer = createBatchWriter(driver, {
      name: 'test',
      ordered: true,
      maxConcurrency: 3,
      maxAttempts: 50,
      baseDelayMs: 5,
      maxDelayMs: 20,
    });
    // Act
    const written = new Map<string, number[]>(keys.map((k) => [k, []]));
    const writes = Array.from({ length: 90 }, (_, i) => {
      const key = keys[(i * 7) % 3] as string;
      written.get(key)?.push(i);
      return writer.write({ body: String(i), attributes: { key } });
    });
    const all = Promise.all(writes);
    await vi.advanceTimersByTimeAsync(60_000);
    await all;
    // Assess
    expect(violations).toEqual([]);
    expect(accepted).toEqual(written);
    expect(writer.stats().retried).toBeGreaterThan(0);
    expect(driver.maxInFlight).toBeGreaterThan(1);
  });

  it('never has two batches of one key in flight, and puts one entry per key in a batch', async () => {
    // Prepare
    const driver = fakeDriver({ manual: true, limits: { maxBatchEntries: 2 } });
    const writer = createBatchWriter(driver, { name: 'test', ordered: true, maxConcurrency: 4 });
    // Act
    const writes = ['1', '2', '3'].map((body) => writer.write({ body, attributes: { key: 'same' } }));
    const other = writer.write({ body: 'x', attributes: { key: 'other' } });
    await vi.advanceTimersByTimeAsync(100);
    const callsWhileFirstInFlight = driver.calls.map(bodies);
    driver.release[0]?.();
    await vi.advanceTimersByTimeAsync(100);
    const callsAfterFirst = driver.calls.map(bodies);
    driver.release[1]?.();
    await vi.advanceTimersByTimeAsync(100);
    driver.release[2]?.();
    await Promise.all([...writes, other]);
    // Assess
    expect(callsWhileFirstInFlight).toEqual([['1', 'x']]);
    expect(callsAfterFirst).toEqual([['1', 'x'], ['2']]);
    expect(driver.calls.map(bodies)).toEqual([['1', 'x'], ['2'], ['3']]);
  });

  it('batches several entries of a key when the driver says the service keeps their order', async () => {
    // Prepare
    const driver = fakeDriver({ manual: true, limits: { maxBatchEntries: 2 }, keepsKeyOrderInBatch: true });
    const writer = createBatchWriter(driver, { name: 'test', ordered: true, maxConcurrency: 4 });
    // Act
    const writes = ['1', '2', '3', '4'].map((body) => writer.write({ body, attributes: { key: 'same' } }));
    const other = writer.write({ body: 'x', attributes: { key: 'other' } });
    await vi.advanceTimersByTimeAsync(100);
    const callsWhileFirstInFlight = driver.calls.map(bodies);
    driver.release[0]?.();
    await vi.advanceTimersByTimeAsync(100);
    // Assess
    expect(callsWhileFirstInFlight).toEqual([['1', '2'], ['x']]);
    expect(driver.calls.map(bodies)).toEqual([['1', '2'], ['x'], ['3', '4']]);
    driver.release[1]?.();
    driver.release[2]?.();
    await Promise.all([...writes, other]);
  });
});
