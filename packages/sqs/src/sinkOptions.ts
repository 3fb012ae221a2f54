// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${msg:path} runtime templates are option values here
import type { MessageKeyFunction } from '@tributary/stream';
import { batchWriterOptions, messageAttributesOption, messageKeyOptions } from '@tributary/stream';
import { z } from 'zod';

export type { MessageKeyFunction } from '@tributary/stream';

/**
 * Options for {@link sqsSink} that a JSON asset can carry too: the queue, FIFO ids, attributes, delay, and
 * the {@link batchWriterOptions} tuning. Functions for `messageGroupId` / `deduplicationId` are code-only
 * (see {@link SqsSinkOptions}).
 * @example
 * ```ts
 * const options = parseOptions(sqsSinkOptions, { queueName: 'orders.fifo', messageGroupId: '${msg:customerId}' });
 * ```
 */
export const sqsSinkOptions = z.strictObject({
  queueUrl: z.url().optional().describe('Target queue URL; give this or queueName'),
  queueName: z
    .string()
    .min(1)
    .max(80)
    .optional()
    .describe('Target queue name, resolved with GetQueueUrl at start; give this or queueUrl'),
  queueOwnerAccountId: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .optional()
    .describe("Account that owns queueName, when it is not the caller's"),
  name: z
    .string()
    .min(1)
    .regex(/^\S+$/, 'must not contain spaces')
    .optional()
    .describe('Sink name on receipts, logs and errors; default `sqs:<queue name>`'),
  ...messageKeyOptions('queue'),
  delaySeconds: z
    .number()
    .int()
    .min(0)
    .max(900)
    .optional()
    .describe(
      'DelaySeconds per message, 0..900 (SQS limit); standard queues only; default: the queue’s delay',
    ),
  attributes: messageAttributesOption('SQS'),
  ...batchWriterOptions.shape,
});

/**
 * Options for {@link sqsSink}. In code, `messageGroupId` and `deduplicationId` may also be functions of the
 * message; JSON uses constants and `${msg:path}` templates.
 * @example
 * ```ts
 * const options: SqsSinkOptions<Order> = { queueUrl, messageGroupId: (m) => m.body.customerId, deduplicationId: 'content' };
 * ```
 */
export type SqsSinkOptions<T = unknown> = Omit<
  z.input<typeof sqsSinkOptions>,
  'messageGroupId' | 'deduplicationId'
> & {
  messageGroupId?: string | MessageKeyFunction<T>;
  deduplicationId?: z.input<typeof sqsSinkOptions>['deduplicationId'] | MessageKeyFunction<T>;
};
