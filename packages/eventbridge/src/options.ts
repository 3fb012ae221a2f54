import type { OutgoingMessage } from '@tributary/stream';
import { batchWriterOptions } from '@tributary/stream';
import { z } from 'zod';

const MB = 1024 * 1024;

/**
 * Options for {@link eventBridgeSink} that a JSON asset can carry too.
 * @example
 * ```ts
 * const options = parseOptions(eventBridgeSinkOptions, { source: 'app.orders', detailType: 'OrderPlaced' });
 * ```
 */
export const eventBridgeSinkOptions = batchWriterOptions.omit({ ordered: true }).extend({
  source: z
    .string()
    .min(1)
    .describe('Event Source: a constant (`app.orders`) or a template (`app.${msg:tenant}`)'),
  detailType: z
    .string()
    .min(1)
    .describe('Event DetailType: a constant (`OrderPlaced`) or a template (`${msg:kind}`)'),
  eventBusName: z
    .string()
    .min(1)
    .max(1600)
    .optional()
    .describe("Event bus name or ARN; default: the account's default bus"),
  name: z
    .string()
    .regex(/^\S+$/, 'must have no spaces')
    .optional()
    .describe('Sink name on receipts, logs and errors; default `eventbridge:<bus>`'),
  detailPath: z
    .string()
    .min(1)
    .optional()
    .describe('Dot path into the body whose value is the Detail; default: the whole body'),
  resources: z
    .array(z.string().min(1))
    .optional()
    .describe('Event Resources (ARNs); each a constant or a template'),
  timeField: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Body field (dot path) with the event Time (ISO 8601 text or epoch milliseconds); default: none (AWS sets the time)',
    ),
  traceHeader: z
    .string()
    .min(1)
    .optional()
    .describe('X-Ray TraceHeader: a constant or a template (`${msg:traceId}`)'),
  maxBatchEntries: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(10)
    .describe('Entries per PutEvents (AWS: 1..10); default 10'),
  maxRequestBytes: z
    .number()
    .int()
    .min(1)
    .max(MB)
    .default(MB)
    .describe(
      'Request limit in bytes (sum of entry sizes), also the largest entry: AWS allows 1 MB (1048576) since ' +
        '2026; set 262144 for endpoints that still enforce 256 KB. Default 1048576',
    ),
});

/**
 * Options for {@link eventBridgeSink}. `time` is code-only; JSON uses `timeField`.
 */
export type EventBridgeSinkOptions<T> = z.input<typeof eventBridgeSinkOptions> & {
  /** The event Time of a message, or `undefined` to let EventBridge set it. */
  time?: (message: OutgoingMessage<T>) => Date | undefined;
};
