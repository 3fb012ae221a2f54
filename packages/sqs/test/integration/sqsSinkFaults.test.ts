import type { Message as SqsMessage } from '@aws-sdk/client-sqs';
import { sqsSink } from '@tributary/sqs';
import { isBatchWrite, type LocalAws, startFaultProxy, startLocalAws } from '@tributary/testkit';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

let local: LocalAws;
beforeAll(async () => {
  local = await startLocalAws({ services: ['sqs'] });
});
afterAll(async () => {
  await local?.dispose();
});

/** Multi-byte text from a fixed seed, different per message. */
function bodyOf(seq: number): string {
  return `m-${seq}-${'äß€中'.repeat(seq % 7)}-${'x'.repeat(seq % 50)}`;
}

describe('sqsSink through injected faults', () => {
  it('loses nothing and rejects nothing when 20 % of its batch requests fail', async () => {
    onTestFailed(() => console.log(local.logTail('sqs')));
    // Prepare
    const count = local.backend === 'moto' ? 200 : 10_000;
    const queue = await local.createQueue();
    // 20 % of SendMessageBatch requests fail as a whole or in part: connection resets (before or after the
    // emulator saw the request), 500/503, RequestThrottled, or an answer rewritten to fail some entries.
    // A fifth of the requests also get 5..50 ms of latency.
    await using proxy = await startFaultProxy({
      target: local.endpoints.sqs as string,
      faults: {
        latencyMs: { rate: 0.2, minMs: 5, maxMs: 50 },
        reset: { rate: 0.05, when: 'either' },
        http5xx: { rate: 0.05, statuses: [500, 503] },
        throttle: { rate: 0.05 },
        failEntries: { rate: 0.05, entryRate: 0.5 },
      },
      only: isBatchWrite,
    });
    // No SDK retries: every failure reaches the sink's own entry retries.
    const aws = local.connection({
      name: 'ViaFaultProxy',
      endpoints: { ...local.endpoints, sqs: proxy.url },
      retry: { maxAttempts: 1 },
    });
    const sink = sqsSink(aws, {
      queueUrl: queue.url,
      // On moto (200 messages) single-entry batches make enough requests for every fault kind to occur.
      maxBatchEntries: local.backend === 'moto' ? 1 : 10,
      maxConcurrency: 8,
      maxAttempts: 15,
      baseDelayMs: 5,
      maxDelayMs: 200,
    });
    // Act
    const results = await Promise.allSettled(
      Array.from({ length: count }, (_, seq) => sink.write({ body: bodyOf(seq), attributes: { seq } })),
    );
    await sink.close();
    const received: SqsMessage[] = await local.drainQueue(queue.url, { expected: count, timeoutMs: 120_000 });
    received.push(...(await local.drainQueue(queue.url)));
    // Assess
    const stats = proxy.stats();
    console.log('sqsSink faults', JSON.stringify({ proxy: stats, sink: sink.stats() }));
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected.map((r) => String(r.reason)).slice(0, 5)).toEqual([]);
    const copies = new Map<number, number>();
    for (const m of received) {
      const seq = Number(m.MessageAttributes?.seq?.StringValue);
      expect(m.Body).toBe(bodyOf(seq));
      copies.set(seq, (copies.get(seq) ?? 0) + 1);
    }
    const missing = Array.from({ length: count }, (_, seq) => seq).filter((seq) => !copies.has(seq));
    expect(missing).toEqual([]);
    // A reset after forwarding delivered its batch but hid the answer: only those entries may arrive twice.
    const duplicates = [...copies.values()].reduce((n, c) => n + c - 1, 0);
    expect(duplicates).toBeLessThanOrEqual(10 * stats.resetAfterForward);
    // The faults did happen, and the sink retried through them.
    expect(stats.eligible).toBeGreaterThan(0);
    const faulted = stats.reset + stats.http5xx + stats.throttle + stats.failEntries;
    expect(faulted / stats.eligible).toBeGreaterThan(0.1);
    expect(stats.failedEntries).toBeGreaterThan(0);
    expect(sink.stats().retried).toBeGreaterThan(0);
  });
});
