import {
  DescribeStreamSummaryCommand,
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import {
  ACCESS_DENIED_ERROR_NAMES,
  type Logger,
  TributaryError,
  toTributaryError,
} from '@tributary/connection';
import {
  type BatchDriver,
  type BatchLimits,
  type EntryOutcome,
  mapPositionalAnswer,
  type OutgoingMessage,
  type PositionalAnswerRules,
} from '@tributary/stream';
import { encodeBody, utf8Length } from './internal/encode.js';

const MiB = 1024 * 1024;

/** PutRecords limits as AWS documents them. */
export const KINESIS_LIMITS = {
  /** Records per PutRecords request. */
  maxRecordsPerRequest: 500,
  /** Bytes per PutRecords request: data plus partition keys of every record. */
  maxRequestBytes: 10 * MiB,
  /** A record's data plus partition key, unless the stream is configured otherwise. */
  defaultMaxRecordBytes: MiB,
  /** The largest record size a stream can be configured for (`UpdateMaxRecordSize`). */
  maxConfigurableRecordBytes: 10 * MiB,
  /** Partition key length, in Unicode characters. */
  maxPartitionKeyLength: 256,
} as const;

/** Record error codes worth sending again; any other `ErrorCode` rejects the record. */
export const RETRYABLE_RECORD_ERRORS: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'KMSThrottlingException',
  'InternalFailure',
]);

/**
 * A prepared PutRecords entry, sent as is (no wrapper object per record: the writer keeps the size, which
 * `entrySize` computes once by Kinesis' rule, data bytes + partition key UTF-8 bytes). A class, not a literal,
 * as {@link BatchDriver.prepare} advises; an undefined `ExplicitHashKey` is not sent (the SDK serializes the
 * members that have a value).
 */
export class KinesisEntry implements PutRecordsRequestEntry {
  readonly Data: Uint8Array;
  readonly PartitionKey: string;
  readonly ExplicitHashKey: string | undefined;

  constructor(data: Uint8Array, partitionKey: string, explicitHashKey: string | undefined) {
    this.Data = data;
    this.PartitionKey = partitionKey;
    this.ExplicitHashKey = explicitHashKey;
  }
}

/** Where the driver sends: exactly one of the two. */
export type StreamTarget = { readonly StreamName: string } | { readonly StreamARN: string };

/** What {@link kinesisDriver} needs: a client, a target and how to key each message. */
export interface KinesisDriverConfig<T> {
  readonly client: KinesisClient;
  readonly target: StreamTarget;
  readonly partitionKey: (message: OutgoingMessage<T>) => string;
  readonly explicitHashKey?: ((message: OutgoingMessage<T>) => string | undefined) | undefined;
  readonly maxBatchRecords: number;
  readonly maxBatchBytes: number;
  /** Fixed record limit; when absent, `start()` reads the stream's `MaxRecordSizeInKiB`. */
  readonly maxRecordBytes?: number | undefined;
  readonly logger: Logger;
}

/** Answers of endpoints that do not implement an operation. */
const UNSUPPORTED_OPERATION_NAMES: ReadonlySet<string> = new Set([
  'UnknownOperationException',
  'InvalidAction',
  'NotImplemented',
]);

const HASH_KEY = /^(0|[1-9]\d{0,38})$/;
const MAX_HASH_KEY = 2n ** 128n - 1n;

function targetName(target: StreamTarget): string {
  return 'StreamName' in target ? target.StreamName : target.StreamARN;
}

function rejectEntry(message: string, reason: string): TributaryError {
  return new TributaryError('WRITE_REJECTED', message, { details: { reason } });
}

/**
 * The {@link BatchDriver} of {@link kinesisSink}: PutRecords with up to 500 records and 10 MiB, records sized as
 * data bytes + partition key UTF-8 bytes, results mapped back by position (PutRecords answers in request order).
 * @example
 * ```ts
 * const driver = kinesisDriver({ client, target: { StreamName: 'events' }, partitionKey: (m) => m.body.userId,
 *   maxBatchRecords: 500, maxBatchBytes: 10 * 1024 * 1024, logger });
 * ```
 */
