/** A typed message attribute, as SQS and SNS carry them (AWS keeps numbers as strings). */
export type MessageAttribute =
  | { readonly type: 'String'; readonly value: string }
  | { readonly type: 'Number'; readonly value: string }
  | { readonly type: 'Binary'; readonly value: Uint8Array };

/** Shorthand accepted on outgoing messages: a string is `String`, a number `Number`, bytes `Binary`. */
export type AttributeInput = string | number | Uint8Array | MessageAttribute;

/** Why a message was nacked, and how the source should redeliver it. */
export interface NackOptions {
  /** What went wrong: an Error or a short text. Logged by name/code only, never the body. */
  reason?: unknown;
  /** Redeliver after this many seconds where the source supports it (SQS: ChangeMessageVisibility). */
  delaySeconds?: number;
}

/**
 * A message from a source. `ack()` tells the source it is done (SQS: delete); `nack()` asks for
 * redelivery. Both are idempotent and the first decision wins.
 * @example
 * ```ts
 * source$.pipe(mergeMap(async (m) => { await handle(m.body); await m.ack(); })).subscribe();
 * ```
 */
export interface Message<T = string, M = Readonly<Record<string, unknown>>> {
  /** The source's id for this message (SQS MessageId, S3 `bucket/key#line`). */
  readonly id: string;
  readonly body: T;
  readonly attributes: Readonly<Record<string, MessageAttribute>>;
  /** Source-specific metadata (SQS system attributes, S3 object facts). */
  readonly meta: M;
  ack(): Promise<void>;
  nack(options?: NackOptions | unknown): Promise<void>;
}

/**
 * A message to write to a sink.
 * @example
 * ```ts
 * await sink.write({ body: { userId: 'u1' }, attributes: { tenant: 'acme', priority: 3 } });
 * ```
 */
export interface OutgoingMessage<T = unknown> {
  readonly body: T;
  readonly attributes?: Readonly<Record<string, AttributeInput>>;
  /** Caller's own id, echoed on the receipt; not sent to AWS unless a sink option says so. */
  readonly id?: string;
}

/** Proof that a sink's service durably accepted one message. */
export interface Receipt {
  /** The sink's name. */
  readonly sink: string;
  /** The service's id: SQS/SNS MessageId, Kinesis SequenceNumber, EventBridge EventId, S3 key. */
  readonly id: string;
  /** How many sends it took (1 = first try). */
  readonly attempts: number;
  /** Service-specific facts: Kinesis ShardId, SQS SequenceNumber, S3 bucket/key/etag. */
  readonly details?: Readonly<Record<string, string>>;
  /** The caller's id of the message, when it had one. */
  readonly messageId?: string;
}

/** Normalizes attribute shorthand to typed attributes. */
export function normalizeAttributes(
  attributes: Readonly<Record<string, AttributeInput>> | undefined,
): Record<string, MessageAttribute> {
  const out: Record<string, MessageAttribute> = {};
  if (!attributes) return out;
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'string') out[name] = { type: 'String', value };
    else if (typeof value === 'number') out[name] = { type: 'Number', value: String(value) };
    else if (value instanceof Uint8Array) out[name] = { type: 'Binary', value };
    else out[name] = value;
  }
  return out;
}
