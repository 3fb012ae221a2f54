import type { Logger } from '@tributary/connection';
import { type BatchAnswer, mapBatchAnswer } from './batchAnswer.js';
import type { BatchDriver, BatchLimits } from './driver.js';
import type { OutgoingMessage } from './message.js';
import type { MessageAttributesFunction } from './messageAttributes.js';
import type { MessageKeyConfig } from './messageKeys.js';

/** SQS `SendMessageBatch`, SNS `PublishBatch`: at most 10 entries per request. */
const MAX_MESSAGE_BATCH_ENTRIES = 10;

/**
 * What the SQS and SNS sink drivers' configs share: FIFO ids, attributes added to every message, the logger.
 * @example
 * ```ts
 * const config: MessageDriverConfig<Order> = { fifo: false, attributes: () => ({ v: { type: 'Number', value: '2' } }), logger };
 * ```
 */
export interface MessageDriverConfig<T> extends MessageKeyConfig<T> {
  /** Attributes added to every message (computed per message); the message's own attributes win. */
  attributes?: MessageAttributesFunction<T> | undefined;
  logger: Logger;
}

/**
 * A prepared entry of a {@link messageBatchDriver}: the service's request entry fields (without `Id`) and its
 * size.
 * @example
 * ```ts
 * const entry: MessageBatchEntry = { MessageGroupId: 'c1', MessageDeduplicationId: undefined, size: 5 };
 * ```
 */
export interface MessageBatchEntry {
  readonly MessageGroupId: string | undefined;
  readonly MessageDeduplicationId: string | undefined;
  /** The entry's size by the service's rule, in bytes; not sent. */
  readonly size: number;
}

/**
 * What a service adds to {@link messageBatchDriver}: `E` is its prepared entry, `R` its request entry.
 * @example
 * ```ts
 * const spec: MessageBatchDriverSpec<Order, SqsSinkEntry, SqsRequestEntry> = { service: 'sqs', limits, fifo, prepare, requestEntry, send };
 * ```
 */
export interface MessageBatchDriverSpec<T, E extends MessageBatchEntry, R> {
  /** Service name for logs and errors: `sqs`, `sns`. */
  readonly service: string;
  readonly limits: BatchLimits;
  /** FIFO target: an entry's `MessageGroupId` is its ordering key. */
  readonly fifo: boolean;
  /** The service's own transient entry codes (see {@link MapBatchAnswerOptions.transientCodes}). */
  readonly transientCodes?: ReadonlySet<string> | undefined;
  /** As {@link BatchDriver.start}. */
  start?(signal: AbortSignal): Promise<Partial<BatchLimits> | undefined>;
  /** As {@link BatchDriver.prepare}: builds the entry, with its size. */
  prepare(message: OutgoingMessage<T>): E;
  /**
   * The request entry of a prepared entry, with `id` as its `Id` and without `size`: a new object on every send,
   * since a retried entry goes out again under another `Id` (and a recorded request must not change). Undefined
   * fields may stay: the SDK serializes the members of the request's schema that have a value.
   */
  requestEntry(entry: E, id: string): R;
  /** Sends one batch request with these entries and returns the service's answer. */
  send(entries: R[]): Promise<BatchAnswer>;
}

/**
 * The request limits of SQS `SendMessageBatch` and SNS `PublishBatch`: 10 entries, and as many bytes per
 * request as per message.
 * @example
 * ```ts
 * const SQS_SINK_LIMITS = messageBatchLimits(1_048_576);
 * // { maxBatchEntries: 10, maxBatchBytes: 1048576, maxEntryBytes: 1048576 }, frozen
 * ```
 */
export function messageBatchLimits(maxMessageBytes: number): BatchLimits {
  return Object.freeze({
    maxBatchEntries: MAX_MESSAGE_BATCH_ENTRIES,
    maxBatchBytes: maxMessageBytes,
    maxEntryBytes: maxMessageBytes,
  });
}

/**
 * A {@link BatchDriver} for a message service whose batch requests name entries by an `Id` and answer with
 * `Successful` / `Failed` lists (SQS `SendMessageBatch`, SNS `PublishBatch`): each entry goes out as the
 * service's request entry with its index in the batch as `Id`, the answer is mapped back by `Id` with
 * {@link mapBatchAnswer}, an entry's size is its `size`, and on FIFO targets its `MessageGroupId` is its
 * ordering key.
 * @example
 * ```ts
 * const driver = messageBatchDriver<Order, SqsSinkEntry, SendMessageBatchRequestEntry>({
 *   service: 'sqs',
 *   limits: SQS_SINK_LIMITS,
 *   fifo: false,
 *   prepare: (message) => ({ MessageBody: bodyText(message.body), MessageGroupId: undefined, MessageDeduplicationId: undefined, size }),
 *   requestEntry: (entry, Id) => ({ Id, MessageBody: entry.MessageBody }),
 *   send: (Entries) => client.send(new SendMessageBatchCommand({ QueueUrl, Entries })),
 * });
 * ```
 */
export function messageBatchDriver<T, E extends MessageBatchEntry, R>(
  spec: MessageBatchDriverSpec<T, E, R>,
): BatchDriver<T, E> {
  const { fifo, send, requestEntry } = spec;
  const answerOptions = { transientCodes: spec.transientCodes };
  const driver: BatchDriver<T, E> = {
    service: spec.service,
    limits: spec.limits,
    prepare: (message) => spec.prepare(message),
    entrySize: (entry) => entry.size,
    orderingKey: (entry) => (fifo ? entry.MessageGroupId : undefined),
    async sendBatch(entries) {
      const answer = await send(entries.map((entry, index) => requestEntry(entry, String(index))));
      return mapBatchAnswer(answer, entries.length, answerOptions);
    },
  };
  const { start } = spec;
  return start ? { ...driver, start: (signal) => start.call(spec, signal) } : driver;
}
