import { z } from 'zod';

/**
 * Tuning of a {@link BatchWriter}, composed by every batch sink into its own options schema
 * (`z.strictObject({ ...batchWriterOptions.shape, streamName: ... })`). JSON-describable.
 * @example
 * ```ts
 * const options = parseOptions(batchWriterOptions, { lingerMs: 50, maxConcurrency: 8 });
 * ```
 */
export const batchWriterOptions = z.strictObject({
  maxBatchEntries: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      "Entries per request; default and upper bound: the service's limit (SQS/SNS/EventBridge 10, Kinesis 500)",
    ),
  maxBatchBytes: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Bytes per request (sum of entry sizes); default and upper bound: the service's limit"),
  lingerMs: z
    .number()
    .int()
    .min(0)
    .default(20)
    .describe('How long the oldest buffered entry waits for a fuller batch, in ms; default 20'),
  maxConcurrency: z.number().int().min(1).default(4).describe('Batch requests in flight at once; default 4'),
  maxBufferedEntries: z
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe('Entries buffered + in flight + waiting for retry before write() waits for room; default 1000'),
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .default(8)
    .describe('Sends per entry including the first, before its write() is rejected; default 8'),
  baseDelayMs: z
    .number()
    .int()
    .min(0)
    .default(100)
    .describe(
      'Retry backoff base in ms (full jitter: random(0, min(maxDelayMs, baseDelayMs * 2^(attempt-1)))); default 100',
    ),
  maxDelayMs: z.number().int().min(0).default(10_000).describe('Retry backoff cap in ms; default 10000'),
  ordered: z
    .boolean()
    .default(false)
    .describe(
      'Keep write order per ordering key (Kinesis partition key, SQS FIFO group) across retries; default false',
    ),
});

/** Options of a {@link BatchWriter} as written (defaults optional). */
export type BatchWriterOptions = z.input<typeof batchWriterOptions>;

const WRITER_KEYS = Object.keys(batchWriterOptions.shape) as (keyof BatchWriterOptions)[];

/**
 * The {@link BatchWriterOptions} a sink's parsed options carry (the keys of {@link batchWriterOptions} that are
 * set), so a sink hands every writer setting on, including ones added later.
 * @example
 * ```ts
 * createBatchWriter(driver, { name, logger, ...writerOptionsOf(parsed) });
 * ```
 */
export function writerOptionsOf(
  options: Partial<Record<keyof BatchWriterOptions, unknown>>,
): BatchWriterOptions {
  const picked: Record<string, unknown> = {};
  for (const key of WRITER_KEYS) if (options[key] !== undefined) picked[key] = options[key];
  return picked as BatchWriterOptions;
}
