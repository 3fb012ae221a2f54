import type { Message, OutgoingMessage, Receipt, Sink, SinkStats } from '@tributary/stream';
import { createMessage, SinkWriteError, writeTo } from '@tributary/stream';
import { from, lastValueFrom, NEVER, Observable, Subject, throwError, toArray } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';

interface Tracked {
  message: Message<string, unknown>;
  events: string[];
}

function tracked(id: string, events: string[] = []): Tracked {
  const message = createMessage<string, unknown>({
    id,
    body: `body-${id}`,
    attributes: { tenant: { type: 'String', value: 'acme' } },
    meta: {},
    onAck: async () => {
      events.push(`ack:${id}`);
    },
    onNack: async (options) => {
      events.push(`nack:${id}:${(options.reason as Error | undefined)?.name ?? String(options.reason)}`);
    },
  });
  return { message, events };
}

/** A sink that answers each write through `answer` and records what it got. */
function fakeSink(
  answer: (message: OutgoingMessage<string>) => Promise<Receipt> = async (m) => ({
    sink: 'fake',
    id: `r-${m.id}`,
    attempts: 1,
  }),
) {
  const written: OutgoingMessage<string>[] = [];
  let active = 0;
  const stats = { maxActive: 0, flushes: 0 };
  const sink: Sink<string> & { written: typeof written; calls: typeof stats; flushGate?: Promise<void> } = {
    name: 'fake',
    written,
    calls: stats,
    async write(message) {
      written.push(message);
      active += 1;
      stats.maxActive = Math.max(stats.maxActive, active);
      try {
        return await answer(message);
      } finally {
        active -= 1;
      }
    },
    async flush() {
      stats.flushes += 1;
      await sink.flushGate;
    },
    close: async () => {},
    stats: (): SinkStats => ({
      written: 0,
      retried: 0,
      rejected: 0,
      batches: 0,
      bytes: 0,
      inFlight: 0,
      buffered: 0,
    }),
    [Symbol.asyncDispose]: async () => {},
  };
  return sink;
}

