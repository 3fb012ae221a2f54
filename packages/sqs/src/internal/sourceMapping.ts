import type { Message as SqsApiMessage } from '@aws-sdk/client-sqs';
import type { MessageAttribute } from '@tributary/stream';

/**
 * What an SQS message carries besides its body and message attributes: its system attributes.
 * @example
 * ```ts
 * sqsSource(aws, { queueUrl }).subscribe((m) => logger.info('got', { id: m.id, receives: m.meta.receiveCount }));
 * ```
 */
export interface SqsMessageMeta {
  /** The queue the message came from. */
  readonly queueUrl: string;
  /** SQS MessageId (also `message.id`). */
  readonly messageId: string;
  /** `ApproximateReceiveCount`: 1 on the first delivery. */
  readonly receiveCount: number;
  /** `SentTimestamp`, epoch ms. */
  readonly sentTimestamp: number | undefined;
  /** `ApproximateFirstReceiveTimestamp`, epoch ms. */
  readonly firstReceiveTimestamp: number | undefined;
  /** FIFO queues (and fair standard queues): `MessageGroupId`. */
  readonly messageGroupId: string | undefined;
  /** FIFO queues: `MessageDeduplicationId`. */
  readonly messageDeduplicationId: string | undefined;
  /** FIFO queues: `SequenceNumber`. */
  readonly sequenceNumber: string | undefined;
  /** Every system attribute as SQS returned it (`SenderId`, `AWSTraceHeader`, `DeadLetterQueueSourceArn`, ...). */
  readonly systemAttributes: Readonly<Record<string, string>>;
}

function toNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** System attributes of a received message as {@link SqsMessageMeta}. */
export function sourceMeta(queueUrl: string, message: SqsApiMessage): SqsMessageMeta {
  const system: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.Attributes ?? {})) {
    if (typeof value === 'string') system[name] = value;
  }
  return Object.freeze({
    queueUrl,
    messageId: message.MessageId ?? '',
    receiveCount: toNumber(system.ApproximateReceiveCount) ?? 1,
    sentTimestamp: toNumber(system.SentTimestamp),
    firstReceiveTimestamp: toNumber(system.ApproximateFirstReceiveTimestamp),
    messageGroupId: system.MessageGroupId,
    messageDeduplicationId: system.MessageDeduplicationId,
    sequenceNumber: system.SequenceNumber,
    systemAttributes: Object.freeze(system),
  });
}

/** Message attributes as typed attributes; custom types (`Number.float`, `String.json`) keep their base type. */
export function sourceAttributes(message: SqsApiMessage): Record<string, MessageAttribute> {
  const out: Record<string, MessageAttribute> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    const base = (value.DataType ?? 'String').split('.')[0];
    if (base === 'Binary') out[name] = { type: 'Binary', value: value.BinaryValue ?? new Uint8Array() };
    else if (base === 'Number') out[name] = { type: 'Number', value: value.StringValue ?? '' };
    else out[name] = { type: 'String', value: value.StringValue ?? '' };
  }
  return out;
}
