import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';

/**
 * Reads a stream back with the plain SDK: every shard from TRIM_HORIZON, until `expected` records arrived (or
 * `expected(records)` says so) or `timeoutMs` ran out. Records of each shard come in shard order.
 */
export async function readStream(
  kinesis: KinesisClient,
  streamName: string,
  expected: number | ((records: readonly _Record[]) => boolean),
  timeoutMs = 60_000,
): Promise<_Record[]> {
  const done =
    typeof expected === 'number' ? (records: readonly _Record[]) => records.length >= expected : expected;
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  const iterators = new Map<string, string | undefined>();
  for (const shard of Shards) {
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    iterators.set(shard.ShardId as string, ShardIterator);
  }
  const records: _Record[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(records) && Date.now() < deadline) {
    let got = 0;
    for (const [shardId, iterator] of iterators) {
      if (iterator === undefined) continue;
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      iterators.set(shardId, page.NextShardIterator);
      records.push(...(page.Records ?? []));
      got += page.Records?.length ?? 0;
    }
    if (got === 0) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return records;
}

const CHARS = ['a', 'Z', '7', ' ', 'é', 'ß', 'Ж', '€', '中', '✓', '😀', '🚀'];

/** A random string of exactly `bytes` UTF-8 bytes, mixing 1- to 4-byte characters. */
export function randomText(bytes: number, random: () => number = Math.random): string {
  let text = '';
  let left = bytes;
  while (left > 0) {
    const char = CHARS[Math.floor(random() * CHARS.length)] as string;
    const size = Buffer.byteLength(char);
    if (size <= left) {
      text += char;
      left -= size;
    } else {
      text += 'x'.repeat(left);
      left = 0;
    }
  }
  return text;
}

/** Deterministic PRNG (mulberry32), so a failing run can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
