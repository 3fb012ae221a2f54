import { eventBridgeSink } from '@tributary/eventbridge';
import { randomText, seededRandom, startLocalAws } from '@tributary/testkit';
import { describe, expect, it } from 'vitest';

interface Event {
  source: string;
  'detail-type': string;
  resources: string[];
  detail: { n: number; text: string };
}

/**
 * Volume: the EventBridge path runs on moto (rule -> SQS target). moto 5.2 with jsonpath-ng 1.8 rebuilds a
 * parser table for every event it delivers to a target (~0.2 s of CPU per event; measured 60 events in 38 s
 * on this shared 2-core machine), so 120 events keep this file under ~2 minutes; with that parser cached,
 * moto delivers ~250 events/s and 300+ would fit. Details are 1..300 bytes of random 1- to 4-byte UTF-8
 * text, and three are 200 KB: the event delivered to SQS carries the detail re-encoded as ASCII-escaped JSON
 * (up to 3x larger) plus the envelope, and SQS takes 1 MiB per message, so details at the 1 MB PutEvents
 * limit could not be read back (the exact entry limit is covered by the unit tests).
 */
const TOTAL = 120;

describe('eventBridgeSink against local EventBridge', () => {
  it('delivers every event exactly once with an identical detail', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['eventbridge', 'sqs'] });
    const bus = await local.createEventBus();
    const queue = await local.createQueue();
    await local.routeEventsToQueue(bus.name, queue, { source: ['tributary.test'] });
    const random = seededRandom(42);
    const bodies = Array.from({ length: TOTAL }, (_, n) => ({
      n,
      text: randomText(n % 40 === 3 ? 200_000 : 1 + Math.floor(random() * 300), { random }),
    }));
    const sink = eventBridgeSink<(typeof bodies)[number]>(local.connection(), {
      eventBusName: bus.arn,
      source: 'tributary.test',
      detailType: 'Numbered-${msg:n}',
      resources: ['arn:aws:s3:::bucket/${msg:n}'],
    });
    // Act
    const receipts = await Promise.all(bodies.map((body) => sink.write({ body })));
    await sink.close();
    const messages = await local.drainQueue(queue.url, { expected: TOTAL, timeoutMs: 60_000 });
    // Assess
    expect(new Set(receipts.map((r) => r.id)).size).toBe(TOTAL);
    expect(sink.stats()).toMatchObject({ written: TOTAL, rejected: 0 });
    const events = messages.map((m) => JSON.parse(m.Body as string) as Event);
    expect(events).toHaveLength(TOTAL);
    const byN = new Map(events.map((e) => [e.detail.n, e]));
    expect(byN.size).toBe(TOTAL);
    for (const body of bodies) {
      const event = byN.get(body.n);
      expect(event?.detail).toEqual(body);
      expect(event?.['detail-type']).toBe(`Numbered-${body.n}`);
      expect(event?.resources).toEqual([`arn:aws:s3:::bucket/${body.n}`]);
    }
  });

  it('rejects an event with malformed Detail alone and delivers the rest of its batch', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['eventbridge', 'sqs'] });
    const bus = await local.createEventBus();
    const queue = await local.createQueue();
    await local.routeEventsToQueue(bus.name, queue, { source: ['tributary.test'] });
    const sink = eventBridgeSink<string>(local.connection(), {
      eventBusName: bus.name,
      source: 'tributary.test',
      detailType: 'Raw',
      lingerMs: 200,
    });
    // Act
    const results = await Promise.allSettled(
      ['{"ok":1}', 'not json', '{"ok":2}'].map((body) => sink.write({ body })),
    );
    await sink.close();
    const messages = await local.drainQueue(queue.url, { expected: 2, timeoutMs: 10_000 });
    // Assess
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[1]).toMatchObject({ reason: { code: 'WRITE_REJECTED', details: { attempts: 1 } } });
    const details = messages.map((m) => (JSON.parse(m.Body as string) as { detail: unknown }).detail);
    expect(details).toEqual(expect.arrayContaining([{ ok: 1 }, { ok: 2 }]));
    expect(details).toHaveLength(2);
  });
});
