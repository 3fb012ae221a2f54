import type { MessageAttributeValue, PublishBatchRequestEntry } from '@aws-sdk/client-sns';
import { type BatchLimits, type MessageBatchEntry, messageBatchLimits } from '@tributary/stream';

/** SNS: 256 KiB per message and per PublishBatch request unless the topic's MaximumMessageSize says more. */
export const SNS_DEFAULT_MAX_MESSAGE_BYTES = 262_144;
/** SNS: a topic's MaximumMessageSize can be raised to at most 1 MiB. */
export const SNS_MAX_MESSAGE_BYTES = 1_048_576;

/**
 * PublishBatch upper limits: 10 entries, 1 MiB per message and per request (a topic's largest
 * MaximumMessageSize). `start()` narrows both byte limits to the topic's size, 256 KiB unless it was raised.
 * @example
 * ```ts
 * SNS_SINK_LIMITS.maxBatchEntries; // 10
 * ```
 */
export const SNS_SINK_LIMITS: BatchLimits = messageBatchLimits(SNS_MAX_MESSAGE_BYTES);

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** Subject: 1..100 printable ASCII characters, not starting with a space. */
const SUBJECT = /^[\x21-\x7e][\x20-\x7e]{0,99}$/;
/**
 * SNS entry codes that are transient whatever `SenderFault` says, besides those every service shares
 * (see `mapBatchAnswer` of `@tributary/stream`).
 */
export const SNS_TRANSIENT_ENTRY_CODES: ReadonlySet<string> = new Set([
  'Throttled',
  'KMSThrottling',
  'KMSThrottlingException',
]);

/**
 * A message as a PublishBatch entry (without its `Id`, which is its index in the batch) and its size. A class, not
 * an object literal: V8 may pretenure a literal's allocation site once entries held in the sink's buffer outlive
 * young collections (see the BatchWriter in `@tributary/stream`); `new` always allocates young.
 * @example
 * ```ts
 * const entry: SnsSinkEntry = driver.prepare({ body: 'hello' }); // entry.size === 5
 * ```
 */
export class SnsSinkEntry implements MessageBatchEntry {
  readonly Message: string;
  readonly Subject: string | undefined;
  readonly MessageStructure: 'json' | undefined;
  readonly MessageAttributes: Record<string, MessageAttributeValue> | undefined;
  readonly MessageGroupId: string | undefined;
  readonly MessageDeduplicationId: string | undefined;
  /** Message, subject and every attribute's name, data type and value, in UTF-8 bytes. */
  readonly size: number;

  constructor(
    message: string,
    subject: string | undefined,
    structure: 'json' | undefined,
    attributes: Record<string, MessageAttributeValue> | undefined,
    groupId: string | undefined,
    deduplicationId: string | undefined,
    size: number,
  ) {
    this.Message = message;
    this.Subject = subject;
    this.MessageStructure = structure;
    this.MessageAttributes = attributes;
    this.MessageGroupId = groupId;
    this.MessageDeduplicationId = deduplicationId;
    this.size = size;
  }
}

/** The PublishBatch entry of a prepared entry, sent under `id` (its index in the batch). */
export class SnsRequestEntry implements PublishBatchRequestEntry {
  readonly Id: string;
  readonly Message: string;
  readonly Subject: string | undefined;
  readonly MessageStructure: 'json' | undefined;
  readonly MessageAttributes: Record<string, MessageAttributeValue> | undefined;
  readonly MessageGroupId: string | undefined;
  readonly MessageDeduplicationId: string | undefined;

  constructor(id: string, entry: SnsSinkEntry) {
    this.Id = id;
    this.Message = entry.Message;
    this.Subject = entry.Subject;
    this.MessageStructure = entry.MessageStructure;
    this.MessageAttributes = entry.MessageAttributes;
    this.MessageGroupId = entry.MessageGroupId;
    this.MessageDeduplicationId = entry.MessageDeduplicationId;
  }
}

/** Throws when the text is empty or is not well-formed UTF-16 (a lone surrogate would be altered in UTF-8). */
export function checkSnsText(text: string, what: string): void {
  if (text.length === 0) throw new RangeError(`${what} is empty; SNS requires at least 1 character`);
  // isWellFormed() is a native scan, several times faster than the regex that finds the index.
  if (text.isWellFormed()) return;
  const found = LONE_SURROGATE.exec(text);
  throw new RangeError(`${what} contains a lone surrogate at index ${found?.index ?? -1}`);
}

/** With `messageStructure: 'json'` the message must be a JSON object with a string `default` member. */
export function checkJsonStructure(message: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw new RangeError('with messageStructure "json" the message must be a JSON object');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RangeError('with messageStructure "json" the message must be a JSON object');
  }
  if (typeof (parsed as Record<string, unknown>).default !== 'string') {
    throw new RangeError('with messageStructure "json" the message needs a string "default" member');
  }
}

export function checkSubject(subject: string): void {
  if (!SUBJECT.test(subject)) {
    throw new RangeError(
      `subject must be 1..100 printable ASCII characters without line breaks, not starting with a space, got ${subject.length} characters`,
    );
  }
}