describe('writeTo', () => {
  it('completes after flush() on an empty source', async () => {
    // Prepare
    const sink = fakeSink();
    // Act
    const receipts = await lastValueFrom(
      from([] as Message<string, unknown>[]).pipe(writeTo(sink), toArray()),
    );
    // Assess
    expect(receipts).toEqual([]);
    expect(sink.calls.flushes).toBe(1);
  });

  it('writes body and attributes, acks after the receipt, then emits it', async () => {
    // Prepare
    const events: string[] = [];
    const { message } = tracked('m1', events);
    const sink = fakeSink(async (m) => {
      events.push(`write:${m.id}`);
      await Promise.resolve();
      events.push(`receipt:${m.id}`);
      return { sink: 'fake', id: 'r1', attempts: 1, messageId: m.id };
    });
    // Act
    const receipt = await new Promise<Receipt>((resolve, reject) => {
      let last: Receipt | undefined;
      from([message])
        .pipe(writeTo(sink))
        .subscribe({
          next: (r) => {
            events.push('emitted');
            last = r;
          },
          error: reject,
          complete: () => (last ? resolve(last) : reject(new Error('no receipt'))),
        });
    });
    // Assess
    expect(receipt).toEqual({ sink: 'fake', id: 'r1', attempts: 1, messageId: 'm1' });
    expect(sink.written[0]).toEqual({
      body: 'body-m1',
      attributes: { tenant: { type: 'String', value: 'acme' } },
      id: 'm1',
    });
    expect(events).toEqual(['write:m1', 'receipt:m1', 'ack:m1', 'emitted']);
  });

  it('writes many with at most `concurrency` writes at once', async () => {
    // Prepare
    const events: string[] = [];
    const messages = Array.from({ length: 20 }, (_, i) => tracked(`m${i}`, events).message);
    const sink = fakeSink(async (m) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return { sink: 'fake', id: `r-${m.id}`, attempts: 1 };
    });
    // Act
    const receipts = await lastValueFrom(from(messages).pipe(writeTo(sink, { concurrency: 3 }), toArray()));
    // Assess
    expect(receipts.map((r) => r.id).sort()).toEqual(messages.map((m) => `r-${m.id}`).sort());
    expect(sink.calls.maxActive).toBe(3);
    expect(events.filter((e) => e.startsWith('ack:'))).toHaveLength(20);
  });

  it("defaults its concurrency to the sink's writeConcurrency", async () => {
    // Prepare
    const messages = Array.from({ length: 30 }, (_, i) => tracked(`m${i}`).message);
    const sink = Object.assign(
      fakeSink(async (m) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return { sink: 'fake', id: `r-${m.id}`, attempts: 1 };
      }),
      { writeConcurrency: 7 },
    );
    // Act
    await lastValueFrom(from(messages).pipe(writeTo(sink), toArray()));
    // Assess
    expect(sink.calls.maxActive).toBe(7);
  });

  it('flushes once every message is handed over, for receipts that wait for a flush (an S3 object)', async () => {
    // Prepare: receipts resolve only when flush() runs, like an S3 object that completes on flush
    const events: string[] = [];
    const messages = Array.from({ length: 5 }, (_, i) => tracked(`m${i}`, events).message);
    const pending: (() => void)[] = [];
    const sink = fakeSink(
      (m) =>
        new Promise<Receipt>((resolve) => {
          pending.push(() => resolve({ sink: 'fake', id: `r-${m.id}`, attempts: 1 }));
        }),
    );
    sink.flush = async () => {
      sink.calls.flushes += 1;
      for (const release of pending.splice(0)) release();
    };
    // Act
    const receipts = await lastValueFrom(
      from(messages).pipe(writeTo(sink, { concurrency: Number.POSITIVE_INFINITY }), toArray()),
    );
    // Assess
    expect(receipts).toHaveLength(5);
    expect(events.filter((e) => e.startsWith('ack:'))).toHaveLength(5);
    expect(sink.calls.flushes).toBe(1);
  });

  it('nacks a rejected message with the error and goes on', async () => {
    // Prepare
    const events: string[] = [];
    const messages = ['a', 'b', 'c'].map((id) => tracked(id, events).message);
    const sink = fakeSink(async (m) => {
      if (m.id === 'b')
        throw new SinkWriteError('rejected', { sink: 'fake', attempts: 1, awsErrorCode: 'Bad' });
      return { sink: 'fake', id: `r-${m.id}`, attempts: 1 };
    });
    // Act
    const receipts = await lastValueFrom(from(messages).pipe(writeTo(sink), toArray()));
    // Assess
    expect(receipts.map((r) => r.id)).toEqual(['r-a', 'r-c']);
    expect(events.sort()).toEqual(['ack:a', 'ack:c', 'nack:b:SinkWriteError']);
  });

  it('nacks a message whose write() throws synchronously', async () => {
    // Prepare
    const events: string[] = [];
    const sink = fakeSink();
    sink.write = () => {
      throw new Error('sync failure');
    };
    // Act
    const receipts = await lastValueFrom(from([tracked('a', events).message]).pipe(writeTo(sink), toArray()));
    // Assess
    expect(receipts).toEqual([]);
    expect(events).toEqual(['nack:a:Error']);
  });

  it('completes only after sink.flush() resolves', async () => {
    // Prepare
    let openGate: () => void = () => {};
    const sink = fakeSink();
    sink.flushGate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const complete = vi.fn();
    // Act
    from([tracked('a').message])
      .pipe(writeTo(sink))
      .subscribe({ complete });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const completedBeforeFlush = complete.mock.calls.length;
    openGate();
    await new Promise((resolve) => setTimeout(resolve, 0));
    // Assess
    expect(sink.calls.flushes).toBe(1);
    expect(completedBeforeFlush).toBe(0);
    expect(complete).toHaveBeenCalledTimes(1);
  });

  it('stops taking messages on unsubscribe and nacks those taken but not written', async () => {
    // Prepare
    const events: string[] = [];
    const source = new Subject<Message<string, unknown>>();
    const release: (() => void)[] = [];
    const sink = fakeSink(async (m) => {
      await new Promise<void>((resolve) => release.push(resolve));
      return { sink: 'fake', id: `r-${m.id}`, attempts: 1 };
    });
    const subscription = source.pipe(writeTo(sink, { concurrency: 1 })).subscribe();
    source.next(tracked('a', events).message);
    source.next(tracked('b', events).message);
    // Act
    subscription.unsubscribe();
    source.next(tracked('c', events).message);
    release[0]?.();
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Assess
    expect(source.observed).toBe(false);
    expect(sink.written.map((m) => m.id)).toEqual(['a']);
    expect(events.sort()).toEqual(['ack:a', 'nack:b:writeTo unsubscribed']);
  });

  it('passes a source error on', async () => {
    // Prepare
    const failure = new Error('source broke');
    const sink = fakeSink();
    // Act
    const result = lastValueFrom(throwError(() => failure).pipe(writeTo(sink)));
    // Assess
    await expect(result).rejects.toBe(failure);
    expect(sink.calls.flushes).toBe(0);
  });

  it('errors the stream when ack() fails', async () => {
    // Prepare
    const ackFailure = new Error('delete failed');
    const message = createMessage<string, unknown>({
      id: 'a',
      body: 'x',
      meta: {},
      onAck: async () => Promise.reject(ackFailure),
      onNack: async () => {},
    });
    // Act
    const result = lastValueFrom(
      new Observable<Message<string, unknown>>((s) => s.next(message)).pipe(writeTo(fakeSink())),
    );
    // Assess
    await expect(result).rejects.toBe(ackFailure);
  });

  it('keeps running on a never-ending source', async () => {
    // Prepare
    const sink = fakeSink();
    const next = vi.fn();
    // Act
    const subscription = NEVER.pipe(writeTo(sink)).subscribe({ next });
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Assess
    expect(subscription.closed).toBe(false);
    expect(sink.calls.flushes).toBe(0);
    subscription.unsubscribe();
  });

  it('rejects an invalid concurrency', () => {
    // Act / Assess
    expect(() => writeTo(fakeSink(), { concurrency: 0 })).toThrow(RangeError);
  });
});
