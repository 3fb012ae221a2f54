import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { startLocalAws } from '@tributary/testkit';
import { describe, expect, it, type TestContext } from 'vitest';
import {
  type FaultProxyOptions,
  type FaultProxyStats,
  isBatchWrite,
  startFaultProxy,
} from '../../src/faultProxy.js';

// Resets only before forwarding: a reset after forwarding delivers the batch and hides the answer, so the
// retry would duplicate it, exactly as with the real service. These tests check that nothing the proxy
// fails was delivered.
const faults: FaultProxyOptions['faults'] = {
  reset: { rate: 0.15, when: 'before' },
  throttle: { rate: 0.15 },
  http5xx: { rate: 0.15 },
  failEntries: { rate: 0.35, entryRate: 0.3 },
};

/**
 * A minimal retrying batch writer: sends up to 10 pending entries, keeps the failed ones (all of them
 * when the request fails), until nothing is pending.
 */
async function deliverAll<E>(
  entries: E[],
  batchSize: number,
  send: (batch: E[]) => Promise<E[]>,
): Promise<number> {
  let pending = [...entries];
  let rounds = 0;
  while (pending.length > 0) {
    if (++rounds > 500) throw new Error(`still ${pending.length} entries pending after 500 rounds`);
    const batch = pending.slice(0, batchSize);
    const rest = pending.slice(batchSize);
    try {
      pending = [...(await send(batch)), ...rest];
    } catch {
      pending = [...batch, ...rest];
    }
  }
  return rounds;
}

function skipUnlessLocal(ctx: TestContext, backend: string): void {
  if (backend === 'external') {
    ctx.skip(
      'the fault proxy rewrites signed bodies, so it needs an endpoint that does not check signatures',
    );
  }
}

function expectEveryFault(stats: FaultProxyStats): void {
  expect(stats.resetBeforeForward).toBeGreaterThan(0);
  expect(stats.throttle).toBeGreaterThan(0);
  expect(stats.http5xx).toBeGreaterThan(0);
  expect(stats.failedEntries).toBeGreaterThan(0);
  expect(stats.resetAfterForward).toBe(0);
}

describe('startFaultProxy against the local emulators', () => {
  it('SQS and SNS: every message arrives exactly once through injected faults', async (ctx) => {
    // Prepare
    await using local = await startLocalAws({ services: ['sqs', 'sns'] });
    skipUnlessLocal(ctx, local.backend);
    const sqsQueue = await local.createQueue();
    const snsQueue = await local.createQueue();
    const topic = await local.createTopic();
    await local.subscribeQueue(topic.arn, snsQueue, { raw: true });
    const sqsEndpoint = local.endpoints.sqs as string;
    const snsEndpoint = local.endpoints.sns as string;
    await using sqsProxy = await startFaultProxy({
      target: sqsEndpoint,
      seed: 17,
      faults,
      only: isBatchWrite,
    });
    await using snsProxy = await startFaultProxy({
      target: snsEndpoint,
      seed: 18,
      faults,
      only: isBatchWrite,
    });
    const viaProxy = local.connection({
      name: 'ViaFaultProxy',
      endpoints: { ...local.endpoints, sqs: sqsProxy.url, sns: snsProxy.url },
      retry: { maxAttempts: 1 },
    });
    const sqs = viaProxy.client(SQSClient);
    const sns = viaProxy.client(SNSClient);
    const bodies = Array.from({ length: 100 }, (_, i) => `message-${i}`);
    // Act
    await deliverAll<SendMessageBatchRequestEntry>(
      bodies.map((body, i) => ({ Id: `m${i}`, MessageBody: body })),
      5,
      async (batch) => {
        const result = await sqs.send(
          new SendMessageBatchCommand({ QueueUrl: sqsQueue.url, Entries: batch }),
        );
        const failed = new Set(result.Failed?.map((f) => f.Id));
        return batch.filter((e) => failed.has(e.Id));
      },
    );
    await deliverAll<PublishBatchRequestEntry>(
      bodies.map((body, i) => ({ Id: `p${i}`, Message: body })),
      5,
      async (batch) => {
        const result = await sns.send(
          new PublishBatchCommand({ TopicArn: topic.arn, PublishBatchRequestEntries: batch }),
        );
        const failed = new Set(result.Failed?.map((f) => f.Id));
        const answered = new Set([...failed, ...(result.Successful?.map((s) => s.Id) ?? [])]);
        expect(answered.size).toBe(batch.length);
        return batch.filter((e) => failed.has(e.Id));
      },
    );
    const viaSqs = await local.drainQueue(sqsQueue.url, { expected: bodies.length, timeoutMs: 20_000 });
    const viaSns = await local.drainQueue(snsQueue.url, { expected: bodies.length, timeoutMs: 20_000 });
    // A straggler duplicate would arrive right after the expected count: look once more.
    const extraSqs = await local.drainQueue(sqsQueue.url, { timeoutMs: 1500 });
    const extraSns = await local.drainQueue(snsQueue.url, { timeoutMs: 1500 });
    // Assess
    expect(viaSqs.map((m) => m.Body).sort()).toEqual([...bodies].sort());
    expect(viaSns.map((m) => m.Body).sort()).toEqual([...bodies].sort());
    expect(extraSqs).toEqual([]);
    expect(extraSns).toEqual([]);
    expectEveryFault(sqsProxy.stats());
    expectEveryFault(snsProxy.stats());
  });

  it('Kinesis: every record lands once, in place of the positional failures', async (ctx) => {
    // Prepare
    await using local = await startLocalAws({ services: ['kinesis'] });
    skipUnlessLocal(ctx, local.backend);
    const stream = await local.createStream();
    await using proxy = await startFaultProxy({
      target: local.endpoints.kinesis as string,
      seed: 19,
      faults,
      only: isBatchWrite,
    });
    const kinesis = local
      .connection({
        name: 'ViaFaultProxy',
        endpoints: { ...local.endpoints, kinesis: proxy.url },
        retry: { maxAttempts: 1 },
      })
      .client(KinesisClient);
    const direct = local.connection({ name: 'Direct' }).client(KinesisClient);
    const data = Array.from({ length: 200 }, (_, i) => `record-${i}`);
    // Act
    await deliverAll<PutRecordsRequestEntry>(
      data.map((d) => ({ Data: Buffer.from(d), PartitionKey: d })),
      10,
      async (batch) => {
        const result = await kinesis.send(new PutRecordsCommand({ StreamName: stream.name, Records: batch }));
        expect(result.Records).toHaveLength(batch.length);
        return batch.filter((_, i) => result.Records?.[i]?.ErrorCode !== undefined);
      },
    );
    const landed: string[] = [];
    const { StreamDescription } = await direct.send(new DescribeStreamCommand({ StreamName: stream.name }));
    for (const shard of StreamDescription?.Shards ?? []) {
      let { ShardIterator: iterator } = await direct.send(
        new GetShardIteratorCommand({
          StreamName: stream.name,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      for (let reads = 0; iterator && reads < 50; reads++) {
        const page = await direct.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        for (const record of page.Records ?? []) landed.push(Buffer.from(record.Data ?? []).toString());
        if ((page.Records ?? []).length === 0 && page.MillisBehindLatest === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    // Assess
    expect(landed.sort()).toEqual([...data].sort());
    expectEveryFault(proxy.stats());
  });
});
