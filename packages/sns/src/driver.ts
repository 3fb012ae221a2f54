import { GetTopicAttributesCommand, PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import { ACCESS_DENIED_ERROR_NAMES, toTributaryError } from '@tributary/connection';
import type { BatchDriver, MessageDriverConfig, MessageKeyFunction } from '@tributary/stream';
import { bodyText, encodeMessageAttributes, messageBatchDriver, messageKeysOf } from '@tributary/stream';
import {
  checkJsonStructure,
  checkSnsText,
  checkSubject,
  SNS_DEFAULT_MAX_MESSAGE_BYTES,
  SNS_MAX_MESSAGE_BYTES,
  SNS_SINK_LIMITS,
  SNS_TRANSIENT_ENTRY_CODES,
  SnsRequestEntry,
  SnsSinkEntry,
} from './internal/entry.js';

export type { SnsSinkEntry } from './internal/entry.js';
export { SNS_SINK_LIMITS } from './internal/entry.js';

/**
 * What {@link snsSinkDriver} needs once options are parsed and templates compiled: the topic, the subject and
 * structure, and the FIFO ids, default attributes and logger of {@link MessageDriverConfig}.
 * @example
 * ```ts
 * const config: SnsSinkDriverConfig<Alert> = { topicArn, fifo: false, subject: () => 'Alert', logger };
 * ```
 */
export interface SnsSinkDriverConfig<T> extends MessageDriverConfig<T> {
  topicArn: string;
  messageStructure?: 'json' | undefined;
  subject?: MessageKeyFunction<T> | undefined;
}

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
  const { topicArn, messageStructure, subject, logger } = config;
  const attributeRules = { service: 'SNS', checkText: checkSnsText, defaults: config.attributes };
  return messageBatchDriver<T, SnsSinkEntry, SnsRequestEntry>({
    service: 'sns',
    limits: SNS_SINK_LIMITS,
    fifo: config.fifo,
    transientCodes: SNS_TRANSIENT_ENTRY_CODES,

    async start(signal) {
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

    prepare(message) {
      const body = bodyText(message.body);
      checkSnsText(body, 'the message body');
      if (messageStructure === 'json') checkJsonStructure(body);
      let size = Buffer.byteLength(body, 'utf8');
      let subjectText: string | undefined;
      if (subject) {
        subjectText = subject(message);
        checkSubject(subjectText);
        size += subjectText.length;
      }
      const attributes = encodeMessageAttributes(message, attributeRules);
      const ids = messageKeysOf(message, body, config, 'topic');
      return new SnsSinkEntry(
        body,
        subjectText,
        messageStructure,
        attributes.values,
        ids.messageGroupId,
        ids.deduplicationId,
        size + attributes.size,
      );
    },

    requestEntry: (entry, id) => new SnsRequestEntry(id, entry),

    // No per-call { abortSignal }: it would switch off the client's middleware cache on every send.
    send: (entries) =>
      client.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries })),
  });
}
