// EventBridge sink: put events with batched PutEvents, directly and from a pipeline.
//
//   pnpm build && node examples/code/eventbridge-sink.ts   (EventBridge runs on moto: needs Python 3 with moto[server])
import type { AwsConnection } from '@tributary/connection';
import { eventBridgeSink } from '@tributary/eventbridge';
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

/** Orders sent directly with `sink.write()`. */
export const DIRECT_ORDERS = sampleOrders(15, 'direct');

/** The `source` of every event, for rules to match on. */
export const EVENT_SOURCE = 'shop.orders';

/** Direct writes that got a receipt / were rejected, and events put from the intake queue by the pipeline. */
export type EventBridgeSinkResult = SinkExampleResult;

/**
 * Sends {@link DIRECT_ORDERS} to `eventBusName`, then `intakeCount` orders from `intakeQueueUrl` with a
 * pipeline: sqsSource → mapBody → writeTo(eventBridgeSink).
 */
export async function main(
  aws: AwsConnection,
  resources: { eventBusName: string; intakeQueueUrl: string; intakeCount: number },
): Promise<EventBridgeSinkResult> {
  const sink = eventBridgeSink<Order>(aws, {
    eventBusName: resources.eventBusName, // name or ARN; default: the account's default bus
    source: EVENT_SOURCE,
    detailType: 'OrderPlaced', // a constant or a template such as 'Order${msg:status}'
  });

  // 1. Direct use: the body becomes the event's Detail (a JSON object). Each write() resolves with a
  //    receipt (`id`: the EventId) once EventBridge accepted the event; 10 entries per PutEvents.
  const writes = Promise.allSettled(DIRECT_ORDERS.map((order) => sink.write({ body: order })));
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
  await runLocally('eventbridge-sink', ['eventbridge', 'sqs'], async (local, aws) => {
    const [bus, intake] = await Promise.all([local.createEventBus(), local.createQueue()]);
    await sendOrders(aws, intake.url, sampleOrders(15, 'intake'));
    return main(aws, { eventBusName: bus.name, intakeQueueUrl: intake.url, intakeCount: 15 });
  });
}
