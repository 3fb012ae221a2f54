import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ACCESS_DENIED_ERROR_NAMES, type Logger, toTributaryError } from '@tributary/connection';
import type {
  BatchDriver,
  BatchLimits,
  EntryOutcome,
  MessageAttribute,
  OutgoingMessage,
} from '@tributary/stream';
import { normalizeAttributes } from '@tributary/stream';
import {
  checkGroupOrDedupId,
  checkSqsText,
  encodeBody,
  mapBatchResponse,
  SQS_MAX_BATCH_ENTRIES,
  SQS_MAX_MESSAGE_BYTES,
  type SqsSinkEntry,
  toSqsAttributes,
} from './internal/sinkEntry.js';

export type { SqsSinkEntry } from './internal/sinkEntry.js';

/**
 * What {@link sqsSinkDriver} needs once options are parsed and templates compiled.
 * @example
 * ```ts
 * const config: SqsSinkDriverConfig<Order> = { queueName: 'orders.fifo', fifo: true, messageGroupId: (m) => m.body.customerId, logger };
 * ```
 */
export interface SqsSinkDriverConfig<T> {
  /** The queue URL, or undefined when `queueName` is resolved with GetQueueUrl at start. */
  queueUrl?: string | undefined;
  queueName?: string | undefined;
  queueOwnerAccountId?: string | undefined;
  /** FIFO queue (name ends in `.fifo`): group ids are ordering keys. */
  fifo: boolean;
  messageGroupId?: ((message: OutgoingMessage<T>) => string) | undefined;
  /** Receives the encoded body too, for content hashing. */
  deduplicationId?: ((message: OutgoingMessage<T>, body: string) => string) | undefined;
  delaySeconds?: number | undefined;
  /** Attributes added to every message (computed per message); the message's own attributes win. */
  attributes?: ((message: OutgoingMessage<T>) => Record<string, MessageAttribute>) | undefined;
  logger: Logger;
}

/**
 * SendMessageBatch limits: 10 entries, 1 MiB per message and per request (AWS, since August 2025).
 * @example
 * ```ts
 * SQS_SINK_LIMITS.maxEntryBytes; // 1048576, narrowed at start to the queue's MaximumMessageSize
 * ```
 */
export const SQS_SINK_LIMITS: BatchLimits = Object.freeze({
  maxBatchEntries: SQS_MAX_BATCH_ENTRIES,
  maxBatchBytes: SQS_MAX_MESSAGE_BYTES,
  maxEntryBytes: SQS_MAX_MESSAGE_BYTES,
});

/**
 * The {@link BatchDriver} behind {@link sqsSink}: builds SendMessageBatch entries, sizes them as SQS does
 * (body + attribute names, types and values, UTF-8 bytes) and maps `Successful` / `Failed` back by entry Id.
 * At start it resolves a queue name to its URL and narrows the per-message limit to the queue's
 * `MaximumMessageSize`.
 * @example
 * ```ts
 * const driver = sqsSinkDriver(aws.client(SQSClient), { queueUrl, fifo: false, logger: console });
 * const writer = createBatchWriter(driver, { name: 'orders', logger: console });
 * ```
 */
