// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${msg:path} runtime templates are option values here
import type { MessageKeyFunction } from '@tributary/stream';
import { batchWriterOptions, messageAttributesOption, messageKeyOptions } from '@tributary/stream';
import { z } from 'zod';

/**
 * Options for {@link snsSink} that a JSON asset can carry too: the topic, subject, structure, FIFO ids,
 * attributes and the {@link batchWriterOptions} tuning. Functions for `subject`, `messageGroupId` and
 * `deduplicationId` are code-only (see {@link SnsSinkOptions}).
 * @example
 * ```ts
 * const options = parseOptions(snsSinkOptions, { topicArn, subject: 'Order ${msg:id}' });
 * ```
 */
export const snsSinkOptions = z.strictObject({
  topicArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
      'must be a topic ARN (arn:aws:sns:<region>:<account>:<name>)',
    )
    .describe('Target topic ARN; a name ending in .fifo is a FIFO topic'),
  name: z
    .string()
    .min(1)
    .regex(/^\S+$/, 'must not contain spaces')
    .optional()
    .describe('Sink name on receipts, logs and errors; default `sns:<topic name>`'),
  subject: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Subject for email subscribers: a constant or a `${msg:path}` template, 1..100 printable ASCII',
    ),
  messageStructure: z
    .enum(['json'])
    .optional()
    .describe('`json`: the body is a JSON object with a `default` message and one message per protocol'),
  ...messageKeyOptions('topic'),
  attributes: messageAttributesOption('SNS'),
  ...batchWriterOptions.shape,
});

/**
 * A function computing a per-message text (subject, group or deduplication id).
 * @example
 * ```ts
 * const subject: MessageTextFunction<Alert> = (m) => `Alert ${m.body.level}`;
 * ```
 */
export type MessageTextFunction<T> = MessageKeyFunction<T>;

/**
 * Options for {@link snsSink}. In code, `subject`, `messageGroupId` and `deduplicationId` may also be
 * functions of the message; JSON uses constants and `${msg:path}` templates.
 * @example
 * ```ts
 * const options: SnsSinkOptions<Alert> = { topicArn, subject: (m) => `Alert ${m.body.level}` };
 * ```
 */
export type SnsSinkOptions<T = unknown> = Omit<
  z.input<typeof snsSinkOptions>,
  'subject' | 'messageGroupId' | 'deduplicationId'
> & {
  subject?: string | MessageTextFunction<T>;
  messageGroupId?: string | MessageTextFunction<T>;
  deduplicationId?: z.input<typeof snsSinkOptions>['deduplicationId'] | MessageTextFunction<T>;
};
