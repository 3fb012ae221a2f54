// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${msg:path} runtime templates are option values here
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { OutgoingMessage } from './message.js';
import { compileTemplate } from './template.js';

/**
 * A function computing a per-message text: a FIFO group or deduplication id, an SNS subject.
 * @example
 * ```ts
 * const byCustomer: MessageKeyFunction<Order> = (m) => m.body.customerId;
 * ```
 */
export type MessageKeyFunction<T> = (message: OutgoingMessage<T>) => string;

/**
 * A function computing a message's deduplication id; it also gets the encoded body, for content hashing.
 * @example
 * ```ts
 * const byOrder: DeduplicationIdFunction<Order> = (m) => `order-${m.body.id}`;
 * ```
 */
export type DeduplicationIdFunction<T> = (message: OutgoingMessage<T>, body: string) => string;

/**
 * What FIFO ids are for, as option descriptions and errors name it: an SQS `queue` or an SNS `topic`.
 * @example
 * ```ts
 * const target: MessageKeyTarget = 'queue';
 * ```
 */
export type MessageKeyTarget = 'queue' | 'topic';

/** MessageGroupId / MessageDeduplicationId: 1..128 printable ASCII characters (alphanumeric and punctuation). */
const GROUP_OR_DEDUP_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The `messageGroupId` and `deduplicationId` options of the SQS and SNS sinks, to spread into a sink's
 * options schema. JSON carries constants and `${msg:path}` templates; functions are code-only.
 * - `messageGroupId`: a constant or template; optional here (the sink requires it for FIFO targets).
 * - `deduplicationId`: `none` (default; the target must use content-based deduplication), `unique` (a new
 *   UUID per write), `content` (SHA-256 of the body) or `{ template }`.
 * @param target - `queue` or `topic`, for the descriptions.
 * @example
 * ```ts
 * const sqsSinkOptions = z.strictObject({ queueUrl: z.url(), ...messageKeyOptions('queue') });
 * ```
 */
export function messageKeyOptions(target: MessageKeyTarget) {
  const content = target === 'queue' ? 'body' : 'message';
  return {
    messageGroupId: z
      .string()
      .min(1)
      .optional()
      .describe(
        `MessageGroupId: a constant or a \`\${msg:path}\` template (1..128 printable ASCII after expansion); required for FIFO ${target}s`,
      ),
    deduplicationId: z
      .union([
        z.enum(['none', 'unique', 'content']),
        z.strictObject({ template: z.string().min(1).describe('Constant or `${msg:path}` template') }),
      ])
      .default('none')
      .describe(
        `FIFO MessageDeduplicationId: \`none\` (the ${target} must use content-based deduplication), \`unique\` (a new UUID per write), \`content\` (SHA-256 of the ${content}) or \`{ template }\`; default none`,
      ),
  };
}

/**
 * Compiles a constant, a `${msg:path}` template (once) or a function into a function of the message;
 * `undefined` stays `undefined`. For group ids, deduplication id templates, subjects.
 * @example
 * ```ts
 * const groupId = compileMessageKey<Order>('customer-${msg:customerId}');
 * groupId?.({ body: { customerId: 'c1' } }); // 'customer-c1'
 * ```
 * @throws {@link ConfigError} for a malformed template (see {@link compileTemplate}).
 */
export function compileMessageKey<T>(
  spec: string | MessageKeyFunction<T> | undefined,
): MessageKeyFunction<T> | undefined {
  if (spec === undefined || typeof spec === 'function') return spec;
  if (!spec.includes('${')) return () => spec;
  const template = compileTemplate(spec);
  return (message) => template(message);
}

/**
 * Compiles a `deduplicationId` option into a function of the message and its encoded body: `none` or
 * `undefined` give `undefined`, `unique` a fresh UUID per call (the writer prepares a write once, so its
 * retries keep it), `content` the body's SHA-256 in hex (the input SQS and SNS hash for content-based
 * deduplication), `{ template }` and functions the computed text.
 * @example
 * ```ts
 * const dedupId = compileDeduplicationId<Order>('content');
 * dedupId?.({ body: order }, '{"id":1}'); // SHA-256 of '{"id":1}', hex
 * ```
 */
export function compileDeduplicationId<T>(
  spec: 'none' | 'unique' | 'content' | { template: string } | MessageKeyFunction<T> | undefined,
): DeduplicationIdFunction<T> | undefined {
  if (spec === undefined || spec === 'none') return undefined;
  if (spec === 'unique') return () => randomUUID();
  if (spec === 'content') return (_message, body) => createHash('sha256').update(body, 'utf8').digest('hex');
  if (typeof spec === 'function') return (message) => spec(message);
  return compileMessageKey<T>(spec.template);
}

/**
 * The FIFO id functions of an SQS or SNS sink driver's config, as {@link messageKeysOf} takes them.
 * @example
 * ```ts
 * const config: MessageKeyConfig<Order> = { fifo: true, messageGroupId: (m) => m.body.customerId };
 * ```
 */
export interface MessageKeyConfig<T> {
  /** FIFO target (name ends in `.fifo`): every message needs a group id; group ids are ordering keys. */
  fifo: boolean;
  messageGroupId?: MessageKeyFunction<T> | undefined;
  /** Receives the encoded body too, for content hashing. */
  deduplicationId?: DeduplicationIdFunction<T> | undefined;
}

/**
 * A message's `MessageGroupId` and `MessageDeduplicationId`, checked as SQS and SNS require: 1..128
 * printable ASCII characters. Throws a RangeError (the writer rejects that write alone, `PREPARE_FAILED`)
 * when an id breaks that rule or a FIFO target has no `messageGroupId`.
 * @param target - `queue` or `topic`, for the error of a FIFO target without `messageGroupId`.
 * @example
 * ```ts
 * const ids = messageKeysOf({ body: order }, body, { fifo: true, messageGroupId }, 'queue');
 * // { messageGroupId: 'c1', deduplicationId: undefined }
 * ```
 */
export function messageKeysOf<T>(
  message: OutgoingMessage<T>,
  body: string,
  config: MessageKeyConfig<T>,
  target: MessageKeyTarget,
): { messageGroupId: string | undefined; deduplicationId: string | undefined } {
  let messageGroupId: string | undefined;
  if (config.messageGroupId) {
    messageGroupId = config.messageGroupId(message);
    checkMessageKey(messageGroupId, 'messageGroupId');
  } else if (config.fifo) {
    throw new RangeError(`a FIFO ${target} needs a messageGroupId`);
  }
  let deduplicationId: string | undefined;
  if (config.deduplicationId) {
    deduplicationId = config.deduplicationId(message, body);
    checkMessageKey(deduplicationId, 'deduplicationId');
  }
  return { messageGroupId, deduplicationId };
}

function checkMessageKey(value: string, what: string): void {
  if (!GROUP_OR_DEDUP_ID.test(value)) {
    throw new RangeError(
      `${what} must be 1..128 printable ASCII characters without spaces, got ${value.length} characters`,
    );
  }
}
