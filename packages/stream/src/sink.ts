import type { OutgoingMessage, Receipt } from './message.js';

/** Counters every sink keeps. */
export interface SinkStats {
  written: number;
  retried: number;
  rejected: number;
  batches: number;
  bytes: number;
  inFlight: number;
  buffered: number;
}

/** Options of one write. */
export interface WriteOptions {
  /** Aborts waiting for buffer room; an entry already sent is not recalled. */
  signal?: AbortSignal;
}

/**
 * What every sink offers: write one message and get its receipt once durably accepted.
 * @example
 * ```ts
 * const receipt = await sink.write({ body }); await sink.flush(); await sink.close();
 * ```
 */
export interface Sink<T = unknown> {
  readonly name: string;
  /**
   * How many writes awaiting their receipts {@link writeTo} keeps by default. A batch writer says its buffer
   * size; a sink whose receipts wait for a whole object (S3) says `Infinity`, bounded then by the source's
   * `maxInFlight`. Absent: 16.
   */
  readonly writeConcurrency?: number;
  /** Resolves with a receipt once the service durably accepted the message; rejects with `SinkWriteError`. */
  write(message: OutgoingMessage<T>, options?: WriteOptions): Promise<Receipt>;
  /** Sends what is buffered; resolves when every entry written before the call has an outcome. */
  flush(): Promise<void>;
  /** Flushes, then rejects new writes with `WRITER_CLOSED`. Idempotent. */
  close(): Promise<void>;
  stats(): SinkStats;
  [Symbol.asyncDispose](): Promise<void>;
}
