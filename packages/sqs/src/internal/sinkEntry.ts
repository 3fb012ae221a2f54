import { createHash, randomUUID } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { EntryOutcome, MessageAttribute } from '@tributary/stream';

/** SQS: 1 MiB per message and per SendMessageBatch request since August 2025. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/** SQS: at most 10 entries per SendMessageBatch request. */
export const SQS_MAX_BATCH_ENTRIES = 10;
/** SQS: at most 10 message attributes per message. */
export const SQS_MAX_ATTRIBUTES = 10;

/**
 * Characters SQS accepts in a body or a String attribute: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
 * #x10000-#x10FFFF. A lone surrogate does not match the astral range under the `u` flag, so it is refused too.
 */
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
/** Attribute names: letters, digits, `_`, `-`, `.`; no leading/trailing `.`, no `..`, no AWS/Amazon prefix. */
const ATTRIBUTE_NAME = /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]{0,254}[A-Za-z0-9_-])?$/;
const RESERVED_ATTRIBUTE_PREFIX = /^(aws\.|amazon\.)/i;
/** MessageGroupId / MessageDeduplicationId: 1..128 printable ASCII characters (alphanumeric and punctuation). */
const GROUP_OR_DEDUP_ID = /^[\x21-\x7e]{1,128}$/;
/** Codes that are transient whatever `SenderFault` says. */
const TRANSIENT_ENTRY_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'RequestThrottled',
  'KmsThrottled',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
]);

/**
 * A message as a SendMessageBatch entry (without its `Id`, which is its index in the batch) and its size.
 * @example
 * ```ts
 * const entry: SqsSinkEntry = driver.prepare({ body: 'hello' }); // entry.size === 5
 * ```
 */
export interface SqsSinkEntry {
  readonly MessageBody: string;
  readonly MessageAttributes: Record<string, MessageAttributeValue> | undefined;
  readonly MessageGroupId: string | undefined;
  readonly MessageDeduplicationId: string | undefined;
  readonly DelaySeconds: number | undefined;
  /** Size as SQS counts it: body bytes plus name, data type and value bytes of every attribute. */
  readonly size: number;
}

/** A string body is sent as is; any other body as its JSON document. */
export function encodeBody(body: unknown): string {
  if (typeof body === 'string') return body;
  const encoded = JSON.stringify(body);
  if (encoded === undefined) throw new TypeError(`a body of type ${typeof body} has no JSON form`);
  return encoded;
}

/** Throws when SQS would refuse the text (empty or characters outside the allowed set). */
export function checkSqsText(text: string, what: string): void {
  if (text.length === 0) throw new RangeError(`${what} is empty; SQS requires at least 1 character`);
  const found = INVALID_CHARACTER.exec(text);
  if (found) {
    const code = found[0].codePointAt(0) ?? 0;
    throw new RangeError(
      `${what} contains U+${code.toString(16).toUpperCase().padStart(4, '0')} at index ${found.index}, which SQS does not allow`,
    );
  }
}

/** Throws unless the id is 1..128 printable ASCII characters, as SQS requires for group and deduplication ids. */
export function checkGroupOrDedupId(value: string, what: string): void {
  if (!GROUP_OR_DEDUP_ID.test(value)) {
    throw new RangeError(
      `${what} must be 1..128 printable ASCII characters without spaces, got ${value.length} characters`,
    );
  }
}

/**
 * Converts typed attributes to SQS attribute values and returns the bytes they count toward the message
 * size (name + data type + value, UTF-8).
 */
export function toSqsAttributes(attributes: Readonly<Record<string, MessageAttribute>>): {
  values: Record<string, MessageAttributeValue> | undefined;
  size: number;
} {
  let size = 0;
  let count = 0;
  let values: Record<string, MessageAttributeValue> | undefined;
  for (const name in attributes) {
    const attribute = attributes[name];
    if (attribute === undefined) continue;
    count += 1;
    if (count > SQS_MAX_ATTRIBUTES) {
      throw new RangeError(`a message has at most ${SQS_MAX_ATTRIBUTES} attributes (SQS limit)`);
    }
    if (!ATTRIBUTE_NAME.test(name) || name.includes('..') || RESERVED_ATTRIBUTE_PREFIX.test(name)) {
      throw new RangeError(
        `attribute name "${name}" is not allowed: 1..256 of A-Z a-z 0-9 _ - . without leading, trailing or double periods, not starting with AWS. or Amazon.`,
      );
    }
    values ??= {};
    size += Buffer.byteLength(name, 'utf8') + attribute.type.length;
    if (attribute.type === 'Binary') {
      if (attribute.value.byteLength === 0) throw new RangeError(`attribute "${name}" has an empty value`);
      values[name] = { DataType: 'Binary', BinaryValue: attribute.value };
      size += attribute.value.byteLength;
    } else {
      checkSqsText(attribute.value, `attribute "${name}"`);
      if (attribute.type === 'Number' && !Number.isFinite(Number(attribute.value))) {
        throw new RangeError(`attribute "${name}" has type Number but its value is not a number`);
      }
      values[name] = { DataType: attribute.type, StringValue: attribute.value };
      size += Buffer.byteLength(attribute.value, 'utf8');
    }
  }
  return { values, size };
}

/** SHA-256 of the body, hex: the same input SQS hashes for content-based deduplication. */
export function contentHash(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** A fresh deduplication id for every message (and every write of the same message). */
export function uniqueId(): string {
  return randomUUID();
}

/** A failed batch entry as an outcome: `SenderFault: true` is fatal unless the code is a transient one. */
export function failedEntryOutcome(failed: {
  Code?: string | undefined;
  Message?: string | undefined;
  SenderFault?: boolean | undefined;
}): EntryOutcome {
  const code = failed.Code ?? 'UnknownError';
  const fatal = failed.SenderFault === true && !TRANSIENT_ENTRY_CODES.has(code);
  return { status: fatal ? 'fatal' : 'retryable', code, message: failed.Message ?? code };
}

/** Fills one outcome per entry from a batch response's `Successful` and `Failed` lists, matched by `Id`. */
export function mapBatchResponse(
  count: number,
  successful: readonly {
    Id?: string | undefined;
    MessageId?: string | undefined;
    SequenceNumber?: string | undefined;
  }[],
  failed: readonly {
    Id?: string | undefined;
    Code?: string | undefined;
    Message?: string | undefined;
    SenderFault?: boolean | undefined;
  }[],
): EntryOutcome[] {
  const outcomes: (EntryOutcome | undefined)[] = new Array(count);
  for (const entry of successful) {
    const index = indexOf(entry.Id, count);
    if (index === undefined) continue;
    outcomes[index] =
      entry.SequenceNumber === undefined
        ? { status: 'ok', id: entry.MessageId ?? '' }
        : { status: 'ok', id: entry.MessageId ?? '', details: { SequenceNumber: entry.SequenceNumber } };
  }
  for (const entry of failed) {
    const index = indexOf(entry.Id, count);
    if (index === undefined) continue;
    outcomes[index] = failedEntryOutcome(entry);
  }
  const result: EntryOutcome[] = new Array(count);
  for (let i = 0; i < count; i += 1) {
    result[i] = outcomes[i] ?? {
      status: 'retryable',
      code: 'MissingFromResponse',
      message: 'the batch response named this entry neither successful nor failed',
    };
  }
  return result;
}

function indexOf(id: string | undefined, count: number): number | undefined {
  if (id === undefined || !/^\d{1,2}$/.test(id)) return undefined;
  const index = Number(id);
  return index < count ? index : undefined;
}
