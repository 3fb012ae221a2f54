import { eventBridgeSink } from '@tributary/eventbridge';
import { isBatchWrite, randomText, seededRandom, startFaultProxy, startLocalAws } from '@tributary/testkit';
import { describe, expect, it } from 'vitest';

/**
 * 20 % of PutEvents requests are faulted (5 % each: connection reset before or after forwarding, HTTP 500/503,
 * a ThrottlingException for the whole request, and a rewritten answer failing chosen entries with
 * ThrottlingException and FailedEntryCount), and 20 % are delayed 50..300 ms. Volume: 80 events in batches
 * of 2 (~40+ requests, so faults occur), because moto delivers events to SQS targets slowly (see
 * eventBridgeSink.test.ts).
 */
const TOTAL = 80;

describe('eventBridgeSink through a faulty network', () => {
  it('loses nothing and rejects nothing with 20 % of requests faulted', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['eventbridge', 'sqs'] });
    const bus = await local.createEventBus();
    const queue = await local.createQueue();
    await local.routeEventsToQueue(bus.name, queue, { source: ['tributary.faults'] });
    await using proxy = await startFaultProxy({
      target: local.endpoints.eventbridge as string,
      seed: 5,
      faults: {
        latencyMs: { rate: 0.2, minMs: 50, maxMs: 300 },
        reset: { rate: 0.05, when: 'either' },
        http5xx: { rate: 0.05 },
        throttle: { rate: 0.05 },
        failEntries: { rate: 0.05, entryRate: 0.3 },
      },
      only: isBatchWrite,
    });
    const aws = local.connection({
      endpoints: { ...local.connectionConfig.endpoints, eventbridge: proxy.url },
    });
    const random = seededRandom(9);
    const bodies = Array.from({ length: TOTAL }, (_, n) => ({
      n,
      text: randomText(1 + Math.floor(random() * 400), { random }),
    }));
    const sink = eventBridgeSink<(typeof bodies)[number]>(aws, {
      eventBusName: bus.name,
      source: 'tributary.faults',
      detailType: 'Numbered',
      baseDelayMs: 20,
      maxDelayMs: 1_000,
      lingerMs: 5,
      maxBatchEntries: 2,
    });
    // Act
    const results = await Promise.allSettled(bodies.map((body) => sink.write({ body })));
    await sink.close();
    const stats = proxy.stats();
    const messages = await local.drainQueue(queue.url, { expected: TOTAL, timeoutMs: 30_000 });
    // Duplicated events count towards `expected`: read on until the queue is empty.
    messages.push(...(await local.drainQueue(queue.url, { timeoutMs: 5_000 })));
    // Assess
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(stats.failEntries + stats.throttle + stats.http5xx + stats.reset).toBeGreaterThan(0);
    const details = messages.map(
      (m) => (JSON.parse(m.Body as string) as { detail: (typeof bodies)[number] }).detail,
    );
    const byN = new Map(details.map((d) => [d.n, d]));
    expect(byN.size).toBe(TOTAL);
    for (const body of bodies) expect(byN.get(body.n)).toEqual(body);
    // Duplicates only from requests that took effect before their connection was reset.
    if (stats.resetAfterForward === 0) expect(details).toHaveLength(TOTAL);
  });
});
