import type { MessageAttributeValue, SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { type BatchLimits, type MessageBatchEntry, messageBatchLimits } from '@tributary/stream';

/** SQS: 1 MiB per message and per SendMessageBatch request since August 2025. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

/**
 * SendMessageBatch limits: 10 entries, 1 MiB per message and per request (AWS, since August 2025).
 * @example
 * ```ts
 * SQS_SINK_LIMITS.maxEntryBytes; // 1048576, narrowed at start to the queue's MaximumMessageSize
 * ```
 */
export const SQS_SINK_LIMITS: BatchLimits = messageBatchLimits(SQS_MAX_MESSAGE_BYTES);

/**
 * Characters SQS accepts in a body or a String attribute: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
 * #x10000-#x10FFFF. A lone surrogate does not match the astral range under the `u` flag, so it is refused too.
 */
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * What of the above JSON text can still hold: `JSON.stringify` escapes control characters and (since ES2019)
 * lone surrogates, which leaves U+FFFE and U+FFFF. A two-character class scans about 15 times faster than the
 * full set (12 vs 205 ns for a 220-character body here).
 */
const INVALID_CHARACTER_IN_JSON = /[\uFFFE\uFFFF]/;

/**
 * SQS entry codes that are transient whatever `SenderFault` says, besides those every service shares
 * (see `mapBatchAnswer` of `@tributary/stream`).
 */
export const SQS_TRANSIENT_ENTRY_CODES: ReadonlySet<string> = new Set(['RequestThrottled', 'KmsThrottled']);

/**
 * A message as a SendMessageBatch entry (without its `Id`, which is its index in the batch) and its size. A class,
 * not an object literal: V8 may pretenure a literal's allocation site once entries held in the sink's buffer
 * outlive young collections (see the BatchWriter in `@tributary/stream`); `new` always allocates young.
 * @example
 * ```ts
 * const entry: SqsSinkEntry = driver.prepare({ body: 'hello' }); // entry.size === 5
 * ```
 */
export class SqsSinkEntry implements MessageBatchEntry {
  readonly MessageBody: string;
  readonly MessageAttributes: Record<string, MessageAttributeValue> | undefined;
  readonly MessageGroupId: string | undefined;
  readonly MessageDeduplicationId: string | undefined;
  readonly DelaySeconds: number | undefined;
  /** Size as SQS counts it: body bytes plus name, data type and value bytes of every attribute. */
  readonly size: number;

  constructor(
    body: string,
    attributes: Record<string, MessageAttributeValue> | undefined,
    groupId: string | undefined,
    deduplicationId: string | undefined,
    delaySeconds: number | undefined,
    size: number,
  ) {
    this.MessageBody = body;
    this.MessageAttributes = attributes;
    this.MessageGroupId = groupId;
    this.MessageDeduplicationId = deduplicationId;
    this.DelaySeconds = delaySeconds;
    this.size = size;
  }
}

/** The SendMessageBatch entry of a prepared entry, sent under `id` (its index in the batch). */
export class SqsRequestEntry implements SendMessageBatchRequestEntry {
  readonly Id: string;
  readonly MessageBody: string;
  readonly MessageAttributes: Record<string, MessageAttributeValue> | undefined;
  readonly MessageGroupId: string | undefined;
  readonly MessageDeduplicationId: string | undefined;
  readonly DelaySeconds: number | undefined;

  constructor(id: string, entry: SqsSinkEntry) {
    this.Id = id;
    this.MessageBody = entry.MessageBody;
    this.MessageAttributes = entry.MessageAttributes;
    this.MessageGroupId = entry.MessageGroupId;
    this.MessageDeduplicationId = entry.MessageDeduplicationId;
    this.DelaySeconds = entry.DelaySeconds;
  }
}

/**
 * Throws when SQS would refuse the text (empty or characters outside the allowed set). `json: true` says the text
 * came from `JSON.stringify`, which leaves fewer characters to look for.
 */
export function checkSqsText(text: string, what: string, json = false): void {
  if (text.length === 0) throw new RangeError(`${what} is empty; SQS requires at least 1 character`);
  const found = (json ? INVALID_CHARACTER_IN_JSON : INVALID_CHARACTER).exec(text);
  if (found) {
    const code = found[0].codePointAt(0) ?? 0;
    throw new RangeError(
      `${what} contains U+${code.toString(16).toUpperCase().padStart(4, '0')} at index ${found.index}, which SQS does not allow`,
    );
  }
}
