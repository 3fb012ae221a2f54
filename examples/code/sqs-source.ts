// SQS source: read a queue as an Observable, ack what was handled, nack what failed, stop gracefully.
//
//   pnpm build && node examples/code/sqs-source.ts
import type { AwsConnection } from '@tributary/connection';
import { sqsSource } from '@tributary/sqs';
import { lastValueFrom, mergeMap } from 'rxjs';
import { isRunDirectly, type Order, runLocally, sampleOrders, sendOrders } from './local.ts';

export interface SqsSourceResult {
  /** Deliveries, redeliveries included. */
  received: number;
  acked: number;
  nacked: number;
}

/** Our business logic: every 10th order fails on its first delivery (say, the payment service was busy). */
async function handleOrder(order: Order, receiveCount: number): Promise<void> {
  if (Number(order.id.split('-')[1]) % 10 === 0 && receiveCount === 1) {
    throw new Error(`payment service busy for order ${order.id}`);
  }
}

/** Handles the orders on `queueUrl`; stops once `expected` orders were handled. */
export async function main(
  aws: AwsConnection,
  resources: { queueUrl: string; expected: number },
): Promise<SqsSourceResult> {
  const counts = { received: 0, acked: 0, nacked: 0 };
  // Graceful stop: aborting this signal stops polling and *completes* the source, so the pipeline finishes
  // the messages it holds. A service would call `stop.abort()` on SIGTERM; this example does it once
  // `expected` orders are done (or after a minute at the latest).
  const stop = new AbortController();

  const orders$ = sqsSource<Order>(aws, {
    queueUrl: resources.queueUrl,
    bodyFormat: 'json', // message.body is the parsed JSON
    maxInFlight: 50, // at most 50 unacked messages held; polling pauses until acks free room
    waitTimeSeconds: 1, // short long-polls (default 20), only to keep this example snappy
    signal: AbortSignal.any([stop.signal, AbortSignal.timeout(60_000)]),
  });

  const done = orders$.pipe(
    mergeMap(async (message) => {
      counts.received++;
      try {
        await handleOrder(message.body, message.meta.receiveCount);
      } catch (error) {
        await message.nack(error); // visible again at once: SQS delivers it again
        counts.nacked++;
        return;
      }
      await message.ack(); // deleted (batched DeleteMessageBatch); resolves once SQS confirmed
      if (++counts.acked === resources.expected) stop.abort();
    }, 16), // up to 16 orders handled at once
  );
  await lastValueFrom(done, { defaultValue: undefined }); // completes after the stop, every ack done
  return counts;
}

if (isRunDirectly(import.meta)) {
  await runLocally('sqs-source', ['sqs'], async (local, aws) => {
    const queue = await local.createQueue();
    await sendOrders(aws, queue.url, sampleOrders(50, 'order'));
    return main(aws, { queueUrl: queue.url, expected: 50 });
  });
}
