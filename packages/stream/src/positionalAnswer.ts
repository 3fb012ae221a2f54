import { TributaryError } from '@tributary/connection';
import type { EntryOutcome } from './driver.js';

/** One result of an answer in request order (Kinesis `PutRecords`, EventBridge `PutEvents`). */
export interface PositionalResult {
  readonly ErrorCode?: string | undefined;
  readonly ErrorMessage?: string | undefined;
}

/** The fields of `R` that hold a string when present: the candidates for a result's id. */
export type StringField<R> = {
  [K in keyof R]-?: R[K] extends string | undefined ? K : never;
}[keyof R] &
  string;

/**
 * How {@link mapPositionalAnswer} reads a service's results and names them in errors.
 * @example
 * ```ts
 * const rules: PositionalAnswerRules<PutRecordsResultEntry> = {
 *   operation: 'PutRecords', sent: 'records', target: { streamName }, idField: 'SequenceNumber',
 *   retryableCodes: new Set(['ProvisionedThroughputExceededException']),
 * };
 * ```
 */
export interface PositionalAnswerRules<R extends PositionalResult> {
  /** The request, in errors and messages: `PutRecords`. */
  readonly operation: string;
  /** What the request carries, in the count mismatch error: `records`, `entries`. */
  readonly sent: string;
  /** The request's target, added to the count mismatch error's details: `{ streamName }`. */
  readonly target: Readonly<Record<string, string>>;
  /** The field that holds a successful result's id (`SequenceNumber`, `EventId`); also named in errors. */
  readonly idField: StringField<R>;
  /** The receipt details of a successful result (shared objects where they repeat); none by default. */
  details?(result: R): Readonly<Record<string, string>> | undefined;
  /** Error codes worth a retry; any other code is fatal. */
  readonly retryableCodes: ReadonlySet<string>;
}

/**
 * Maps an answer whose results come in the order of the sent entries (Kinesis `PutRecords`, EventBridge
 * `PutEvents`) to one {@link EntryOutcome} per entry, and counts the failed ones:
 * - a result with an id and no `ErrorCode`: `ok`, with the rules' `details`;
 * - otherwise `retryable` when its code is one of `retryableCodes`, else `fatal`; a result with neither an
 *   id nor an `ErrorCode` is fatal `Missing<idField>`. A missing `ErrorMessage` is the code.
 * @throws {@link TributaryError} `AWS_REQUEST_FAILED` (not retryable) when the answer has another count of
 * results than entries were sent: no result can then be trusted to be the entry's.
 * @example
 * ```ts
 * const output = await client.send(new PutEventsCommand({ Entries }));
 * const { outcomes, failed } = mapPositionalAnswer(output.Entries, Entries.length, rules);
 * ```
 */
export function mapPositionalAnswer<R extends PositionalResult>(
  results: readonly R[] | undefined,
  sent: number,
  rules: PositionalAnswerRules<R>,
): { outcomes: EntryOutcome[]; failed: number } {
  const { operation, idField, retryableCodes } = rules;
  const list = results ?? [];
  const answered = list.length;
  if (answered !== sent) {
    throw new TributaryError(
      'AWS_REQUEST_FAILED',
      `${operation} answered ${answered} results for ${sent} ${rules.sent}`,
      { details: { operation, ...rules.target, sent, answered } },
    );
  }
  const outcomes: EntryOutcome[] = new Array(answered);
  let failed = 0;
  for (let i = 0; i < answered; i++) {
    const result = (list[i] ?? {}) as R;
    const id = result.ErrorCode === undefined ? (result[idField] as string | undefined) : undefined;
    if (id !== undefined) {
      const details = rules.details?.(result);
      outcomes[i] = details === undefined ? { status: 'ok', id } : { status: 'ok', id, details };
      continue;
    }
    failed++;
    const code = result.ErrorCode ?? `Missing${idField}`;
    outcomes[i] = {
      status: retryableCodes.has(code) ? 'retryable' : 'fatal',
      code,
      message:
        result.ErrorMessage ??
        result.ErrorCode ??
        `${operation} answered neither ${/^[AEIOU]/.test(idField) ? 'an' : 'a'} ${idField} nor an ErrorCode`,
    };
  }
  return { outcomes, failed };
}
