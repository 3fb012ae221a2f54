import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AwsConnection } from '@tributary/connection';

/** Reads JSON bodies from a queue with parallel receivers (no delete; long visibility) until `expected` ids or idle. */
export async function readQueueIds(
  aws: AwsConnection,
  queueUrl: string,
  idOf: (body: unknown) => string | undefined,
  {
    expected,
    idleMs = 3000,
    timeoutMs = 120_000,
    receivers = 8,
  }: { expected: number; idleMs?: number; timeoutMs?: number; receivers?: number },
): Promise<Set<string>> {
  const sqs = aws.client(SQSClient);
  const ids = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  let lastNew = Date.now();
  const loop = async () => {
    while (ids.size < expected && Date.now() < deadline && Date.now() - lastNew < idleMs) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 900,
        }),
      );
      for (const m of Messages) {
        const id = idOf(JSON.parse(m.Body ?? 'null'));
        if (id !== undefined && !ids.has(id)) {
          ids.add(id);
          lastNew = Date.now();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: receivers }, loop));
  return ids;
}

/** Reads every record of a Kinesis stream from the start until `expected` ids or idle. */
export async function readStreamIds(
  aws: AwsConnection,
  streamName: string,
  idOf: (body: unknown) => string | undefined,
  { expected, idleMs = 3000, timeoutMs = 120_000 }: { expected: number; idleMs?: number; timeoutMs?: number },
): Promise<Set<string>> {
  const kinesis = aws.client(KinesisClient);
  const ids = new Set<string>();
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  const deadline = Date.now() + timeoutMs;
  await Promise.all(
    Shards.map(async (shard) => {
      let { ShardIterator: iterator } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      let lastNew = Date.now();
      while (iterator && ids.size < expected && Date.now() < deadline && Date.now() - lastNew < idleMs) {
        const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        for (const record of out.Records ?? []) {
          const id = idOf(JSON.parse(Buffer.from(record.Data ?? new Uint8Array()).toString('utf8')));
          if (id !== undefined && !ids.has(id)) {
            ids.add(id);
            lastNew = Date.now();
          }
        }
        iterator = out.NextShardIterator;
        if ((out.Records ?? []).length === 0) await new Promise((r) => setTimeout(r, 200));
      }
    }),
  );
  return ids;
}

/** `id` of a body, or of the `detail` of an EventBridge event envelope. */
export function bodyId(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const record = body as { id?: unknown; detail?: { id?: unknown } };
  if (
    record.detail !== undefined &&
    typeof record.detail === 'object' &&
    typeof record.detail.id === 'string'
  ) {
    return record.detail.id;
  }
  return typeof record.id === 'string' ? record.id : undefined;
}
