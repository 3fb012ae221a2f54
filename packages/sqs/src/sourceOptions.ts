import type { TributaryError } from '@tributary/connection';
import { z } from 'zod';

/** SQS limits the source options mirror (ReceiveMessage, ChangeMessageVisibility). */
export const SQS_MAX_WAIT_TIME_SECONDS = 20;
export const SQS_MAX_RECEIVE_MESSAGES = 10;
export const SQS_MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

/**
 * Options for {@link sqsSource} that a JSON asset can carry too.
 * @example
 * ```ts
 * const options = parseOptions(sqsSourceOptions, { queueUrl, maxInFlight: 500 }, { what: 'sqsSource options' });
 * ```
 */
export const sqsSourceOptions = z
  .strictObject({
    queueUrl: z
      .string()
      .min(1)
      .optional()
      .describe('Queue URL, exactly as SQS returns it (give queueUrl or queueName)'),
    queueName: z
      .string()
      .min(1)
      .max(80)
      .optional()
      .describe('Queue name, resolved to its URL with GetQueueUrl on subscribe (give queueUrl or queueName)'),
    bodyFormat: z
      .enum(['text', 'json'])
      .default('text')
      .describe(
        '`text` emits the body string; `json` emits JSON.parse(body), a parse failure goes to onParseFailure',
      ),
    onParseFailure: z
      .enum(['leave', 'nack'])
      .default('leave')
      .describe(
        '`json` only. `leave`: keep the message invisible until its visibility timeout, so the redrive policy moves it to the DLQ after maxReceiveCount; `nack`: make it visible again now (nackBackoff applies)',
      ),
    waitTimeSeconds: z
      .number()
      .int()
      .min(0)
      .max(SQS_MAX_WAIT_TIME_SECONDS)
      .default(SQS_MAX_WAIT_TIME_SECONDS)
      .describe('Long-polling wait per ReceiveMessage, in seconds (AWS: 0..20; 0 = short polling)'),
    maxMessages: z
      .number()
      .int()
      .min(1)
      .max(SQS_MAX_RECEIVE_MESSAGES)
      .default(SQS_MAX_RECEIVE_MESSAGES)
      .describe('MaxNumberOfMessages per ReceiveMessage (AWS: 1..10)'),
    pollers: z.number().int().min(1).max(64).default(4).describe('ReceiveMessage requests in flight at once'),
    maxInFlight: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe(
        'Unacked messages held (delivered, or with their delete still pending) before polling pauses',
      ),
    visibilityTimeout: z
      .number()
      .int()
      .min(0)
      .max(SQS_MAX_VISIBILITY_TIMEOUT_SECONDS)
      .default(30)
      .describe(
        'VisibilityTimeout of each ReceiveMessage and of each heartbeat extension, in seconds (AWS: 0..43200)',
      ),
    heartbeat: z
      .boolean()
      .default(true)
      .describe('Extend the visibility of unacked messages (ChangeMessageVisibilityBatch) before it expires'),
    maxProcessingMs: z
      .number()
      .int()
      .min(0)
      .default(900_000)
      .describe('Stop extending the visibility of a message this long after its receive, in ms'),
    nackBackoff: z
      .strictObject({
        baseSeconds: z.number().int().min(0).default(1).describe('Delay after the first receive, in seconds'),
        maxSeconds: z
          .number()
          .int()
          .min(0)
          .max(SQS_MAX_VISIBILITY_TIMEOUT_SECONDS)
          .default(900)
          .describe('Largest delay, in seconds (AWS: 0..43200)'),
      })
      .optional()
      .describe(
        'Default delay of nack() without delaySeconds: baseSeconds * 2^(ApproximateReceiveCount-1), capped; absent = visible at once',
      ),
    deleteLingerMs: z
      .number()
      .int()
      .min(0)
      .default(20)
      .describe('Wait this long for a fuller DeleteMessageBatch (10 entries), in ms'),
    maxBatchRequests: z
      .number()
      .int()
      .min(1)
      .default(16)
      .describe('DeleteMessageBatch / ChangeMessageVisibilityBatch requests in flight at once'),
    maxEntryAttempts: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe('Attempts for a delete or visibility change whose batch entry failed transiently'),
    drainTimeoutMs: z
      .number()
      .int()
      .min(0)
      .default(30_000)
      .describe(
        'After stop, how long to keep extending the visibility of delivered messages awaiting ack, in ms',
      ),
  })
  .refine((o) => (o.queueUrl === undefined) !== (o.queueName === undefined), {
    message: 'give exactly one of queueUrl and queueName',
    path: ['queueUrl'],
  });

/** What the source reports to `onError` without failing the stream. */
export type SqsSourceErrorKind = 'parse' | 'delete' | 'nack' | 'heartbeat' | 'release' | 'receive';

/**
 * Options for {@link sqsSource}. `signal` and `onError` are code-only; the rest is {@link sqsSourceOptions}.
 * @example
 * ```ts
 * const options: SqsSourceOptions = { queueUrl, maxInFlight: 500, signal: controller.signal };
 * ```
 */
export type SqsSourceOptions = z.input<typeof sqsSourceOptions> & {
  /**
   * Graceful stop: when aborted, the source stops receiving, aborts its long polls and completes;
   * messages already delivered can still be acked or nacked.
   */
  signal?: AbortSignal;
  /**
   * Problems that do not fail the stream: a body that is not JSON, a delete or visibility change that
   * failed for good, a transient receive error about to be retried. `messageId` when one message is concerned.
   */
  onError?: (error: TributaryError, context: { kind: SqsSourceErrorKind; messageId?: string }) => void;
};

/** Parsed {@link sqsSourceOptions}: defaults applied. */
export type SqsSourceConfig = z.output<typeof sqsSourceOptions>;
