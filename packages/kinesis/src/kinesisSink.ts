import { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type AwsConnection,
  configErrorFromIssues,
  parseOptions,
  TributaryError,
} from '@tributary/connection';
import {
  type BatchWriter,
  compileTemplate,
  createBatchWriter,
  getPath,
  type OutgoingMessage,
  writerOptionsOf,
} from '@tributary/stream';
import { kinesisDriver, type StreamTarget } from './driver.js';
import { type KinesisSinkOptions, kinesisSinkOptions } from './options.js';

type KeyFn<T> = (message: OutgoingMessage<T>) => string;

function fieldReader<T>(path: string, what: string): KeyFn<T> {
  return (message) => {
    const value = getPath(message.body, path);
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    throw new TributaryError(
      'WRITE_REJECTED',
      `The message body has no string or number at "${path}" (${what})`,
      {
        details: { path, reason: 'KEY_FIELD_MISSING' },
      },
    );
  };
}

/**
 * Writes messages to a Kinesis data stream with PutRecords: up to 500 records and 10 MiB per request, each
 * record at most the stream's maximum record size (1 MiB unless configured up to 10 MiB), sized as data bytes +
 * partition key UTF-8 bytes. Records that fail with `ProvisionedThroughputExceededException`,
 * `KMSThrottlingException` or `InternalFailure` are retried with backoff; any other record error rejects that
 * record's `write()` with `SinkWriteError` (`WRITE_REJECTED`). With `ordered: true`, records with the same
 * partition key are never in two requests at once, so their order in the shard is the write order.
 *
 * The body is sent as is when it is a `Uint8Array`, as UTF-8 when it is a string, and as JSON otherwise.
 * The receipt's `id` is the record's SequenceNumber, `details.shardId` its shard.
 * @example
 * ```ts
 * const sink = kinesisSink<UserEvent>(aws, { streamName: 'events', partitionKey: (m) => m.body.userId });
 * const receipt = await sink.write({ body: { userId: 'u1', kind: 'login' } });
 * await sink.close();
 * ```
 * @throws {@link ConfigError} synchronously when options are invalid (naming each field).
 * @see https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 */
export function kinesisSink<T = unknown>(aws: AwsConnection, options: KinesisSinkOptions<T>): BatchWriter<T> {
  const { partitionKey, explicitHashKey, ...json } = options;
  const opts = parseOptions(kinesisSinkOptions, json, { what: 'kinesisSink options' });

  const keySources = [partitionKey, opts.partitionKeyField, opts.partitionKeyTemplate].filter(
    (source) => source !== undefined,
  ).length;
  if (keySources !== 1) {
    throw configErrorFromIssues('kinesisSink options', [
      {
        path: '/partitionKey',
        message:
          keySources === 0
            ? 'give one of partitionKey (code), partitionKeyField or partitionKeyTemplate'
            : `give only one of partitionKey (code), partitionKeyField and partitionKeyTemplate, got ${keySources}`,
      },
    ]);
  }
  if (
    explicitHashKey !== undefined &&
    (opts.explicitHashKeyField ?? opts.explicitHashKeyTemplate) !== undefined
  ) {
    throw configErrorFromIssues('kinesisSink options', [
      {
        path: '/explicitHashKey',
        message: 'give only one of explicitHashKey (code), explicitHashKeyField and explicitHashKeyTemplate',
      },
    ]);
  }

  const keyOf: KeyFn<T> =
    partitionKey ??
    (opts.partitionKeyField !== undefined
      ? fieldReader<T>(opts.partitionKeyField, 'partitionKeyField')
      : (compileTemplate(opts.partitionKeyTemplate as string) as KeyFn<T>));
  const hashKeyOf: ((message: OutgoingMessage<T>) => string | undefined) | undefined =
    explicitHashKey ??
    (opts.explicitHashKeyField !== undefined
      ? fieldReader<T>(opts.explicitHashKeyField, 'explicitHashKeyField')
      : opts.explicitHashKeyTemplate !== undefined
        ? (compileTemplate(opts.explicitHashKeyTemplate) as KeyFn<T>)
        : undefined);

  const target: StreamTarget =
    opts.streamArn !== undefined ? { StreamARN: opts.streamArn } : { StreamName: opts.streamName as string };
  const logger = aws.logger;
  const driver = kinesisDriver<T>({
    client: aws.client(KinesisClient),
    target,
    partitionKey: keyOf,
    explicitHashKey: hashKeyOf,
    maxBatchRecords: opts.maxBatchRecords,
    maxBatchBytes: opts.maxBatchBytes,
    maxRecordBytes: opts.maxRecordBytes,
    logger,
  });
  return createBatchWriter(driver, {
    name: opts.name ?? `kinesis:${opts.streamName ?? opts.streamArn}`,
    logger,
    ...writerOptionsOf(opts),
    maxBatchEntries: opts.maxBatchRecords, // the Kinesis name of maxBatchEntries
  });
}
