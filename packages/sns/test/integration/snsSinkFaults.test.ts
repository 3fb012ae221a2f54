import type { Message as SqsMessage } from '@aws-sdk/client-sqs';
import { snsSink } from '@tributary/sns';
import { isBatchWrite, type LocalAws, startFaultProxy, startLocalAws } from '@tributary/testkit';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

let local: LocalAws;
beforeAll(async () => {
  local = await startLocalAws({ services: ['sns', 'sqs'] });
});
afterAll(async () => {
  await local?.dispose();
});

/** Multi-byte text, different per message. */
function bodyOf(seq: number): string {
  return `p-${seq}-${'äß€中'.repeat(seq % 7)}-${'y'.repeat(seq % 50)}`;
}

describe('snsSink through injected faults', () => {
  it('loses nothing and rejects nothing when 20 % of its batch requests fail', async () => {
    onTestFailed(() => console.log(local.logTail()));
    // Prepare
    const count = local.backend === 'moto' ? 200 : 10_000;
    const topic = await local.createTopic();
    const queue = await local.createQueue();
    await local.subscribeQueue(topic.arn, queue, { raw: true });
    // 20 % of PublishBatch requests fail as a whole or in part: connection resets (before or after the
    // emulator saw the request), 500/503, Throttling, or an answer rewritten to fail some entries.
    // A fifth of the requests also get 5..50 ms of latency. Reading back goes around the proxy.
    await using proxy = await startFaultProxy({
      target: local.endpoints.sns as string,
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
      endpoints: { ...local.endpoints, sns: proxy.url },
      retry: { maxAttempts: 1 },
    });
    const sink = snsSink(aws, {
      topicArn: topic.arn,
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
    console.log('snsSink faults', JSON.stringify({ proxy: stats, sink: sink.stats() }));
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
    const faulted = stats.reset + stats.http5xx + stats.throttle + stats.failEntries;
    expect(faulted / stats.eligible).toBeGreaterThan(0.1);
    expect(stats.failedEntries).toBeGreaterThan(0);
    expect(sink.stats().retried).toBeGreaterThan(0);
  });
});
