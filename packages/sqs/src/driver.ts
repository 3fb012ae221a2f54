import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ACCESS_DENIED_ERROR_NAMES, toTributaryError } from '@tributary/connection';
import type { BatchDriver, MessageDriverConfig } from '@tributary/stream';
import { bodyText, encodeMessageAttributes, messageBatchDriver, messageKeysOf } from '@tributary/stream';
import {
  checkSqsText,
  SQS_MAX_MESSAGE_BYTES,
  SQS_SINK_LIMITS,
  SQS_TRANSIENT_ENTRY_CODES,
  SqsRequestEntry,
  SqsSinkEntry,
} from './internal/sinkEntry.js';

export type { SqsSinkEntry } from './internal/sinkEntry.js';
export { SQS_SINK_LIMITS } from './internal/sinkEntry.js';

/**
 * What {@link sqsSinkDriver} needs once options are parsed and templates compiled: the queue, the delay, and
 * the FIFO ids, default attributes and logger of {@link MessageDriverConfig}.
 * @example
 * ```ts
 * const config: SqsSinkDriverConfig<Order> = { queueName: 'orders.fifo', fifo: true, messageGroupId: (m) => m.body.customerId, logger };
 * ```
 */
export interface SqsSinkDriverConfig<T> extends MessageDriverConfig<T> {
  /** The queue URL, or undefined when `queueName` is resolved with GetQueueUrl at start. */
  queueUrl?: string | undefined;
  queueName?: string | undefined;
  queueOwnerAccountId?: string | undefined;
  delaySeconds?: number | undefined;
}

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
  const { delaySeconds, logger } = config;
  const attributeRules = { service: 'SQS', checkText: checkSqsText, defaults: config.attributes };

  const driver = messageBatchDriver<T, SqsSinkEntry, SqsRequestEntry>({
    service: 'sqs',
    limits: SQS_SINK_LIMITS,
    fifo: config.fifo,
    transientCodes: SQS_TRANSIENT_ENTRY_CODES,

    async start(signal) {
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
        self.queueUrl = resolved;
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

    prepare(message) {
      const body = bodyText(message.body);
      checkSqsText(body, 'the message body', typeof message.body !== 'string');
      const attributes = encodeMessageAttributes(message, attributeRules);
      const ids = messageKeysOf(message, body, config, 'queue');
      return new SqsSinkEntry(
        body,
        attributes.values,
        ids.messageGroupId,
        ids.deduplicationId,
        delaySeconds,
        Buffer.byteLength(body, 'utf8') + attributes.size,
      );
    },

    requestEntry: (entry, id) => new SqsRequestEntry(id, entry),

    // No per-call { abortSignal }: it would switch off the client's middleware cache on every send.
    // The writer stops starting batches once aborted; an accepted request is not recalled anyway.
    send: (entries) => client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })),
  });
  // `queueUrl` is a data property, updated when start resolves it, not a getter: V8 keeps an accessor in the
  // object's map, so each driver's own getter would give it a map of its own, and the writer's calls into
  // drivers would turn megamorphic as sinks come and go (the engine and the benches make one per run).
  const self = { ...driver, queueUrl };
  return self;
}
