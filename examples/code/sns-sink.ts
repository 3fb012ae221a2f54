// SNS sink: publish messages with batched PublishBatch, directly and from a pipeline.
//
//   pnpm build && node examples/code/sns-sink.ts
import type { AwsConnection } from '@tributary/connection';
import { snsSink } from '@tributary/sns';
import { sqsSource } from '@tributary/sqs';
import { mapBody, writeTo } from '@tributary/stream';
import { count, lastValueFrom, tap } from 'rxjs';
import { isRunDirectly, type Order, runLocally, sampleOrders, sendOrders } from './local.ts';

/** Orders published directly with `sink.write()`. */
export const DIRECT_ORDERS = sampleOrders(30, 'direct');

export interface SnsSinkResult {
  /** Direct writes that got a receipt / that were rejected. */
  written: number;
  rejected: number;
  /** Messages published from the intake queue by the pipeline. */
  piped: number;
}

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
  const stop = new AbortController(); // stops the source gracefully, as in sqs-source.ts
  let taken = 0;
  const piped = await lastValueFrom(
    sqsSource(aws, {
      queueUrl: resources.intakeQueueUrl,
      waitTimeSeconds: 1,
      signal: AbortSignal.any([stop.signal, AbortSignal.timeout(60_000)]),
    }).pipe(
      tap(() => {
        if (++taken === resources.intakeCount) stop.abort(); // all there is: stop after these
      }),
      mapBody((body: string) => JSON.parse(body) as Order),
      writeTo(sink),
      count(), // receipts
    ),
  );

  await sink.close(); // flush, then reject further writes (WRITER_CLOSED)
  return {
    written: outcomes.filter((o) => o.status === 'fulfilled').length,
    rejected: outcomes.filter((o) => o.status === 'rejected').length,
    piped,
  };
}

if (isRunDirectly(import.meta)) {
  await runLocally('sns-sink', ['sns', 'sqs'], async (local, aws) => {
    const [topic, intake] = await Promise.all([local.createTopic(), local.createQueue()]);
    await sendOrders(aws, intake.url, sampleOrders(40, 'intake'));
    return main(aws, { topicArn: topic.arn, intakeQueueUrl: intake.url, intakeCount: 40 });
  });
}
