// Kinesis sink: put records with batched PutRecords, directly and from a pipeline.
//
//   pnpm build && node examples/code/kinesis-sink.ts
import type { AwsConnection } from '@tributary/connection';
import { kinesisSink } from '@tributary/kinesis';
import { mapBody, writeTo } from '@tributary/stream';
import { count, lastValueFrom } from 'rxjs';
import {
  countWrites,
  intakeSource,
  isRunDirectly,
  type Order,
  runLocally,
  type SinkExampleResult,
  sampleOrders,
  sendOrders,
} from './local.ts';

/** Orders written directly with `sink.write()`. */
export const DIRECT_ORDERS = sampleOrders(50, 'direct');

export interface KinesisSinkResult extends SinkExampleResult {
  /** Shards the direct writes landed on. */
  shards: number;
}

/**
 * Puts {@link DIRECT_ORDERS} into `streamName`, then `intakeCount` orders from `intakeQueueUrl` with a
 * pipeline: sqsSource → mapBody → writeTo(kinesisSink).
 */
export async function main(
  aws: AwsConnection,
  resources: { streamName: string; intakeQueueUrl: string; intakeCount: number },
): Promise<KinesisSinkResult> {
  const sink = kinesisSink<Order>(aws, {
    streamName: resources.streamName,
    partitionKey: (message) => message.body.userId, // a user's records share a shard (JSON: partitionKeyField)
    ordered: true, // and keep their write order, retries included
    lingerMs: 50, // wait up to 50 ms for a fuller batch (up to 500 records per PutRecords)
  });

  // 1. Direct use: each write() resolves with a receipt once Kinesis stored the record: `id` is its
  //    SequenceNumber, `details.shardId` its shard. Failed records are retried alone, with backoff.
  const writes = Promise.allSettled(DIRECT_ORDERS.map((order) => sink.write({ body: order })));
  await sink.flush(); // send what is buffered now instead of after lingerMs
  const outcomes = await writes;
  const receipts = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));

  // 2. A pipeline: writeTo() acks each intake message after its receipt (nacks it when its write is rejected).
  const piped = await lastValueFrom(
    // sqsSource over the intake queue, stopping gracefully once it delivered intakeCount (see local.ts)
    intakeSource(aws, resources.intakeQueueUrl, resources.intakeCount).pipe(
      mapBody((body: string) => JSON.parse(body) as Order),
      writeTo(sink), // as many writes awaiting receipts as the sink buffers (maxBufferedEntries): full batches
      count(), // receipts
    ),
  );

  await sink.close(); // flush, then reject further writes (WRITER_CLOSED)
  return {
    ...countWrites(outcomes),
    shards: new Set(receipts.map((r) => r.details?.shardId)).size,
    piped,
  };
}

if (isRunDirectly(import.meta)) {
  await runLocally('kinesis-sink', ['kinesis', 'sqs'], async (local, aws) => {
    const [stream, intake] = await Promise.all([local.createStream({ shards: 2 }), local.createQueue()]);
    await sendOrders(aws, intake.url, sampleOrders(40, 'intake'));
    return main(aws, { streamName: stream.name, intakeQueueUrl: intake.url, intakeCount: 40 });
  });
}
