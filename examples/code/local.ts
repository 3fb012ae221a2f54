// Support for the code examples: sample data, seeding a queue with the plain SDK, the sink examples' intake
// source and result counting, and running an example stand-alone against the embedded local AWS. Not what the
// examples teach (sqs-source.ts teaches the source and its graceful stop); they import it to run.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AwsConnection } from '@tributary/connection';
import { type SqsMessage, sqsSource } from '@tributary/sqs';
import { type AwsService, type LocalAws, startLocalAws } from '@tributary/testkit';
import { type Observable, tap } from 'rxjs';

/** The record every example moves around. */
export interface Order {
  id: string;
  userId: string;
  amount: number;
}

/** `count` sample orders with ids `<prefix>-0`, `<prefix>-1`, ... spread over seven users. */
export function sampleOrders(count: number, prefix: string): Order[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    userId: `user-${i % 7}`,
    amount: 10 + ((i * 37) % 990),
  }));
}

/** Sends orders as JSON messages with the plain SDK, 10 per SendMessageBatch. */
export async function sendOrders(
  aws: AwsConnection,
  queueUrl: string,
  orders: readonly Order[],
): Promise<void> {
  const sqs = aws.client(SQSClient);
  for (let i = 0; i < orders.length; i += 10) {
    const entries = orders
      .slice(i, i + 10)
      .map((order, j) => ({ Id: String(j), MessageBody: JSON.stringify(order) }));
    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    if ((sent.Failed ?? []).length > 0)
      throw new Error(`SendMessageBatch failed for ${sent.Failed?.length} entries`);
  }
}

/** Stores records as one NDJSON object with the plain SDK. */
export async function putNdjson(
  aws: AwsConnection,
  bucket: string,
  key: string,
  records: readonly object[],
): Promise<void> {
  const body = records.map((record) => JSON.stringify(record)).join('\n');
  await aws.client(S3Client).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${body}\n` }));
}

/** What the sink examples return: direct writes that got a receipt / were rejected, and what the pipeline moved. */
export interface SinkExampleResult {
  written: number;
  rejected: number;
  /** Messages moved from the intake queue by the pipeline. */
  piped: number;
}

/** Counts the settled direct writes: fulfilled (a receipt) as `written`, the others as `rejected`. */
export function countWrites(
  outcomes: readonly PromiseSettledResult<unknown>[],
): Pick<SinkExampleResult, 'written' | 'rejected'> {
  const written = outcomes.filter((o) => o.status === 'fulfilled').length;
  return { written, rejected: outcomes.length - written };
}

/**
 * The sink examples' intake: `sqsSource` over `queueUrl` (raw string bodies), stopped gracefully once it
 * delivered `count` messages (all the queue holds; sqs-source.ts shows the graceful stop), or after a minute
 * at the latest. Stopping completes the source, so the pipeline behind it finishes what it holds.
 */
export function intakeSource(
  aws: AwsConnection,
  queueUrl: string,
  count: number,
): Observable<SqsMessage<string>> {
  const stop = new AbortController();
  let taken = 0;
  return sqsSource(aws, {
    queueUrl,
    waitTimeSeconds: 1,
    signal: AbortSignal.any([stop.signal, AbortSignal.timeout(60_000)]),
  }).pipe(
    tap(() => {
      if (++taken === count) stop.abort(); // all there is: stop after these
    }),
  );
}

/** True when `node examples/code/<file>.ts` runs this module itself (`import.meta.main` needs Node >= 24.2). */
export function isRunDirectly(meta: ImportMeta): boolean {
  return meta.main === true || meta.filename === process.argv[1];
}

/**
 * Starts the embedded local AWS with `services`, runs `example` (which creates its resources and calls the
 * example's `main`), prints the result and stops everything again.
 */
export async function runLocally(
  file: string,
  services: AwsService[],
  example: (local: LocalAws, aws: AwsConnection) => Promise<unknown>,
): Promise<void> {
  console.log(`${file}: starting local AWS (${services.join(', ')}) ...`);
  await using local = await startLocalAws({ services });
  const started = Date.now();
  const result = await example(local, local.connection({ name: 'Example' }));
  console.log(`${file} (${local.backend} backend, ${Date.now() - started} ms):`, result);
}
