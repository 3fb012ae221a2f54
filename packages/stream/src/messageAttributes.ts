// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${msg:path} runtime templates are option values here
import { z } from 'zod';
import type { MessageAttribute, OutgoingMessage } from './message.js';
import { normalizeAttributes } from './message.js';
import { compileMessageKey, type MessageKeyFunction } from './messageKeys.js';

/**
 * SQS and SNS: at most 10 message attributes per message (SNS accepts more, but not its SQS and Lambda
 * subscribers).
 * @example
 * ```ts
 * MAX_MESSAGE_ATTRIBUTES; // 10
 * ```
 */
export const MAX_MESSAGE_ATTRIBUTES = 10;

/** Names: letters, digits, `_`, `-`, `.`, 1..256; no leading or trailing `.`. */
const ATTRIBUTE_NAME = /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]{0,254}[A-Za-z0-9_-])?$/;
const RESERVED_ATTRIBUTE_PREFIX = /^(aws\.|amazon\.)/i;

/**
 * A message attribute as SQS and SNS take it (`MessageAttributeValue` of both SDK clients accepts it).
 * @example
 * ```ts
 * const value: AwsMessageAttributeValue = { DataType: 'Number', StringValue: '3' };
 * ```
 */
export interface AwsMessageAttributeValue {
  DataType: 'String' | 'Number' | 'Binary';
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

/**
 * Computes the attributes added to every message (see {@link compileMessageAttributes}).
 * @example
 * ```ts
 * const defaults: MessageAttributesFunction<Order> = (m) => ({ tenant: { type: 'String', value: m.body.tenant } });
 * ```
 */
export type MessageAttributesFunction<T> = (message: OutgoingMessage<T>) => Record<string, MessageAttribute>;

/**
 * What {@link encodeMessageAttributes} needs besides the message: the service's text rule and the defaults.
 * @example
 * ```ts
 * const options: EncodeMessageAttributesOptions<Order> = { service: 'SQS', checkText: checkSqsText };
 * ```
 */
export interface EncodeMessageAttributesOptions<T> {
  /** Service name in the attribute-count error (`a message has at most 10 attributes (SQS limit)`). */
  readonly service: string;
  /**
   * Throws a RangeError when the service refuses a String or Number value (empty, characters it does not
   * take); `what` names the attribute (`attribute "tenant"`).
   */
  readonly checkText: (text: string, what: string) => void;
  /** Attributes added to every message; the message's own attributes of the same name win. Default: none. */
  readonly defaults?: MessageAttributesFunction<T> | undefined;
}

/**
 * A message's attributes as SQS/SNS values, and the bytes they add to the message's size.
 * @example
 * ```ts
 * const { values, size } = encodeMessageAttributes(message, { service: 'SNS', checkText });
 * ```
 */
export interface EncodedMessageAttributes {
  /** `undefined` when the message has no attribute. */
  readonly values: Record<string, AwsMessageAttributeValue> | undefined;
  /** Every attribute's name, data type and value, in bytes (UTF-8 for text, raw for Binary). */
  readonly size: number;
}

/**
 * Merges a message's attributes over the `defaults`, checks them as SQS and SNS do and converts them to
 * `MessageAttributeValue`s, with their size as both services count it: name + data type + value, in bytes.
 * Throws a RangeError (the writer rejects that write alone, `PREPARE_FAILED`) for more than
 * {@link MAX_MESSAGE_ATTRIBUTES} attributes, a name that is not 1..256 of `A-Z a-z 0-9 _ - .` (no leading,
 * trailing or double period, no `AWS.` / `Amazon.` prefix), an empty Binary value, a Number that is not a
 * number, or a text `options.checkText` refuses.
 * @example
 * ```ts
 * const { values, size } = encodeMessageAttributes(
 *   { body: 'x', attributes: { tenant: 'acme', priority: 3 } },
 *   { service: 'SQS', checkText: checkSqsText },
 * );
 * // values: { tenant: { DataType: 'String', StringValue: 'acme' }, priority: { DataType: 'Number', StringValue: '3' } }
 * // size: (6 + 6 + 4) + (8 + 6 + 1) = 31
 * ```
 */
export function encodeMessageAttributes<T>(
  message: OutgoingMessage<T>,
  options: EncodeMessageAttributesOptions<T>,
): EncodedMessageAttributes {
  const { service, checkText, defaults } = options;
  let attributes: Record<string, MessageAttribute> | undefined;
  if (defaults) {
    attributes = defaults(message);
    if (message.attributes) Object.assign(attributes, normalizeAttributes(message.attributes));
  } else if (message.attributes) {
    attributes = normalizeAttributes(message.attributes);
  }
  let size = 0;
  let count = 0;
  let values: Record<string, AwsMessageAttributeValue> | undefined;
  for (const name in attributes) {
    const attribute = attributes[name];
    if (attribute === undefined) continue;
    count += 1;
    if (count > MAX_MESSAGE_ATTRIBUTES) {
      throw new RangeError(`a message has at most ${MAX_MESSAGE_ATTRIBUTES} attributes (${service} limit)`);
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
      checkText(attribute.value, `attribute "${name}"`);
      if (attribute.type === 'Number' && !Number.isFinite(Number(attribute.value))) {
        throw new RangeError(`attribute "${name}" has type Number but its value is not a number`);
      }
      values[name] = { DataType: attribute.type, StringValue: attribute.value };
      size += Buffer.byteLength(attribute.value, 'utf8');
    }
  }
  return { values, size };
}

/**
 * The `attributes` option of the SQS and SNS sinks: attributes added to every message, each a constant or a
 * `${msg:path}` template (Binary: base64 text). Compile it with {@link compileMessageAttributes}.
 * @param service - names the data type in the description (`SQS data type`).
 * @example
 * ```ts
 * const options = z.strictObject({ queueUrl: z.url(), attributes: messageAttributesOption('SQS') });
 * ```
 */
export function messageAttributesOption(service: string) {
  const attribute = z.strictObject({
    type: z.enum(['String', 'Number', 'Binary']).describe(`${service} data type`),
    value: z
      .string()
      .min(1)
      .describe(
        'Constant or `${msg:path}` template; for Binary the result is base64 and decoded before sending',
      ),
  });
  return z
    .record(z.string(), attribute)
    .optional()
    .describe("Attributes added to every message; a message's own attribute of the same name wins");
}

/**
 * Compiles a parsed {@link messageAttributesOption} (templates once) into the `defaults` of
 * {@link encodeMessageAttributes}: a fresh record per message, Binary values decoded from base64.
 * `undefined` when there is no attribute to add.
 * @example
 * ```ts
 * const defaults = compileMessageAttributes<Order>({ tenant: { type: 'String', value: '${msg:tenant}' } });
 * defaults?.({ body: { tenant: 'acme' } }); // { tenant: { type: 'String', value: 'acme' } }
 * ```
 */
export function compileMessageAttributes<T>(
  spec: Readonly<Record<string, { type: 'String' | 'Number' | 'Binary'; value: string }>> | undefined,
): MessageAttributesFunction<T> | undefined {
  if (spec === undefined) return undefined;
  const compiled = Object.entries(spec).map(([name, { type, value }]) => {
    const text = compileMessageKey<T>(value) as MessageKeyFunction<T>;
    return { name, type, text };
  });
  if (compiled.length === 0) return undefined;
  return (message) => {
    const out: Record<string, MessageAttribute> = {};
    for (const { name, type, text } of compiled) {
      const value = text(message);
      out[name] = type === 'Binary' ? { type, value: Buffer.from(value, 'base64') } : { type, value };
    }
    return out;
  };
}