export function sqsSinkDriver<T>(
  client: SQSClient,
  config: SqsSinkDriverConfig<T>,
): BatchDriver<T, SqsSinkEntry> & {
  /** The queue URL once known (given, or resolved at start). */
  readonly queueUrl: string | undefined;
} {
  let queueUrl = config.queueUrl;
  const { fifo, messageGroupId, deduplicationId, delaySeconds, attributes, logger } = config;

  const driver = {
    service: 'sqs',
    limits: SQS_SINK_LIMITS,
    get queueUrl() {
      return queueUrl;
    },

    async start(signal: AbortSignal): Promise<Partial<BatchLimits> | undefined> {
      if (queueUrl === undefined) {
        let resolved: string | undefined;
        try {
          const response = await client.send(
            new GetQueueUrlCommand({
              QueueName: config.queueName,
              QueueOwnerAWSAccountId: config.queueOwnerAccountId,
            }),
            { abortSignal: signal },
          );
          resolved = response.QueueUrl;
        } catch (error) {
          throw toTributaryError(error, { operation: 'GetQueueUrl', resource: config.queueName });
        }
        if (!resolved) {
          throw toTributaryError(new Error(`GetQueueUrl returned no URL for queue "${config.queueName}"`), {
            operation: 'GetQueueUrl',
            resource: config.queueName,
          });
        }
        queueUrl = resolved;
      }
      let maximumMessageSize: number | undefined;
      try {
        const response = await client.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['MaximumMessageSize'] }),
          { abortSignal: signal },
        );
        const value = Number(response.Attributes?.MaximumMessageSize);
        if (Number.isInteger(value) && value > 0) maximumMessageSize = value;
      } catch (error) {
        const code = error instanceof Error ? error.name : '';
        if (!ACCESS_DENIED_ERROR_NAMES.has(code)) {
          throw toTributaryError(error, { operation: 'GetQueueAttributes', resource: queueUrl });
        }
        logger.warn('sqs.getQueueAttributes.denied', { queueUrl, maxEntryBytes: SQS_MAX_MESSAGE_BYTES });
      }
      if (maximumMessageSize === undefined) return undefined;
      const maxEntryBytes = Math.min(maximumMessageSize, SQS_MAX_MESSAGE_BYTES);
      logger.debug('sqs.sink.started', { queueUrl, maxEntryBytes });
      return { maxEntryBytes };
    },

    prepare(message: OutgoingMessage<T>): SqsSinkEntry {
      const body = encodeBody(message.body);
      checkSqsText(body, 'the message body');
      let size = Buffer.byteLength(body, 'utf8');
      let merged: Record<string, MessageAttribute> | undefined;
      if (attributes) {
        merged = attributes(message);
        if (message.attributes) Object.assign(merged, normalizeAttributes(message.attributes));
      } else if (message.attributes) {
        merged = normalizeAttributes(message.attributes);
      }
      let attributeValues: SqsSinkEntry['MessageAttributes'];
      if (merged) {
        const converted = toSqsAttributes(merged);
        attributeValues = converted.values;
        size += converted.size;
      }
      let groupId: string | undefined;
      if (messageGroupId) {
        groupId = messageGroupId(message);
        checkGroupOrDedupId(groupId, 'messageGroupId');
      } else if (fifo) {
        throw new RangeError('a FIFO queue needs a messageGroupId');
      }
      let dedupId: string | undefined;
      if (deduplicationId) {
        dedupId = deduplicationId(message, body);
        checkGroupOrDedupId(dedupId, 'deduplicationId');
      }
      return {
        MessageBody: body,
        MessageAttributes: attributeValues,
        MessageGroupId: groupId,
        MessageDeduplicationId: dedupId,
        DelaySeconds: delaySeconds,
        size,
      };
    },

    entrySize(entry: SqsSinkEntry): number {
      return entry.size;
    },

    orderingKey(entry: SqsSinkEntry): string | undefined {
      return fifo ? entry.MessageGroupId : undefined;
    },

    async sendBatch(entries: readonly SqsSinkEntry[]): Promise<readonly EntryOutcome[]> {
      const requestEntries: SendMessageBatchRequestEntry[] = new Array(entries.length);
      for (let i = 0; i < entries.length; i += 1) {
        const entry = entries[i] as SqsSinkEntry;
        // Only the fields in use: the serializer visits every key it is given.
        const request: SendMessageBatchRequestEntry = { Id: String(i), MessageBody: entry.MessageBody };
        if (entry.MessageAttributes !== undefined) request.MessageAttributes = entry.MessageAttributes;
        if (entry.MessageGroupId !== undefined) request.MessageGroupId = entry.MessageGroupId;
        if (entry.MessageDeduplicationId !== undefined)
          request.MessageDeduplicationId = entry.MessageDeduplicationId;
        if (entry.DelaySeconds !== undefined) request.DelaySeconds = entry.DelaySeconds;
        requestEntries[i] = request;
      }
      // No per-call { abortSignal }: it would switch off the client's middleware cache on every send.
      // The writer stops starting batches once aborted; an accepted request is not recalled anyway.
      const response = await client.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: requestEntries }),
      );
      return mapBatchResponse(entries.length, response.Successful ?? [], response.Failed ?? []);
    },
  };
  return driver;
}
