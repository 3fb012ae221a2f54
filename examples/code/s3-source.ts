// S3 source: read NDJSON objects line by line; an object is done when every line of it was acked.
//
//   pnpm build && node examples/code/s3-source.ts
import type { AwsConnection } from '@tributary/connection';
import { s3Source } from '@tributary/s3';
import { lastValueFrom, mergeMap } from 'rxjs';
import { isRunDirectly, type Order, putNdjson, runLocally, sampleOrders } from './local.ts';

export interface S3SourceResult {
  /** Lines read, acked, nacked. */
  lines: number;
  acked: number;
  nacked: number;
  /** Objects read. */
  objects: number;
}

/**
 * Reads every `*.ndjson` object under `in/` in `bucket`, one message per line. Ack aggregation: once every
 * line of an object was acked, the object is moved to `done/`; if any line was nacked, to `failed/`.
 */
export async function main(aws: AwsConnection, resources: { bucket: string }): Promise<S3SourceResult> {
  const counts = { lines: 0, acked: 0, nacked: 0 };
  const keys = new Set<string>();

  const orders$ = s3Source(aws, {
    bucket: resources.bucket,
    prefix: 'in/',
    keyGlob: '*.ndjson', // also *.ndjson.gz etc. with keyGlob '*.ndjson*': decompressed by extension
    mode: 'ndjson', // message.body is one parsed line; message.meta says which object and line
    discovery: 'once', // list once, read everything, complete ('watch' polls, 'notifications' follows S3 events)
    afterRead: { action: 'move', prefix: 'done/' }, // in/a.ndjson -> done/a.ndjson, once all its lines are acked
    afterError: { action: 'move', prefix: 'failed/' }, // ... or once they are all decided and one was nacked
    maxInFlight: 200, // unacked lines held before reading pauses
  });

  const done = orders$.pipe(
    mergeMap(async (message) => {
      counts.lines++;
      keys.add(message.meta.key);
      const order = message.body as Order;
      if (order.amount < 0) {
        await message.nack(new Error(`order ${order.id} has a negative amount (line ${message.meta.line})`));
        counts.nacked++;
      } else {
        await message.ack(); // the last ack of an object resolves after its move
        counts.acked++;
      }
    }, 32),
  );
  await lastValueFrom(done, { defaultValue: undefined }); // 'once' completes when every object is settled
  return { ...counts, objects: keys.size };
}

if (isRunDirectly(import.meta)) {
  await runLocally('s3-source', ['s3'], async (local, aws) => {
    const bucket = await local.createBucket();
    await putNdjson(aws, bucket.name, 'in/monday.ndjson', sampleOrders(40, 'mon'));
    await putNdjson(aws, bucket.name, 'in/tuesday.ndjson', sampleOrders(40, 'tue'));
    await putNdjson(aws, bucket.name, 'in/broken.ndjson', [{ id: 'bad-1', userId: 'user-1', amount: -5 }]);
    return main(aws, { bucket: bucket.name });
  });
}
