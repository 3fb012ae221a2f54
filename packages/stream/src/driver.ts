import type { OutgoingMessage } from './message.js';

/** The outcome of one entry of a batch request, as the service answered it. */
export type EntryOutcome =
  | {
      readonly status: 'ok';
      /** The service's id for the entry (MessageId, SequenceNumber, EventId). */
      readonly id: string;
      readonly details?: Readonly<Record<string, string>>;
    }
  | {
      /** `retryable`: send this entry again later; `fatal`: reject its write. */
      readonly status: 'retryable' | 'fatal';
      /** The AWS error code of the entry (`ProvisionedThroughputExceededException`, `InternalError`, ...). */
      readonly code: string;
      readonly message: string;
    };

/** A service's request limits, in entries and bytes as the service counts them. */
export interface BatchLimits {
  /** Entries per request (SQS/SNS/EventBridge 10, Kinesis 500). */
  readonly maxBatchEntries: number;
  /** Sum of entry sizes per request. */
  readonly maxBatchBytes: number;
  /** Largest single entry; a larger one is rejected before sending, alone. */
  readonly maxEntryBytes: number;
}

/**
 * What a batch sink's service adds to the {@link BatchWriter}: how to turn a message into an entry,
 * how big an entry is by the service's rule, and how to send a batch. `E` is the prepared entry.
 */
export interface BatchDriver<T, E> {
  /** Service name for logs and errors: `sqs`, `sns`, `kinesis`, `eventbridge`. */
  readonly service: string;
  /** The service's limits; `start()` may narrow them (e.g. a queue's MaximumMessageSize). */
  readonly limits: BatchLimits;
  /**
   * Runs once before the first send: resolve a queue URL, read a topic's attributes, ...
   * Returns limits that replace the defaults where given. Throwing fails every pending write.
   */
  start?(signal: AbortSignal): Promise<Partial<BatchLimits> | undefined>;
  /**
   * Builds the service entry for a message. Throwing rejects that write alone (`WRITE_REJECTED`). Entries wait in
   * the writer's buffer: made with `new` (a class) rather than as object literals, V8 never pretenures them (see
   * the note in `batchWriter.ts`).
   */
  prepare(message: OutgoingMessage<T>): E;
  /** The entry's size by the service's rule, in bytes. */
  entrySize(entry: E): number;
  /**
   * With `ordered: true`: entries with the same key never have two batches in flight, go out in write order,
   * and a failed entry is resent before any later entry of its key. A batch carries at most one entry per key
   * unless {@link BatchDriver.keepsKeyOrderInBatch} says the service keeps them in order itself, because a
   * service may accept a later entry of a key after failing an earlier one in the same request (Kinesis
   * PutRecords does), and what it accepted cannot be undone.
   */
  orderingKey?(entry: E): string | undefined;
  /**
   * True only when the service, within one request, never accepts an entry of a key after failing an earlier
   * entry of that key. Then a batch may carry several entries per key. Default false.
   */
  readonly keepsKeyOrderInBatch?: boolean;
  /**
   * Sends one batch and returns one outcome per entry, in the order of `entries` (the driver maps
   * the response back by the entry ids it gave, never by position in the response).
   * Throwing means the whole request failed: the writer retries every entry when the error is
   * retryable (throttling, 5xx, network) and rejects them all otherwise.
   */
  sendBatch(entries: readonly E[], signal: AbortSignal): Promise<readonly EntryOutcome[]>;
}
