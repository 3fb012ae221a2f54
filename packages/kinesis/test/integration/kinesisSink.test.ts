import { KinesisClient } from '@aws-sdk/client-kinesis';
import { kinesisSink } from '@tributary/kinesis';
import { randomText, seededRandom, startLocalAws } from '@tributary/testkit';
import { describe, expect, it } from 'vitest';
import { readStream } from './readBack.js';

const MiB = 1024 * 1024;

/**
 * Volumes. kinesis-local (kinesis-mock) stores ~500 records/s and slows down as a stream fills, so every test
 * uses a fresh stream. Measured there: 10,000 records took ~120 s to write and read back, which with the
 * ordered test would push this file past ~2 minutes, so the unordered test writes 5,000 (40-75 s) and the ordered
 * one 1,500 over 50 keys. moto's Kinesis is much slower per request (and slower still on a loaded CI machine:
 * 1,000 records did not read back within 90 s there), so it gets 400 and 300. Most bodies are small
 * (1..300 bytes), a few are exactly at the 1 MiB record limit (data + partition key), all of random 1- to
 * 4-byte UTF-8 characters.
 */
function volumes(backend: string): { total: number; large: number; ordered: number } {
  return backend === 'moto'
    ? { total: 400, large: 2, ordered: 300 }
    : { total: 5_000, large: 4, ordered: 1_500 };
}

describe('kinesisSink against local Kinesis', () => {
  it('writes every message exactly once with an identical body, from 1 byte up to the record limit', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['kinesis'] });
    const { total, large } = volumes(local.backend);
    const stream = await local.createStream({ shards: 2 });
    const aws = local.connection();
    const random = seededRandom(20_260_101);
    const bodies = Array.from({ length: total }, (_, i) => {
      const key = `m-${i}`;
      if (i % Math.floor(total / large) === 7) return randomText(MiB - Buffer.byteLength(key), { random });
      return randomText(1 + Math.floor(random() * 300), { random });
    });
    const sink = kinesisSink<string>(aws, {
      streamName: stream.name,
      partitionKey: (m) => m.id as string,
      maxConcurrency: 4,
    });
    // Act
    const receipts = await Promise.all(bodies.map((body, i) => sink.write({ body, id: `m-${i}` })));
    await sink.close();
    const records = await readStream(aws.client(KinesisClient), stream.name, total, 90_000);
    // Assess
    expect(sink.stats()).toMatchObject({ written: total, rejected: 0 });
    expect(records).toHaveLength(total);
    const byKey = new Map(records.map((r) => [r.PartitionKey as string, r]));
    expect(byKey.size).toBe(total);
    bodies.forEach((body, i) => {
      const record = byKey.get(`m-${i}`);
      expect(Buffer.from(record?.Data ?? []).toString('utf8')).toBe(body);
      expect(record?.SequenceNumber).toBe(receipts[i]?.id);
    });
    expect(bodies.filter((b) => b.length > 100_000).length).toBeGreaterThanOrEqual(large);
  });

  it('keeps write order per partition key in ordered mode', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['kinesis'] });
    const { ordered } = volumes(local.backend);
    const stream = await local.createStream({ shards: 2 });
    const aws = local.connection();
    const random = seededRandom(7);
    const keys = Array.from({ length: 50 }, (_, k) => `key-${k}-ключ`);
    const messages = Array.from({ length: ordered }, (_, n) => ({
      key: keys[Math.floor(random() * keys.length)] as string,
      n,
      text: randomText(1 + Math.floor(random() * 200), { random }),
    }));
    const sink = kinesisSink<(typeof messages)[number]>(aws, {
      streamName: stream.name,
      partitionKeyField: 'key',
      ordered: true,
      maxConcurrency: 4,
    });
    // Act
    await Promise.all(messages.map((body) => sink.write({ body })));
    await sink.close();
    const records = await readStream(aws.client(KinesisClient), stream.name, ordered, 60_000);
    // Assess
    expect(records).toHaveLength(ordered);
    const seen = records.map(
      (r) => JSON.parse(Buffer.from(r.Data ?? []).toString('utf8')) as (typeof messages)[number],
    );
    expect(new Set(seen.map((m) => m.n)).size).toBe(ordered);
    for (const key of keys) {
      const inStream = seen.filter((m) => m.key === key).map((m) => m.n);
      const written = messages.filter((m) => m.key === key).map((m) => m.n);
      expect(inStream).toEqual(written);
    }
    for (const m of seen) expect(m.text).toBe(messages[m.n]?.text);
  });
});
