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
