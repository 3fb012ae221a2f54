// SNS sink: publish messages with batched PublishBatch, directly and from a pipeline.
//
//   pnpm build && node examples/code/sns-sink.ts
import type { AwsConnection } from '@tributary/connection';
import { snsSink } from '@tributary/sns';
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

/** Orders published directly with `sink.write()`. */
export const DIRECT_ORDERS = sampleOrders(30, 'direct');

/** Direct writes that got a receipt / were rejected, and messages published from the intake by the pipeline. */
export type SnsSinkResult = SinkExampleResult;

/**
 * Publishes {@link DIRECT_ORDERS} to `topicArn`, then publishes `intakeCount` orders from `intakeQueueUrl`
 * with a pipeline: sqsSource → mapBody → writeTo(snsSink).
 */
export async function main(
  aws: AwsConnection,
  resources: { topicArn: string; intakeQueueUrl: string; intakeCount: number },
): Promise<SnsSinkResult> {
  const sink = snsSink<Order>(aws, {
    topicArn: resources.topicArn,
    subject: 'Order ${msg:id}', // for email subscribers: a constant or a template over the body
  });

  // 1. Direct use: each write() resolves with a receipt (the MessageId) once SNS accepted the message;
  //    the writer batches them (10 per PublishBatch) and retries failed entries alone. Subscribers filter on
  //    message attributes, so give them some.
  const writes = Promise.allSettled(
    DIRECT_ORDERS.map((order) => sink.write({ body: order, attributes: { userId: order.userId } })),
  );
  await sink.flush(); // send the last, partial batch now instead of after lingerMs
  const outcomes = await writes;

  // 2. A pipeline: writeTo() acks each intake message after its receipt (nacks it when its write is rejected).
  const piped = await lastValueFrom(
    // sqsSource over the intake queue, stopping gracefully once it delivered intakeCount (see local.ts)
    intakeSource(aws, resources.intakeQueueUrl, resources.intakeCount).pipe(
      mapBody((body: string) => JSON.parse(body) as Order),
      writeTo(sink),
      count(), // receipts
    ),
  );

  await sink.close(); // flush, then reject further writes (WRITER_CLOSED)
  return { ...countWrites(outcomes), piped };
}

if (isRunDirectly(import.meta)) {
  await runLocally('sns-sink', ['sns', 'sqs'], async (local, aws) => {
    const [topic, intake] = await Promise.all([local.createTopic(), local.createQueue()]);
    await sendOrders(aws, intake.url, sampleOrders(40, 'intake'));
    return main(aws, { topicArn: topic.arn, intakeQueueUrl: intake.url, intakeCount: 40 });
  });
}
