// Support for the code examples: sample data, seeding a queue with the plain SDK, and running an example
// stand-alone against the embedded local AWS. Not what the examples teach; they import it only to run.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AwsConnection } from '@tributary/connection';
import { type AwsService, type LocalAws, startLocalAws } from '@tributary/testkit';

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
