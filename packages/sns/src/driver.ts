import {
  GetTopicAttributesCommand,
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
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
  checkJsonStructure,
  checkSnsText,
  checkSubject,
  encodeBody,
  mapBatchResponse,
  SNS_DEFAULT_MAX_MESSAGE_BYTES,
  SNS_MAX_BATCH_ENTRIES,
  SNS_MAX_MESSAGE_BYTES,
  type SnsSinkEntry,
  toSnsAttributes,
} from './internal/entry.js';

export type { SnsSinkEntry } from './internal/entry.js';

/**
 * What {@link snsSinkDriver} needs once options are parsed and templates compiled.
 * @example
 * ```ts
 * const config: SnsSinkDriverConfig<Alert> = { topicArn, fifo: false, subject: () => 'Alert', logger };
 * ```
 */
export interface SnsSinkDriverConfig<T> {
  topicArn: string;
  /** FIFO topic (name ends in `.fifo`): group ids are ordering keys. */
  fifo: boolean;
  messageStructure?: 'json' | undefined;
  subject?: ((message: OutgoingMessage<T>) => string) | undefined;
  messageGroupId?: ((message: OutgoingMessage<T>) => string) | undefined;
  /** Receives the encoded message too, for content hashing. */
  deduplicationId?: ((message: OutgoingMessage<T>, body: string) => string) | undefined;
  /** Attributes added to every message (computed per message); the message's own attributes win. */
  attributes?: ((message: OutgoingMessage<T>) => Record<string, MessageAttribute>) | undefined;
  logger: Logger;
}

/**
 * PublishBatch upper limits: 10 entries, 1 MiB per message and per request (a topic's largest
 * MaximumMessageSize). `start()` narrows both byte limits to the topic's size, 256 KiB unless it was raised.
 * @example
 * ```ts
 * SNS_SINK_LIMITS.maxBatchEntries; // 10
 * ```
 */
export const SNS_SINK_LIMITS: BatchLimits = Object.freeze({
  maxBatchEntries: SNS_MAX_BATCH_ENTRIES,
  maxBatchBytes: SNS_MAX_MESSAGE_BYTES,
  maxEntryBytes: SNS_MAX_MESSAGE_BYTES,
});

/**
 * The {@link BatchDriver} behind {@link snsSink}: builds PublishBatch entries, sizes them (message, subject,
 * attribute names, types and values in UTF-8 bytes) and maps `Successful` / `Failed` back by entry Id. At
 * start it reads the topic's `MaximumMessageSize` where the service reports one (else 256 KiB, the SNS
 * default) and uses it for both the message and the request limit.
 * @example
 * ```ts
 * const driver = snsSinkDriver(aws.client(SNSClient), { topicArn, fifo: false, logger: console });
 * const writer = createBatchWriter(driver, { name: 'alerts', logger: console });
 * ```
 */
export function snsSinkDriver<T>(
  client: SNSClient,
  config: SnsSinkDriverConfig<T>,
): BatchDriver<T, SnsSinkEntry> {
  const { topicArn, fifo, messageStructure, subject, messageGroupId, deduplicationId, attributes, logger } =
    config;
  return {
    service: 'sns',
    limits: SNS_SINK_LIMITS,

    async start(signal: AbortSignal): Promise<Partial<BatchLimits> | undefined> {
      let maximumMessageSize = SNS_DEFAULT_MAX_MESSAGE_BYTES;
      try {
        const response = await client.send(new GetTopicAttributesCommand({ TopicArn: topicArn }), {
          abortSignal: signal,
        });
        const value = Number(response.Attributes?.MaximumMessageSize);
        if (Number.isInteger(value) && value > 0) maximumMessageSize = Math.min(value, SNS_MAX_MESSAGE_BYTES);
      } catch (error) {
        const code = error instanceof Error ? error.name : '';
        if (!ACCESS_DENIED_ERROR_NAMES.has(code)) {
          throw toTributaryError(error, { operation: 'GetTopicAttributes', resource: topicArn });
        }
        logger.warn('sns.getTopicAttributes.denied', { topicArn, maxEntryBytes: maximumMessageSize });
      }
      logger.debug('sns.sink.started', { topicArn, maxEntryBytes: maximumMessageSize });
      return { maxEntryBytes: maximumMessageSize, maxBatchBytes: maximumMessageSize };
    },

    prepare(message: OutgoingMessage<T>): SnsSinkEntry {
      const body = encodeBody(message.body);
      checkSnsText(body, 'the message body');
      if (messageStructure === 'json') checkJsonStructure(body);
      let size = Buffer.byteLength(body, 'utf8');
      let subjectText: string | undefined;
      if (subject) {
        subjectText = subject(message);
        checkSubject(subjectText);
        size += subjectText.length;
      }
      let merged: Record<string, MessageAttribute> | undefined;
      if (attributes) {
        merged = attributes(message);
        if (message.attributes) Object.assign(merged, normalizeAttributes(message.attributes));
      } else if (message.attributes) {
        merged = normalizeAttributes(message.attributes);
      }
      let attributeValues: SnsSinkEntry['MessageAttributes'];
      if (merged) {
        const converted = toSnsAttributes(merged);
        attributeValues = converted.values;
        size += converted.size;
      }
      let groupId: string | undefined;
      if (messageGroupId) {
        groupId = messageGroupId(message);
        checkGroupOrDedupId(groupId, 'messageGroupId');
      } else if (fifo) {
        throw new RangeError('a FIFO topic needs a messageGroupId');
      }
      let dedupId: string | undefined;
      if (deduplicationId) {
        dedupId = deduplicationId(message, body);
        checkGroupOrDedupId(dedupId, 'deduplicationId');
      }
      return {
        Message: body,
        Subject: subjectText,
        MessageStructure: messageStructure,
        MessageAttributes: attributeValues,
        MessageGroupId: groupId,
        MessageDeduplicationId: dedupId,
        size,
      };
    },

    entrySize(entry: SnsSinkEntry): number {
      return entry.size;
    },

    orderingKey(entry: SnsSinkEntry): string | undefined {
      return fifo ? entry.MessageGroupId : undefined;
    },

    async sendBatch(entries: readonly SnsSinkEntry[]): Promise<readonly EntryOutcome[]> {
      const requestEntries: PublishBatchRequestEntry[] = new Array(entries.length);
      for (let i = 0; i < entries.length; i += 1) {
        const entry = entries[i] as SnsSinkEntry;
        // Only the fields in use: the serializer visits every key it is given.
        const request: PublishBatchRequestEntry = { Id: String(i), Message: entry.Message };
        if (entry.Subject !== undefined) request.Subject = entry.Subject;
        if (entry.MessageStructure !== undefined) request.MessageStructure = entry.MessageStructure;
        if (entry.MessageAttributes !== undefined) request.MessageAttributes = entry.MessageAttributes;
        if (entry.MessageGroupId !== undefined) request.MessageGroupId = entry.MessageGroupId;
        if (entry.MessageDeduplicationId !== undefined)
          request.MessageDeduplicationId = entry.MessageDeduplicationId;
        requestEntries[i] = request;
      }
      // No per-call { abortSignal }: it would switch off the client's middleware cache on every send.
      const response = await client.send(
        new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: requestEntries }),
      );
      return mapBatchResponse(entries.length, response.Successful ?? [], response.Failed ?? []);
    },
  };
}
