import { Observable, type OperatorFunction } from 'rxjs';
import type { Message, OutgoingMessage, Receipt } from './message.js';
import type { Sink } from './sink.js';

/** Options of {@link writeTo}. */
export interface WriteToOptions {
  /**
   * Writes awaiting their receipt at once; default `sink.writeConcurrency` (a batch writer's buffer size,
   * `Infinity` for S3), else 16. The sink's own buffer adds backpressure on top.
   */
  concurrency?: number;
}

/**
 * Writes each source message's body and attributes to a sink; acks the message once its receipt arrived and
 * emits the receipt; nacks it (reason: the `SinkWriteError`) when the sink rejects it, without erroring the
 * stream. When the source completes and every message is handed to the sink, `sink.flush()` sends what the sink
 * holds (an open S3 object too); the operator completes once that flush and every write are done.
 * A source error is passed on at once (writes in flight still ack/nack their messages). A failing
 * `ack()`/`nack()` errors the stream. Unsubscribing stops taking new messages: writes already started still
 * ack or nack their messages, messages taken but not yet written (over `concurrency`) are nacked.
 * @example
 * ```ts
 * sqsSource(aws, { queueUrl }).pipe(mapBody(JSON.parse), writeTo(sink)).subscribe();
 * ```
 */
export function writeTo<T>(
  sink: Sink<T>,
  { concurrency = sink.writeConcurrency ?? 16 }: WriteToOptions = {},
): OperatorFunction<Message<T, unknown>, Receipt> {
  if (concurrency !== Number.POSITIVE_INFINITY && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new RangeError(`writeTo: concurrency must be an integer >= 1 or Infinity, got ${concurrency}`);
  }
  return (source) =>
    new Observable<Receipt>((subscriber) => {
      const waiting: Message<T, unknown>[] = [];
      let active = 0;
      let sourceDone = false;
      let finishing = false;
      let flushed: Promise<void> | undefined;

      const finish = (): void => {
        if (finishing || !sourceDone || waiting.length > 0) return;
        // Every message is handed to the sink: flush now, since some receipts (an S3 object's) wait for it.
        if (flushed === undefined) {
          flushed = sink.flush();
          flushed.catch(() => {}); // observed below, once the writes are done
        }
        if (active > 0) return;
        finishing = true;
        flushed.then(
          () => subscriber.complete(),
          (error: unknown) => subscriber.error(error),
        );
      };

      const start = (message: Message<T, unknown>): void => {
        active += 1;
        const outgoing: OutgoingMessage<T> = {
          body: message.body,
          attributes: message.attributes,
          id: message.id,
        };
        let written: Promise<Receipt>;
        try {
          written = sink.write(outgoing);
        } catch (error) {
          written = Promise.reject(error);
        }
        written
          .then(
            async (receipt) => {
              await message.ack();
              subscriber.next(receipt);
            },
            async (error: unknown) => {
              await message.nack({ reason: error });
            },
          )
          .then(
            () => {
              active -= 1;
              const next = waiting.shift();
              if (next && !subscriber.closed) start(next);
              finish();
            },
            (error: unknown) => subscriber.error(error),
          );
      };

      const subscription = source.subscribe({
        next: (message) => {
          if (active < concurrency) start(message);
          else waiting.push(message);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          finish();
        },
      });
      return () => {
        subscription.unsubscribe();
        for (const message of waiting.splice(0))
          message.nack({ reason: 'writeTo unsubscribed' }).catch(() => {});
      };
    });
}
