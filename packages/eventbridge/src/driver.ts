import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { type Logger, TributaryError } from '@tributary/connection';
import {
  type BatchDriver,
  mapPositionalAnswer,
  type OutgoingMessage,
  type PositionalAnswerRules,
} from '@tributary/stream';
import { utf8Length } from './internal/encode.js';

/** PutEvents limits as AWS documents them. */
export const EVENTBRIDGE_LIMITS = {
  /** Entries per PutEvents request. */
  maxEntriesPerRequest: 10,
  /**
   * Sum of entry sizes per request (and so the largest entry): 1 MB since January 2026 (was 256 KB).
   * Counted as 1,048,576 bytes; set `maxRequestBytes: 262144` for endpoints that still enforce 256 KB.
   */
  maxRequestBytes: 1024 * 1024,
  /** What `Time` adds to an entry's size when it is set. */
  timeBytes: 14,
} as const;

/** Entry error codes worth sending again; any other `ErrorCode` rejects the entry. */
export const RETRYABLE_EVENT_ERRORS: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'InternalFailure',
  'InternalException',
]);

/**
 * A PutEvents request entry, sent as is. A class, not a literal, as `BatchDriver.prepare` advises; undefined
 * members are not sent (the SDK serializes the members that have a value).
 */
export class PutEventsEntry implements PutEventsRequestEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName: string | undefined;
  readonly Resources: string[] | undefined;
  readonly Time: Date | undefined;
  readonly TraceHeader: string | undefined;

  constructor(
    source: string,
    detailType: string,
    detail: string,
    eventBusName: string | undefined,
    resources: string[] | undefined,
    time: Date | undefined,
    traceHeader: string | undefined,
  ) {
    this.Source = source;
    this.DetailType = detailType;
    this.Detail = detail;
    this.EventBusName = eventBusName;
    this.Resources = resources;
    this.Time = time;
    this.TraceHeader = traceHeader;
  }
}

/** A prepared PutEvents entry and its size by EventBridge's rule. */
export class EventBridgeEntry {
  readonly entry: PutEventsEntry;
  readonly size: number;

  constructor(entry: PutEventsEntry) {
    this.entry = entry;
    this.size = putEventsEntrySize(entry);
  }
}

/** The parts of an entry, computed per message. */
export interface EventParts<T> {
  readonly source: (message: OutgoingMessage<T>) => string;
  readonly detailType: (message: OutgoingMessage<T>) => string;
  readonly detail: (message: OutgoingMessage<T>) => string;
  readonly resources?: ((message: OutgoingMessage<T>) => readonly string[] | undefined) | undefined;
  readonly time?: ((message: OutgoingMessage<T>) => Date | undefined) | undefined;
  readonly traceHeader?: ((message: OutgoingMessage<T>) => string | undefined) | undefined;
}

/** What {@link eventBridgeDriver} needs: a client, the bus and how to build each entry. */
export interface EventBridgeDriverConfig<T> extends EventParts<T> {
  readonly client: EventBridgeClient;
  /** Bus name or ARN; `undefined`: the account's default bus. */
  readonly eventBusName?: string | undefined;
  readonly maxBatchEntries: number;
  /** Request limit in bytes (sum of entry sizes); also the largest entry. */
  readonly maxRequestBytes: number;
  readonly logger: Logger;
}

/**
 * PutEvents entry size as EventBridge computes it: 14 bytes for `Time` when set, plus the UTF-8 bytes of
 * `Source`, `DetailType`, `Detail` and each of `Resources`.
 * @example
 * ```ts
 * putEventsEntrySize({ Source: 'app', DetailType: 't', Detail: '{}' }); // 6
 * ```
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time !== undefined ? EVENTBRIDGE_LIMITS.timeBytes : 0;
  if (entry.Source !== undefined) size += utf8Length(entry.Source);
  if (entry.DetailType !== undefined) size += utf8Length(entry.DetailType);
  if (entry.Detail !== undefined) size += utf8Length(entry.Detail);
  for (const resource of entry.Resources ?? []) size += utf8Length(resource);
  return size;
}

function rejectEntry(message: string, reason: string): TributaryError {
  return new TributaryError('WRITE_REJECTED', message, { details: { reason } });
}

/**
 * The {@link BatchDriver} of {@link eventBridgeSink}: PutEvents with up to 10 entries and `maxRequestBytes`,
 * results mapped back by position (PutEvents answers in request order).
 * @example
 * ```ts
 * const driver = eventBridgeDriver({ client, source: () => 'app.orders', detailType: () => 'OrderPlaced',
 *   detail: (m) => JSON.stringify(m.body), maxBatchEntries: 10, maxRequestBytes: 1024 * 1024, logger });
 * ```
 */
export function eventBridgeDriver<T>(config: EventBridgeDriverConfig<T>): BatchDriver<T, EventBridgeEntry> {
  const { client, eventBusName, logger } = config;
  const bus = eventBusName ?? 'default';
  const answerRules: PositionalAnswerRules<PutEventsResultEntry> = {
    operation: 'PutEvents',
    sent: 'entries',
    target: { eventBusName: bus },
    idField: 'EventId',
    retryableCodes: RETRYABLE_EVENT_ERRORS,
  };
  const maxBytes = Math.min(config.maxRequestBytes, EVENTBRIDGE_LIMITS.maxRequestBytes);

  return {
    service: 'eventbridge',
    limits: {
      maxBatchEntries: Math.min(config.maxBatchEntries, EVENTBRIDGE_LIMITS.maxEntriesPerRequest),
      maxBatchBytes: maxBytes,
      maxEntryBytes: maxBytes,
    },

    prepare(message) {
      const Source = config.source(message);
      const DetailType = config.detailType(message);
      if (!Source) throw rejectEntry('The event Source is empty', 'SOURCE_EMPTY');
      if (!DetailType) throw rejectEntry('The event DetailType is empty', 'DETAIL_TYPE_EMPTY');
      const Detail = config.detail(message);
      const resources = config.resources?.(message);
      const time = config.time?.(message);
      if (time !== undefined && (!(time instanceof Date) || Number.isNaN(time.getTime()))) {
        throw rejectEntry('The event Time is not a valid date', 'TIME_INVALID');
      }
      const traceHeader = config.traceHeader?.(message);
      return new EventBridgeEntry(
        new PutEventsEntry(
          Source,
          DetailType,
          Detail,
          eventBusName,
          resources !== undefined && resources.length > 0 ? [...resources] : undefined,
          time,
          traceHeader || undefined,
        ),
      );
    },

    entrySize: (entry) => entry.size,

    async sendBatch(entries) {
      const Entries = entries.map((e) => e.entry);
      // No per-call { abortSignal }: it would switch off the client's middleware cache on every send. An aborted
      // writer settles its writes itself and ignores a late answer.
      const output = await client.send(new PutEventsCommand({ Entries }));
      const { outcomes, failed } = mapPositionalAnswer(output.Entries, entries.length, answerRules);
      if (failed > 0 || (output.FailedEntryCount ?? 0) > 0) {
        logger.debug('eventbridge.putEvents.partialFailure', {
          eventBusName: bus,
          failed,
          failedEntryCount: output.FailedEntryCount ?? 0,
          total: entries.length,
        });
      }
      return outcomes;
    },
  };
}