export function kinesisDriver<T>(config: KinesisDriverConfig<T>): BatchDriver<T, KinesisEntry> {
  const { client, target, partitionKey, explicitHashKey, logger } = config;
  const stream = targetName(target);
  const limits: BatchLimits = {
    maxBatchEntries: Math.min(config.maxBatchRecords, KINESIS_LIMITS.maxRecordsPerRequest),
    maxBatchBytes: Math.min(config.maxBatchBytes, KINESIS_LIMITS.maxRequestBytes),
    // Until start() has read the stream's own limit, only the largest configurable record size is known.
    maxEntryBytes: Math.min(
      config.maxRecordBytes ?? KINESIS_LIMITS.maxConfigurableRecordBytes,
      config.maxBatchBytes,
      KINESIS_LIMITS.maxRequestBytes,
    ),
  };
  /** One frozen `{ shardId }` per shard, shared by the receipts of its records instead of one per record. */
  const shardDetails = new Map<string, Readonly<Record<string, string>>>();
  const detailsOf = (shardId: string): Readonly<Record<string, string>> => {
    let details = shardDetails.get(shardId);
    if (details === undefined) {
      details = Object.freeze({ shardId });
      shardDetails.set(shardId, details);
    }
    return details;
  };
  const answerRules: PositionalAnswerRules<PutRecordsResultEntry> = {
    operation: 'PutRecords',
    sent: 'records',
    target: { streamName: stream },
    idField: 'SequenceNumber',
    details: (result) => (result.ShardId === undefined ? undefined : detailsOf(result.ShardId)),
    retryableCodes: RETRYABLE_RECORD_ERRORS,
  };
  const fallback: Partial<BatchLimits> = {
    maxEntryBytes: Math.min(KINESIS_LIMITS.defaultMaxRecordBytes, limits.maxEntryBytes),
  };

  /** One PutRecords request; outcomes in the order of `entries`. */
  async function putRecords(entries: readonly KinesisEntry[]): Promise<EntryOutcome[]> {
    // The entries are the records: the request takes the writer's batch array itself.
    const Records = entries as KinesisEntry[];
    // No per-call { abortSignal }: it would switch off the client's middleware cache on every send. An aborted
    // writer settles its writes itself and ignores a late answer.
    const output = await client.send(new PutRecordsCommand({ ...target, Records }));
    const { outcomes, failed } = mapPositionalAnswer(output.Records, entries.length, answerRules);
    if (failed > 0) {
      logger.debug('kinesis.putRecords.partialFailure', {
        streamName: stream,
        failed,
        total: entries.length,
      });
    }
    return outcomes;
  }

  return {
    service: 'kinesis',
    limits,

    async start(signal) {
      if (config.maxRecordBytes !== undefined) return undefined;
      try {
        const summary = await client.send(new DescribeStreamSummaryCommand(target), { abortSignal: signal });
        const kib = summary.StreamDescriptionSummary?.MaxRecordSizeInKiB;
        if (kib === undefined || kib <= 0) return fallback;
        const maxEntryBytes = Math.min(kib * 1024, limits.maxEntryBytes);
        logger.debug('kinesis.describeStreamSummary.maxRecordSize', { streamName: stream, maxEntryBytes });
        return { maxEntryBytes };
      } catch (error) {
        if (signal.aborted) throw error;
        const awsErrorCode = error instanceof Error ? error.name : 'Unknown';
        // A missing kinesis:DescribeStreamSummary permission, an endpoint without the operation, or a transient
        // error keeps the 1 MiB default (PutRecords retries on its own); a missing stream or bad credentials fail
        // the writes with the sanitized error (no $response or headers in its cause).
        const wrapped = toTributaryError(error, { operation: 'DescribeStreamSummary', resource: stream });
        const tolerated =
          ACCESS_DENIED_ERROR_NAMES.has(awsErrorCode) ||
          UNSUPPORTED_OPERATION_NAMES.has(awsErrorCode) ||
          wrapped.retryable;
        if (!tolerated) {
          if (wrapped.code !== 'RESOURCE_NOT_FOUND') throw wrapped;
          throw new TributaryError('RESOURCE_NOT_FOUND', `Kinesis stream "${stream}" does not exist`, {
            cause: wrapped,
            details: { streamName: stream, awsErrorCode },
            hint: 'check streamName/streamArn, the region and the endpoint of the connection',
          });
        }
        logger.warn('kinesis.describeStreamSummary.failed', { streamName: stream, awsErrorCode });
        return fallback;
      }
    },

    prepare(message) {
      const key = partitionKey(message);
      if (typeof key !== 'string' || key.length === 0) {
        throw rejectEntry('The partition key is empty or not a string', 'PARTITION_KEY_INVALID');
      }
      // AWS counts partition key length in Unicode characters (code points).
      if (
        key.length > KINESIS_LIMITS.maxPartitionKeyLength &&
        [...key].length > KINESIS_LIMITS.maxPartitionKeyLength
      ) {
        throw rejectEntry(
          `The partition key has more than ${KINESIS_LIMITS.maxPartitionKeyLength} characters`,
          'PARTITION_KEY_INVALID',
        );
      }
      const data = encodeBody(message.body);
      const hashKey = explicitHashKey?.(message);
      if (
        hashKey !== undefined &&
        (typeof hashKey !== 'string' || !HASH_KEY.test(hashKey) || BigInt(hashKey) > MAX_HASH_KEY)
      ) {
        throw rejectEntry(
          'The explicit hash key must be a decimal integer in 0..2^128-1',
          'EXPLICIT_HASH_KEY_INVALID',
        );
      }
      return new KinesisEntry(data, key, hashKey);
    },

    entrySize: (entry) => entry.Data.byteLength + utf8Length(entry.PartitionKey),

    orderingKey: (entry) => entry.PartitionKey,

    async sendBatch(entries) {
      return putRecords(entries);
    },
  };
}
