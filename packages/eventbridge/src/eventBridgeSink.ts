import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  type AwsConnection,
  configErrorFromIssues,
  parseOptions,
  TributaryError,
} from '@tributary/connection';
import {
  type BatchWriter,
  compileTemplate,
  createBatchWriter,
  getPath,
  type OutgoingMessage,
  writerOptionsOf,
} from '@tributary/stream';
import { eventBridgeDriver } from './driver.js';
import { detailText } from './internal/encode.js';
import { type EventBridgeSinkOptions, eventBridgeSinkOptions } from './options.js';

type TextFn<T> = (message: OutgoingMessage<T>) => string;

/** A template without `${` is a constant: no per-message work. */
function textOf<T>(template: string): TextFn<T> {
  if (!template.includes('${')) return () => template;
  return compileTemplate(template) as TextFn<T>;
}

function missing(path: string, what: string, reason: string): TributaryError {
  return new TributaryError('WRITE_REJECTED', `The message body has no value at "${path}" (${what})`, {
    details: { path, reason },
  });
}

function timeReader<T>(path: string): (message: OutgoingMessage<T>) => Date {
  return (message) => {
    const value = getPath(message.body, path);
    if (typeof value === 'string' || typeof value === 'number') return new Date(value);
    if (value instanceof Date) return value;
    throw missing(path, 'timeField', 'TIME_FIELD_MISSING');
  };
}

/**
 * Sends messages to an EventBridge event bus with PutEvents: up to 10 entries per request and
 * `maxRequestBytes` (default 1 MB) per request, entries sized by AWS's rule (14 bytes for `Time` if set +
 * UTF-8 bytes of Source, DetailType, Detail and Resources). Entries that fail with `ThrottlingException`,
 * `InternalFailure` or `InternalException` are retried with backoff; any other entry error rejects that
 * entry's `write()` with `SinkWriteError` (`WRITE_REJECTED`).
 *
 * `Detail` is the body (or the value at `detailPath`): a string is sent as is (it must be JSON object text),
 * bytes as UTF-8 text, anything else as JSON. The receipt's `id` is the EventId.
 * @example
 * ```ts
 * const sink = eventBridgeSink<Order>(aws, { eventBusName: 'orders', source: 'app.orders', detailType: 'OrderPlaced' });
 * const receipt = await sink.write({ body: { orderId: 'o1', total: 42 } });
 * await sink.close();
 * ```
 * @throws {@link ConfigError} synchronously when options are invalid (naming each field).
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */
export function eventBridgeSink<T = unknown>(
  aws: AwsConnection,
  options: EventBridgeSinkOptions<T>,
): BatchWriter<T> {
  const { time, ...json } = options;
  const opts = parseOptions(eventBridgeSinkOptions, json, { what: 'eventBridgeSink options' });
  if (time !== undefined && opts.timeField !== undefined) {
    throw configErrorFromIssues('eventBridgeSink options', [
      { path: '/timeField', message: 'give only one of time (code) and timeField' },
    ]);
  }

  const detailPath = opts.detailPath;
  const detail: TextFn<T> =
    detailPath === undefined
      ? (message) => detailText(message.body)
      : (message) => {
          const value = getPath(message.body, detailPath);
          if (value === undefined) throw missing(detailPath, 'detailPath', 'DETAIL_PATH_MISSING');
          return detailText(value);
        };
  const resourceTemplates = (opts.resources ?? []).map((r) => textOf<T>(r));
  const traceHeader = opts.traceHeader !== undefined ? textOf<T>(opts.traceHeader) : undefined;
  const logger = aws.logger;

  const driver = eventBridgeDriver<T>({
    client: aws.client(EventBridgeClient),
    eventBusName: opts.eventBusName,
    source: textOf<T>(opts.source),
    detailType: textOf<T>(opts.detailType),
    detail,
    resources:
      resourceTemplates.length > 0 ? (message) => resourceTemplates.map((r) => r(message)) : undefined,
    time: time ?? (opts.timeField !== undefined ? timeReader<T>(opts.timeField) : undefined),
    traceHeader,
    maxBatchEntries: opts.maxBatchEntries,
    maxRequestBytes: opts.maxRequestBytes,
    logger,
  });
  const writer = createBatchWriter(driver, {
    name: opts.name ?? `eventbridge:${opts.eventBusName ?? 'default'}`,
    logger,
    ...writerOptionsOf(opts),
  });
  return writer;
}
