// SQS sink: send messages with batched SendMessageBatch, directly and from a pipeline.
//
//   pnpm build && node examples/code/sqs-sink.ts
import type { AwsConnection } from '@tributary/connection';
import { sqsSink } from '@tributary/sqs';
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
export const DIRECT_ORDERS = sampleOrders(30, 'direct');

/** Direct writes that got a receipt / were rejected, and messages moved from the intake by the pipeline. */
export type SqsSinkResult = SinkExampleResult;

/**
 * Writes {@link DIRECT_ORDERS} to `queueUrl`, then moves `intakeCount` orders from `intakeQueueUrl` to it
 * with a pipeline: sqsSource → mapBody → writeTo(sqsSink).
 */
export async function main(
  aws: AwsConnection,
  resources: { queueUrl: string; intakeQueueUrl: string; intakeCount: number },
): Promise<SqsSinkResult> {
  const sink = sqsSink<Order>(aws, {
    queueUrl: resources.queueUrl,
    attributes: { origin: { type: 'String', value: 'examples' } }, // added to every message
    lingerMs: 20, // wait up to 20 ms for a fuller batch of 10
  });

  // 1. Direct use. Each write() resolves with a receipt (the MessageId) once SQS accepted the message;
  //    the writer batches them behind the scenes (10 per request) and retries failed entries alone.
  const writes = Promise.allSettled(
    DIRECT_ORDERS.map((order) => sink.write({ body: order, attributes: { userId: order.userId } })),
  );
  await sink.flush(); // send the last, partial batch now instead of after lingerMs
  const outcomes = await writes;

  // 2. A pipeline: writeTo() acks each intake message after its receipt (nacks it when its write is rejected).
  const piped = await lastValueFrom(
    // sqsSource over the intake queue, stopping gracefully once it delivered intakeCount (see local.ts)
    intakeSource(aws, resources.intakeQueueUrl, resources.intakeCount).pipe(
      mapBody((body: string) => JSON.parse(body) as Order), // a throwing fn nacks that message only
      writeTo(sink),
      count(), // receipts
    ),
  );

  await sink.close(); // flush, then reject further writes (WRITER_CLOSED)
  return { ...countWrites(outcomes), piped };
}

if (isRunDirectly(import.meta)) {
  await runLocally('sqs-sink', ['sqs'], async (local, aws) => {
    const [queue, intake] = await Promise.all([local.createQueue(), local.createQueue()]);
    await sendOrders(aws, intake.url, sampleOrders(40, 'intake'));
    return main(aws, { queueUrl: queue.url, intakeQueueUrl: intake.url, intakeCount: 40 });
  });
}
