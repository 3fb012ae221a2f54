import { createHash, randomUUID } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import type { EntryOutcome, MessageAttribute } from '@tributary/stream';

/** SNS: 256 KiB per message and per PublishBatch request unless the topic's MaximumMessageSize says more. */
export const SNS_DEFAULT_MAX_MESSAGE_BYTES = 262_144;
/** SNS: a topic's MaximumMessageSize can be raised to at most 1 MiB. */
export const SNS_MAX_MESSAGE_BYTES = 1_048_576;
/** SNS: at most 10 entries per PublishBatch request. */
export const SNS_MAX_BATCH_ENTRIES = 10;
/** SNS: at most 10 message attributes per message (what SQS and Lambda subscribers accept). */
export const SNS_MAX_ATTRIBUTES = 10;

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]{0,254}[A-Za-z0-9_-])?$/;
const RESERVED_ATTRIBUTE_PREFIX = /^(aws\.|amazon\.)/i;
const GROUP_OR_DEDUP_ID = /^[\x21-\x7e]{1,128}$/;
/** Subject: 1..100 printable ASCII characters, not starting with a space. */
const SUBJECT = /^[\x21-\x7e][\x20-\x7e]{0,99}$/;
const TRANSIENT_ENTRY_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'Throttled',
  'KMSThrottling',
  'KMSThrottlingException',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
]);

/**
 * A message as a PublishBatch entry (without its `Id`, which is its index in the batch) and its size.
 * @example
 * ```ts
 * const entry: SnsSinkEntry = driver.prepare({ body: 'hello' }); // entry.size === 5
 * ```
 */
export interface SnsSinkEntry {
  readonly Message: string;
  readonly Subject: string | undefined;
  readonly MessageStructure: 'json' | undefined;
  readonly MessageAttributes: Record<string, MessageAttributeValue> | undefined;
  readonly MessageGroupId: string | undefined;
  readonly MessageDeduplicationId: string | undefined;
  /** Message, subject and every attribute's name, data type and value, in UTF-8 bytes. */
  readonly size: number;
}

/** A string body is sent as is; any other body as its JSON document. */
export function encodeBody(body: unknown): string {
  if (typeof body === 'string') return body;
  const encoded = JSON.stringify(body);
  if (encoded === undefined) throw new TypeError(`a body of type ${typeof body} has no JSON form`);
  return encoded;
}

/** Throws when the text is empty or is not well-formed UTF-16 (a lone surrogate would be altered in UTF-8). */
export function checkSnsText(text: string, what: string): void {
  if (text.length === 0) throw new RangeError(`${what} is empty; SNS requires at least 1 character`);
  const found = LONE_SURROGATE.exec(text);
  if (found) throw new RangeError(`${what} contains a lone surrogate at index ${found.index}`);
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

export function checkGroupOrDedupId(value: string, what: string): void {
  if (!GROUP_OR_DEDUP_ID.test(value)) {
    throw new RangeError(
      `${what} must be 1..128 printable ASCII characters without spaces, got ${value.length} characters`,
    );
  }
}

/** Converts typed attributes to SNS attribute values and returns their bytes (name + data type + value). */
export function toSnsAttributes(attributes: Readonly<Record<string, MessageAttribute>>): {
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
    if (count > SNS_MAX_ATTRIBUTES) {
      throw new RangeError(`a message has at most ${SNS_MAX_ATTRIBUTES} attributes`);
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
      checkSnsText(attribute.value, `attribute "${name}"`);
      if (attribute.type === 'Number' && !Number.isFinite(Number(attribute.value))) {
        throw new RangeError(`attribute "${name}" has type Number but its value is not a number`);
      }
      values[name] = { DataType: attribute.type, StringValue: attribute.value };
      size += Buffer.byteLength(attribute.value, 'utf8');
    }
  }
  return { values, size };
}

/** SHA-256 of the message, hex: the input SNS hashes for content-based deduplication. */
export function contentHash(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

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

/** One outcome per entry from a response's `Successful` and `Failed` lists, matched by `Id`. */
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
