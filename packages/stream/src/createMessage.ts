import type { Message, MessageAttribute, NackOptions } from './message.js';

/** What a source supplies to build a {@link Message}: its data and what ack/nack do. */
export interface MessageInit<T, M> {
  id: string;
  body: T;
  attributes?: Readonly<Record<string, MessageAttribute>>;
  meta: M;
  /** Runs once, on the first decision, if that decision is ack. */
  onAck(): Promise<void>;
  /** Runs once, on the first decision, if that decision is nack. */
  onNack(options: NackOptions): Promise<void>;
}

function toNackOptions(input: NackOptions | unknown): NackOptions {
  if (input === undefined) return {};
  if (input instanceof Error || typeof input !== 'object' || input === null) return { reason: input };
  const candidate = input as Record<string, unknown>;
  if ('reason' in candidate || 'delaySeconds' in candidate) return candidate as NackOptions;
  return { reason: input };
}

/**
 * Builds a {@link Message} whose `ack()`/`nack()` are idempotent: the first decision wins, later calls
 * return the first decision's promise.
 * @example
 * ```ts
 * const message = createMessage({ id, body, meta: {}, onAck: () => deleter.add(handle), onNack: () => release(handle) });
 * ```
 */
export function createMessage<T, M>(init: MessageInit<T, M>): Message<T, M> {
  let decision: Promise<void> | undefined;
  const attributes = Object.freeze({ ...(init.attributes ?? {}) });
  return Object.freeze({
    id: init.id,
    body: init.body,
    attributes,
    meta: init.meta,
    ack(): Promise<void> {
      decision ??= Promise.resolve().then(() => init.onAck());
      return decision;
    },
    nack(options?: NackOptions | unknown): Promise<void> {
      decision ??= Promise.resolve().then(() => init.onNack(toNackOptions(options)));
      return decision;
    },
  });
}
