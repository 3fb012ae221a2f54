import { Observable, type OperatorFunction } from 'rxjs';
import type { Message } from './message.js';

/**
 * Maps each message's body with a synchronous function, keeping its id, attributes, meta and ack/nack
 * (acking the mapped message acks the source message). When `fn` throws, that message is nacked with the
 * error as reason and dropped; the stream goes on. A failing `nack()` errors the stream. For async work use
 * `mergeMap` and ack/nack yourself.
 * @example
 * ```ts
 * source$.pipe(mapBody((body: string) => JSON.parse(body) as Order), writeTo(sink));
 * ```
 */
export function mapBody<A, B, M>(
  fn: (body: A, message: Message<A, M>) => B,
): OperatorFunction<Message<A, M>, Message<B, M>> {
  return (source) =>
    new Observable<Message<B, M>>((subscriber) =>
      source.subscribe({
        next: (message) => {
          let body: B;
          try {
            body = fn(message.body, message);
          } catch (error) {
            message.nack({ reason: error }).catch((nackError: unknown) => subscriber.error(nackError));
            return;
          }
          subscriber.next(
            Object.freeze({
              id: message.id,
              body,
              attributes: message.attributes,
              meta: message.meta,
              ack: () => message.ack(),
              nack: (options?: unknown) => message.nack(options),
            }),
          );
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}
