import type { BatchResultErrorEntry } from '@aws-sdk/client-sqs';
import { TributaryError } from '@tributary/connection';
import { backoffDelay } from '@tributary/stream';

/** SQS batch actions take at most 10 entries. */
export const SQS_MAX_BATCH_ENTRIES = 10;

/** One entry as the batch request carries it. */
export interface SourceBatchEntry {
  Id: string;
  ReceiptHandle: string;
  VisibilityTimeout?: number;
}

/** The batch response's shape shared by DeleteMessageBatch and ChangeMessageVisibilityBatch. */
export interface SourceBatchResult {
  Successful?: readonly { Id: string | undefined }[] | undefined;
  Failed?: readonly BatchResultErrorEntry[] | undefined;
}

export interface SourceBatcherOptions {
  /** `DeleteMessageBatch` or `ChangeMessageVisibilityBatch`: names the operation in errors. */
  operation: string;
  queueUrl: string;
  send(entries: SourceBatchEntry[]): Promise<SourceBatchResult>;
  /** Whether a failed request (not entry) is worth another attempt. */
  isRetryable(error: unknown): boolean;
  /** Wraps a failed request's error. */
  wrapError(error: unknown): TributaryError;
  lingerMs: number;
  maxRequests: number;
  maxAttempts: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

interface Waiter {
  resolve(): void;
  reject(error: TributaryError): void;
}

interface Pending {
  receiptHandle: string;
  messageId: string;
  visibilityTimeout: number | undefined;
  attempts: number;
  queuedAt: number;
  waiters: Waiter[];
}

/** Entry error codes SQS marks as the sender's fault but that a later attempt can still pass. */
const RETRYABLE_ENTRY_CODES = new Set([
  'ThrottlingException',
  'RequestThrottled',
  'InternalError',
  'ServiceUnavailable',
]);

/**
 * Batches receipt-handle actions (delete, change visibility) by 10 or after a linger, runs up to
 * `maxRequests` requests, retries failed entries with backoff and rejects an entry's promise once it
 * fails for good. A receipt handle is never sent twice in one request.
 */
export class SourceBatcher {
  readonly #options: SourceBatcherOptions;
  #queue: Pending[] = [];
  #inFlight = 0;
  #retrying = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #immediate = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: SourceBatcherOptions) {
    this.#options = options;
  }

  /** Queues one action; resolves once SQS confirmed it, rejects with a TributaryError when it failed for good. */
  add(receiptHandle: string, messageId: string, visibilityTimeout?: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({
        receiptHandle,
        messageId,
        visibilityTimeout,
        attempts: 0,
        queuedAt: Date.now(),
        waiters: [{ resolve, reject }],
      });
      if (this.#queue.length >= SQS_MAX_BATCH_ENTRIES) this.#pump();
      else if (this.#timer === undefined) this.#armTimer();
    });
  }

  /** From now on, send whatever is queued without waiting for the linger (used on stop). */
  flushNow(): void {
    this.#immediate = true;
    this.#pump();
  }

  /** Entries queued, in flight or waiting for a retry. */
  get pending(): number {
    return this.#queue.length + this.#inFlight * SQS_MAX_BATCH_ENTRIES + this.#retrying;
  }

