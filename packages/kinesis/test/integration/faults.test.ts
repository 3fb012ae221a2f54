import { KinesisClient } from '@aws-sdk/client-kinesis';
import { kinesisSink } from '@tributary/kinesis';
import { isBatchWrite, randomText, seededRandom, startFaultProxy, startLocalAws } from '@tributary/testkit';
import { describe, expect, it } from 'vitest';
import { readStream } from './readBack.js';

/**
 * 20 % of PutRecords requests are faulted (5 % each: connection reset before or after forwarding, HTTP 500/503,
 * a throttling answer for the whole request, and a rewritten answer failing chosen records with
 * ProvisionedThroughputExceededException), and 20 % are delayed 50..300 ms. kinesis-local applies no
 * throttling of its own, so only the proxy exercises these paths. Volumes: 1,000 records (moto: 300) in
 * batches of total/100, so ~100+ requests make every fault kind occur; ~10-20 s per test on kinesis-local.
 */
const faults = {
  latencyMs: { rate: 0.2, minMs: 50, maxMs: 300 },
  reset: { rate: 0.05, when: 'either' as const },
  http5xx: { rate: 0.05 },
  throttle: { rate: 0.05 },
  failEntries: { rate: 0.05, entryRate: 0.3 },
};

describe('kinesisSink through a faulty network', () => {
  for (const ordered of [false, true]) {
    it(`loses nothing and rejects nothing with 20 % of requests faulted${ordered ? ', in order per key' : ''}`, async () => {
      // Prepare
      await using local = await startLocalAws({ services: ['kinesis'] });
      const total = local.backend === 'moto' ? 300 : 1_000;
      const stream = await local.createStream({ shards: 2 });
      await using proxy = await startFaultProxy({
        target: local.endpoints.kinesis as string,
        seed: ordered ? 11 : 10,
        faults,
        only: isBatchWrite,
      });
      const aws = local.connection({
        endpoints: { ...local.connectionConfig.endpoints, kinesis: proxy.url },
      });
      const random = seededRandom(ordered ? 3 : 4);
      const keys = Array.from({ length: 40 }, (_, k) => `k${k}`);
      const messages = Array.from({ length: total }, (_, n) => ({
        key: keys[Math.floor(random() * keys.length)] as string,
        n,
        text: randomText(1 + Math.floor(random() * 500), { random }),
      }));
      const sink = kinesisSink<(typeof messages)[number]>(aws, {
        streamName: stream.name,
        partitionKeyField: 'key',
        ordered,
        baseDelayMs: 20,
        maxDelayMs: 1_000,
        // ~100+ requests, so that every fault kind occurs.
        maxBatchRecords: Math.max(1, Math.floor(total / 100)),
      });
      // Act
      const results = await Promise.allSettled(messages.map((body) => sink.write({ body })));
      await sink.close();
      const stats = proxy.stats();
      const records = await readStream(
        local.connection().client(KinesisClient),
        stream.name,
        (read) => new Set(read.map((r) => JSON.parse(Buffer.from(r.Data ?? []).toString()).n)).size >= total,
        30_000,
      );
      // Assess
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(stats.reset + stats.http5xx + stats.throttle + stats.failEntries).toBeGreaterThan(0);
      expect(stats.failedEntries).toBeGreaterThan(0);
      expect(stats.throttle).toBeGreaterThan(0);
      expect(stats.http5xx).toBeGreaterThan(0);
      const seen = records.map(
        (r) => JSON.parse(Buffer.from(r.Data ?? []).toString('utf8')) as (typeof messages)[number],
      );
      // Every message arrived with its body; duplicates only from requests that took effect before their reset.
      const firsts = new Map<number, (typeof messages)[number]>();
      for (const m of seen) if (!firsts.has(m.n)) firsts.set(m.n, m);
      expect(firsts.size).toBe(total);
      for (const m of messages) expect(firsts.get(m.n)).toEqual(m);
      if (stats.resetAfterForward === 0) expect(seen).toHaveLength(total);
      if (ordered) {
        for (const key of keys) {
          const order = [...new Set(seen.filter((m) => m.key === key).map((m) => m.n))];
          expect(order).toEqual(messages.filter((m) => m.key === key).map((m) => m.n));
        }
      }
    });
  }
});
