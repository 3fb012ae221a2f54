// S3 sink: write records into rolling, gzip-compressed NDJSON objects, directly and from a pipeline.
//
//   pnpm build && node examples/code/s3-sink.ts
import type { AwsConnection } from '@tributary/connection';
import { s3Sink } from '@tributary/s3';
import { mapBody, writeTo } from '@tributary/stream';
import { lastValueFrom, tap } from 'rxjs';
import {
  intakeSource,
  isRunDirectly,
  type Order,
  runLocally,
  type SinkExampleResult,
  sampleOrders,
  sendOrders,
} from './local.ts';

/** Orders written directly with `sink.write()`. */
export const DIRECT_ORDERS = sampleOrders(100, 'direct');

/** Records per object: the sink starts a new object after this many. */
export const RECORDS_PER_OBJECT = 40;

export interface S3SinkResult extends SinkExampleResult {
  /** Keys of the objects written. */
  objects: string[];
}

/**
 * Writes {@link DIRECT_ORDERS} to `bucket` under `orders/`, then archives `intakeCount` orders from
 * `intakeQueueUrl` there with a pipeline: sqsSource → mapBody → writeTo(s3Sink).
 */
export async function main(
  aws: AwsConnection,
  resources: { bucket: string; intakeQueueUrl: string; intakeCount: number },
): Promise<S3SinkResult> {
  const sink = s3Sink<Order>(aws, {
    bucket: resources.bucket,
    key: 'orders/${date:yyyy/MM/dd}/part-${seq}.ndjson.gz', // ${seq}: the object's number
    format: 'ndjson', // one JSON document per line
    compression: 'gzip',
    maxRecords: RECORDS_PER_OBJECT, // roll to a new object after 40 records ...
    maxAgeMs: 10_000, // ... or 10 s after an object's first record (also maxBytes, default 128 MiB)
  });
  const objects = new Set<string>();

  // 1. Direct use. A write's receipt (`id`: the object key) resolves once the object holding the record is
  //    complete in S3, so do not await each write: await whenWritable() to keep memory bounded instead.
  let written = 0;
  let rejected = 0;
  const writes: Promise<void>[] = [];
  for (const order of DIRECT_ORDERS) {
    const write = sink.write({ body: order }).then(
      (receipt) => {
        written++;
        objects.add(receipt.id);
      },
      () => {
        rejected++; // SinkWriteError: the object failed and its multipart upload was aborted
      },
    );
    writes.push(write);
    await sink.whenWritable();
  }
  await sink.flush(); // completes the open object now (20 records) instead of after maxAgeMs
  await Promise.all(writes);

  // 2. A pipeline: writeTo() acks each intake message once the object holding it is complete.
  let piped = 0;
  await lastValueFrom(
    // sqsSource over the intake queue, stopping gracefully once it delivered intakeCount (see local.ts)
    intakeSource(aws, resources.intakeQueueUrl, resources.intakeCount).pipe(
      mapBody((body: string) => JSON.parse(body) as Order),
      // Receipts wait for whole objects: writeTo keeps every write pending (the source's maxInFlight bounds
      // them) and flushes the sink, completing the open object, once the intake is done.
      writeTo(sink),
      tap((receipt) => {
        piped++;
        objects.add(receipt.id);
      }),
    ),
    { defaultValue: undefined },
  );

  await sink.close(); // completes what is open, then rejects further writes (WRITER_CLOSED)
  return { written, rejected, piped, objects: [...objects].sort() };
}

if (isRunDirectly(import.meta)) {
  await runLocally('s3-sink', ['s3', 'sqs'], async (local, aws) => {
    const [bucket, intake] = await Promise.all([local.createBucket(), local.createQueue()]);
    await sendOrders(aws, intake.url, sampleOrders(50, 'intake'));
    return main(aws, { bucket: bucket.name, intakeQueueUrl: intake.url, intakeCount: 50 });
  });
}
