import type { OutgoingMessage } from '@tributary/stream';
import { batchWriterOptions } from '@tributary/stream';
import { z } from 'zod';

const MiB = 1024 * 1024;
const STREAM_NAME = /^[a-zA-Z0-9_.-]+$/;
const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128}$/;

/**
 * Options for {@link kinesisSink} that a JSON asset can carry too.
 * @example
 * ```ts
 * const options = parseOptions(kinesisSinkOptions, { streamName: 'events', partitionKeyField: 'userId' });
 * ```
 */
export const kinesisSinkOptions = batchWriterOptions
  .omit({ maxBatchEntries: true })
  .extend({
    streamName: z
      .string()
      .min(1)
      .max(128)
      .regex(STREAM_NAME, 'must be a Kinesis stream name ([a-zA-Z0-9_.-], 1..128 characters)')
      .optional()
      .describe('Target stream name; give this or streamArn'),
    streamArn: z
      .string()
      .regex(STREAM_ARN, 'must be a Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)')
      .optional()
      .describe('Target stream ARN; give this or streamName'),
    name: z
      .string()
      .regex(/^\S+$/, 'must have no spaces')
      .optional()
      .describe('Sink name on receipts, logs and errors; default `kinesis:<stream name or ARN>`'),
    partitionKeyField: z
      .string()
      .min(1)
      .optional()
      .describe('Body field (dot path, e.g. `user.id`) whose value is the partition key'),
    partitionKeyTemplate: z
      .string()
      .min(1)
      .optional()
      .describe('Partition key template, e.g. `${msg:tenant}/${msg:userId}`'),
    explicitHashKeyField: z
      .string()
      .min(1)
      .optional()
      .describe('Body field (dot path) whose value is the ExplicitHashKey (decimal 0..2^128-1)'),
    explicitHashKeyTemplate: z
      .string()
      .min(1)
      .optional()
      .describe('ExplicitHashKey template, e.g. `${msg:hashKey}`'),
    maxBatchRecords: z
      .number()
      .int()
      .min(1)
      .max(500)
      .default(500)
      .describe('Records per PutRecords (AWS: 1..500); default 500'),
    maxBatchBytes: z
      .number()
      .int()
      .min(1)
      .max(10 * MiB)
      .default(10 * MiB)
      .describe('Bytes per PutRecords, data + partition keys (AWS: up to 10 MiB); default 10485760'),
    maxRecordBytes: z
      .number()
      .int()
      .min(1)
      .max(10 * MiB)
      .optional()
      .describe(
        "Largest record, data + partition key, in bytes; default: the stream's MaxRecordSizeInKiB " +
          '(DescribeStreamSummary), else 1 MiB (1048576). Setting it skips DescribeStreamSummary',
      ),
    lingerMs: z
      .number()
      .int()
      .min(0)
      .default(50)
      .describe('How long the oldest buffered record waits for a fuller batch, in ms; default 50'),
  })
  .superRefine((options, context) => {
    if ((options.streamName === undefined) === (options.streamArn === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['streamName'],
        message: 'give exactly one of streamName and streamArn',
      });
    }
    if (options.partitionKeyField !== undefined && options.partitionKeyTemplate !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['partitionKeyTemplate'],
        message: 'give at most one of partitionKeyField and partitionKeyTemplate',
      });
    }
    if (options.explicitHashKeyField !== undefined && options.explicitHashKeyTemplate !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['explicitHashKeyTemplate'],
        message: 'give at most one of explicitHashKeyField and explicitHashKeyTemplate',
      });
    }
  });

/**
 * Options for {@link kinesisSink}. `partitionKey` and `explicitHashKey` are code-only; JSON uses
 * `partitionKeyField` / `partitionKeyTemplate` and `explicitHashKeyField` / `explicitHashKeyTemplate`.
 */
export type KinesisSinkOptions<T> = z.input<typeof kinesisSinkOptions> & {
  /** The partition key of a message (1..256 characters). */
  partitionKey?: (message: OutgoingMessage<T>) => string;
  /** The ExplicitHashKey of a message (decimal 0..2^128-1), or `undefined` to hash the partition key. */
  explicitHashKey?: (message: OutgoingMessage<T>) => string | undefined;
};
