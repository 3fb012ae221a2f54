import { type ErrorDetails, TributaryError } from '@tributary/connection';

/** What a {@link SinkWriteError} carries besides its message. */
export interface SinkWriteErrorOptions {
  /** The sink's name. */
  sink: string;
  /** How many sends the entry took before it was rejected (0: rejected before sending). */
  attempts: number;
  /** The AWS error code of the entry or request (`InvalidParameterValue`, `ThrottlingException`, ...). */
  awsErrorCode?: string;
  /** Why the writer rejected it without an AWS error: `ENTRY_TOO_LARGE`, `PREPARE_FAILED`. */
  reason?: string;
  cause?: unknown;
  hint?: string;
}

/**
 * One `write()` was rejected: the service refused the entry (fatal), it ran out of attempts, or it could not
 * be sent at all (too large, could not be prepared). Code `WRITE_REJECTED`; `details.awsErrorCode`,
 * `details.attempts`, `details.sink`.
 * @example
 * ```ts
 * try { await sink.write({ body }); } catch (e) {
 *   if (e instanceof SinkWriteError) logger.warn('orders.write.rejected', { code: e.details.awsErrorCode });
 * }
 * ```
 */
export class SinkWriteError extends TributaryError {
  override name = 'SinkWriteError';
  constructor(message: string, options: SinkWriteErrorOptions) {
    const details: Record<string, string | number> = { sink: options.sink, attempts: options.attempts };
    if (options.awsErrorCode !== undefined) details.awsErrorCode = options.awsErrorCode;
    if (options.reason !== undefined) details.reason = options.reason;
    super('WRITE_REJECTED', message, {
      cause: options.cause,
      hint: options.hint,
      retryable: false,
      details: details as ErrorDetails,
    });
  }
}

/**
 * The error a sink rejects a `write()` made after `close()` with: code `WRITER_CLOSED`, `details.sink`, and a
 * hint. Sinks not built on `createBatchWriter` (the S3 sink) use it, so the error is the same for every sink.
 * @param sink - the sink's name
 * @example
 * ```ts
 * if (this.closed) return Promise.reject(writerClosedError(this.name));
 * ```
 */
export function writerClosedError(sink: string): TributaryError {
  return new TributaryError('WRITER_CLOSED', `Sink "${sink}" is closed; write() after close() is rejected`, {
    details: { sink },
    hint: 'write before calling close(), or create a new sink',
  });
}

/**
 * The error a sink rejects a write with when the writer's or the write's `signal` was aborted: code
 * `ABORTED`, message `Sink "<sink>": <what>`, `details.sink`, and the signal's reason as `cause`.
 * @param sink - the sink's name
 * @param what - what was aborted, e.g. `'write aborted before it was accepted'`
 * @param cause - usually `signal.reason`
 * @example
 * ```ts
 * if (options.signal?.aborted) throw abortedError(this.name, 'write aborted', options.signal.reason);
 * ```
 */
export function abortedError(sink: string, what: string, cause?: unknown): TributaryError {
  return new TributaryError('ABORTED', `Sink "${sink}": ${what}`, { details: { sink }, cause });
}