  /** Resolves when nothing is queued, in flight or waiting for a retry. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && this.#inFlight === 0 && this.#retrying === 0;
  }

  #pump(): void {
    const { lingerMs, maxRequests } = this.#options;
    while (this.#queue.length > 0 && this.#inFlight < maxRequests) {
      const head = this.#queue[0] as Pending;
      const due =
        this.#immediate ||
        this.#queue.length >= SQS_MAX_BATCH_ENTRIES ||
        Date.now() - head.queuedAt >= lingerMs;
      if (!due) break;
      this.#sendBatch(this.#takeBatch());
    }
    this.#armTimer();
    this.#notifyIdle();
  }

  #armTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const head = this.#queue[0];
    if (head === undefined || this.#inFlight >= this.#options.maxRequests) return;
    const wait = this.#immediate ? 0 : Math.max(0, head.queuedAt + this.#options.lingerMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, wait);
  }

  /** Up to 10 entries with distinct receipt handles; duplicates ride along with the first one. */
  #takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const byHandle = new Map<string, Pending>();
    const rest: Pending[] = [];
    for (const entry of this.#queue) {
      const same = byHandle.get(entry.receiptHandle);
      if (same !== undefined) {
        same.waiters.push(...entry.waiters);
      } else if (batch.length < SQS_MAX_BATCH_ENTRIES) {
        batch.push(entry);
        byHandle.set(entry.receiptHandle, entry);
      } else {
        rest.push(entry);
      }
    }
    this.#queue = rest;
    return batch;
  }

  #sendBatch(batch: Pending[]): void {
    this.#inFlight += 1;
    const entries = batch.map((entry, index): SourceBatchEntry => {
      entry.attempts += 1;
      const request: SourceBatchEntry = { Id: String(index), ReceiptHandle: entry.receiptHandle };
      if (entry.visibilityTimeout !== undefined) request.VisibilityTimeout = entry.visibilityTimeout;
      return request;
    });
    new Promise<SourceBatchResult>((resolve) => resolve(this.#options.send(entries)))
      .then(
        (result) => this.#settle(batch, result),
        (error: unknown) => this.#failRequest(batch, error),
      )
      .finally(() => {
        this.#inFlight -= 1;
        this.#pump();
      });
  }

  #settle(batch: Pending[], result: SourceBatchResult): void {
    const ok = new Set((result.Successful ?? []).map((s) => s.Id));
    const failed = new Map((result.Failed ?? []).map((f) => [f.Id, f]));
    batch.forEach((entry, index) => {
      const id = String(index);
      if (ok.has(id)) {
        for (const waiter of entry.waiters) waiter.resolve();
        return;
      }
      const failure = failed.get(id);
      const code = failure?.Code ?? 'MissingFromResponse';
      const retryable = failure === undefined || !failure.SenderFault || RETRYABLE_ENTRY_CODES.has(code);
      if (retryable && entry.attempts < this.#options.maxAttempts) {
        this.#retryLater(entry);
        return;
      }
      const error = new TributaryError(
        'AWS_REQUEST_FAILED',
        `${this.#options.operation} failed for message ${entry.messageId}: ${code}${failure?.Message ? ` (${failure.Message})` : ''}`,
        {
          retryable: false,
          details: {
            operation: this.#options.operation,
            queueUrl: this.#options.queueUrl,
            messageId: entry.messageId,
            awsErrorCode: code,
            attempts: entry.attempts,
          },
          hint:
            code === 'ReceiptHandleIsInvalid' || code === 'InvalidParameterValue'
              ? 'the receipt handle expired: the message was probably redelivered; raise visibilityTimeout or keep heartbeat on'
              : 'the message will become visible again after its visibility timeout',
        },
      );
      for (const waiter of entry.waiters) waiter.reject(error);
    });
  }

  #failRequest(batch: Pending[], error: unknown): void {
    const retryable = this.#options.isRetryable(error);
    const wrapped = this.#options.wrapError(error);
    for (const entry of batch) {
      if (retryable && entry.attempts < this.#options.maxAttempts) {
        this.#retryLater(entry);
      } else {
        for (const waiter of entry.waiters) waiter.reject(wrapped);
      }
    }
  }

  #retryLater(entry: Pending): void {
    this.#retrying += 1;
    const delay = backoffDelay(
      entry.attempts,
      this.#options.baseDelayMs ?? 100,
      this.#options.maxDelayMs ?? 5_000,
    );
    setTimeout(() => {
      this.#retrying -= 1;
      entry.queuedAt = Date.now() - this.#options.lingerMs;
      this.#queue.unshift(entry);
      this.#pump();
    }, delay);
  }

  #notifyIdle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
