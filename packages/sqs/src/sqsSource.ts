import type { AwsConnection } from '@tributary/connection';
import { parseOptions } from '@tributary/connection';
import type { Message } from '@tributary/stream';
import { Observable } from 'rxjs';
import type { SqsMessageMeta } from './internal/sourceMapping.js';
import { SourceRun } from './internal/sourceRun.js';
import { type SqsSourceOptions, sqsSourceOptions } from './sourceOptions.js';

/**
 * A message from an {@link sqsSource}: `meta` holds the SQS system attributes.
 * @example
 * ```ts
 * const handle = async (m: SqsMessage<Order>) => { if (m.meta.receiveCount > 3) logger.warn('retrying', { id: m.id }); };
 * ```
 */
export type SqsMessage<T = string> = Message<T, SqsMessageMeta>;

/**
 * Reads an SQS queue as a cold Observable, long-polling while subscribed.
 *
 * - Credit based: at most `maxInFlight` messages are held unacked; polling pauses until acks free room.
 * - `ack()` deletes through batched `DeleteMessageBatch` and resolves once SQS confirmed the delete; it rejects
 *   with a `TributaryError` when the delete failed for good (the message will be redelivered).
 * - `nack({ delaySeconds })` makes the message visible again (`ChangeMessageVisibilityBatch`), at once or after
 *   the delay (default: 0, or `nackBackoff` growing with `ApproximateReceiveCount`).
 * - A heartbeat extends the visibility of every unacked message until it is decided or `maxProcessingMs` passes.
 * - Unsubscribing aborts the long polls and emits nothing more; ack()/nack() keep working. Passing `signal`
 *   gives a graceful stop: aborting it stops polling and *completes* the Observable, so a pipeline can finish
 *   the messages it holds.
 * - A missing queue or denied access fails the stream (`RESOURCE_NOT_FOUND`, `ACCESS_DENIED`); transient
 *   receive errors are retried with backoff.
 * @example
 * ```ts
 * sqsSource(aws, { queueUrl }).pipe(mergeMap(async (m) => { await handle(m.body); await m.ack(); }, 16)).subscribe();
 * ```
 * @throws {@link ConfigError} synchronously when options are invalid.
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
 */
export function sqsSource<T = unknown>(
  aws: AwsConnection,
  options: SqsSourceOptions & { bodyFormat: 'json' },
): Observable<SqsMessage<T>>;
export function sqsSource(aws: AwsConnection, options: SqsSourceOptions): Observable<SqsMessage<string>>;
export function sqsSource<T>(aws: AwsConnection, options: SqsSourceOptions): Observable<SqsMessage<T>> {
  const { signal, onError, ...json } = options ?? ({} as SqsSourceOptions);
  const config = parseOptions(sqsSourceOptions, json, { what: 'sqsSource options' });
  return new Observable<SqsMessage<T>>((subscriber) => {
    const run = new SourceRun<T>(aws, config, subscriber, { signal, onError });
    run.start();
    return () => run.stop('unsubscribe');
  });
}
