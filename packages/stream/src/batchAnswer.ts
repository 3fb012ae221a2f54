import type { EntryOutcome } from './driver.js';

/**
 * The part of an AWS batch answer that names each entry by the `Id` it was sent with: SQS
 * `SendMessageBatch`, SNS `PublishBatch` (and their `*Batch` siblings) answer in this shape.
 */
export interface BatchAnswer {
  readonly Successful?:
    | readonly {
        readonly Id?: string | undefined;
        readonly MessageId?: string | undefined;
        readonly SequenceNumber?: string | undefined;
      }[]
    | undefined;
  readonly Failed?:
    | readonly {
        readonly Id?: string | undefined;
        readonly Code?: string | undefined;
        readonly Message?: string | undefined;
        readonly SenderFault?: boolean | undefined;
      }[]
    | undefined;
}

/** How {@link mapBatchAnswer} classifies failed entries. */
export interface MapBatchAnswerOptions {
  /**
   * The service's own transient codes (SQS `RequestThrottled`, SNS `KMSThrottling`, ...): retryable even with
   * `SenderFault: true`, on top of the codes every service shares (`ThrottlingException`, `Throttling`,
   * `ServiceUnavailable`, `InternalError`, `InternalFailure`). Default: none.
   */
  readonly transientCodes?: ReadonlySet<string> | undefined;
}

/** Codes that are transient whatever `SenderFault` says, in every service answering a {@link BatchAnswer}. */
const SHARED_TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
]);

/**
 * Maps a batch answer to one {@link EntryOutcome} per sent entry, for a driver whose entries went out with
 * their index in the batch as `Id` (`'0'`..`'99'`): matched by `Id`, never by position in the answer.
 * - `Successful`: `ok` with `MessageId` as `id` and `details.SequenceNumber` when the service gave one (FIFO).
 * - `Failed`: `fatal` when `SenderFault: true` (it would fail again) unless the code is transient (see
 *   {@link MapBatchAnswerOptions.transientCodes}); `retryable` otherwise. A missing `Code` is `UnknownError`,
 *   a missing `Message` the code.
 * - Named in neither list (or with an `Id` out of range): `retryable`, code `MissingFromResponse`.
 * @example
 * ```ts
 * const response = await client.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
 * return mapBatchAnswer(response, Entries.length, { transientCodes: new Set(['RequestThrottled']) });
 * // [{ status: 'ok', id: 'm0' }, { status: 'fatal', code: 'InvalidParameterValue', message: '...' }, ...]
 * ```
 */
export function mapBatchAnswer(
  answer: BatchAnswer,
  count: number,
  options: MapBatchAnswerOptions = {},
): EntryOutcome[] {
  const { transientCodes } = options;
  const outcomes: (EntryOutcome | undefined)[] = new Array(count);
  for (const entry of answer.Successful ?? []) {
    const index = indexOf(entry.Id, count);
    if (index === undefined) continue;
    outcomes[index] =
      entry.SequenceNumber === undefined
        ? { status: 'ok', id: entry.MessageId ?? '' }
        : { status: 'ok', id: entry.MessageId ?? '', details: { SequenceNumber: entry.SequenceNumber } };
  }
  for (const entry of answer.Failed ?? []) {
    const index = indexOf(entry.Id, count);
    if (index === undefined) continue;
    const code = entry.Code ?? 'UnknownError';
    const transient = SHARED_TRANSIENT_CODES.has(code) || transientCodes?.has(code) === true;
    const fatal = entry.SenderFault === true && !transient;
    outcomes[index] = { status: fatal ? 'fatal' : 'retryable', code, message: entry.Message ?? code };
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

/**
 * The index an entry `Id` of one or two decimal digits names, when below `count`. Read digit by digit: a regular
 * expression and `Number()` cost about 200 instructions more per entry, for every entry of every answer
 * (measured under cachegrind, see the README of `@tributary/sqs`).
 */
function indexOf(id: string | undefined, count: number): number | undefined {
  if (id === undefined || id.length === 0 || id.length > 2) return undefined;
  let index = 0;
  for (let i = 0; i < id.length; i++) {
    const digit = id.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    index = index * 10 + digit;
  }
  return index < count ? index : undefined;
}
