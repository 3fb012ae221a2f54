import {
  configErrorFromIssues,
  isRetryableAwsError,
  isTributaryError,
  type Logger,
  parseOptions,
  silentLogger,
  toTributaryError,
} from '@tributary/connection';
import { backoffDelay } from './backoff.js';
import type { BatchDriver, BatchLimits, EntryOutcome } from './driver.js';
import { abortedError, SinkWriteError, writerClosedError } from './errors.js';
import { Fifo } from './internal/fifo.js';
import { SlotTable } from './internal/slotTable.js';
import type { OutgoingMessage, Receipt } from './message.js';
import { type BatchWriterOptions, batchWriterOptions } from './options.js';
import type { Sink, SinkStats, WriteOptions } from './sink.js';

/** A {@link Sink} made of a {@link BatchDriver}: batching, retries, backpressure and receipts. */
export interface BatchWriter<T> extends Sink<T> {
  /** The limits in force: the driver's, narrowed by `start()` and by the options. */
  limits(): BatchLimits;
}

/** What {@link createBatchWriter} takes besides the driver. */
export type CreateBatchWriterOptions = {
  /** The sink's name, on receipts, errors and log lines. */
  name: string;
  /** Where partial failures are logged; default: silent. */
  logger?: Logger;
  /** Aborting rejects every pending write with `ABORTED` and stops sending. */
  signal?: AbortSignal;
} & BatchWriterOptions;

/*
 * The objects the writer makes per write (the write itself, its receipt) are class instances, not object
 * literals. V8 keeps an allocation site per literal and, once most objects from a site outlive a young-generation
 * collection, allocates the site's objects in the old generation from then on ("pretenuring"). Writes held in
 * the buffer under load do outlive one, so a literal's site gets pretenured: every later write then lands in the
 * old generation, keeps the young objects it points to (its entry, its promise's functions) alive through the
 * young collections until a full one, and the process's heap and full collections grow. `new` always allocates
 * young. (Measured with the SQS bench: see the README of `@tributary/sqs`.)
 */

/** One written message, from `write()` until its outcome. */
class Item<E> {
  readonly seq: number;
  readonly entry: E;
  readonly size: number;
  /** Ordering key, only with `ordered: true`. */
  readonly key: string | undefined;
  readonly messageId: string | undefined;
  readonly writtenAt: number;
  /** Sends so far. */
  attempts = 0;
  admitted = false;
  settled = false;
  readonly resolve: (receipt: Receipt) => void;
  readonly reject: (error: unknown) => void;
  /** Drops the write signal's listener. */
  release: (() => void) | undefined = undefined;

  constructor(
    seq: number,
    entry: E,
    size: number,
    key: string | undefined,
    messageId: string | undefined,
    writtenAt: number,
    resolve: (receipt: Receipt) => void,
    reject: (error: unknown) => void,
  ) {
    this.seq = seq;
    this.entry = entry;
    this.size = size;
    this.key = key;
    this.messageId = messageId;
    this.writtenAt = writtenAt;
    this.resolve = resolve;
    this.reject = reject;
  }
}

/** A write's {@link Receipt}; `details` and `messageId` are present only when defined, as in a literal. */
class WriteReceipt implements Receipt {
  readonly sink: string;
  readonly id: string;
  readonly attempts: number;
  declare readonly details?: Readonly<Record<string, string>>;
  declare readonly messageId?: string;

  constructor(
    sink: string,
    id: string,
    attempts: number,
    details: Readonly<Record<string, string>> | undefined,
    messageId: string | undefined,
  ) {
    this.sink = sink;
    this.id = id;
    this.attempts = attempts;
    if (details !== undefined) this.details = details;
    if (messageId !== undefined) this.messageId = messageId;
  }
}

/** Entries of a failed batch waiting for their retry timer (a class, as the write: it waits through the backoff). */
class RetryWait<E> {
  readonly items: Item<E>[];
  timer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(items: Item<E>[]) {
    this.items = items;
  }
}

/** The writer's options after parsing (defaults filled in). */
type ParsedWriterOptions = ReturnType<typeof batchWriterOptions.parse>;

interface FlushWaiter {
  readonly seq: number;
  remaining: number;
  resolve(): void;
}

interface Candidate<E> {
  items: Item<E>[];
  full: boolean;
  oldest: number;
  lowestSeq: number;
}

/**
 * The one executor of every write's promise: it hands the promise's resolving functions over through these two
 * slots, read right after `new Promise(handOver)`. Per write that saves the executor closure (and its context)
 * that `new Promise((resolve, reject) => ...)` would allocate, and the result object of
 * `Promise.withResolvers()`, which TurboFan also does not inline (a third of `write()`'s own time in a profile).
 */
let handedResolve: (receipt: Receipt) => void = () => {};
let handedReject: (error: unknown) => void = () => {};
function handOver(resolve: (receipt: Receipt) => void, reject: (error: unknown) => void): void {
  handedResolve = resolve;
  handedReject = reject;
}

function errorName(error: unknown): string {
  if (isTributaryError(error) && typeof error.details.awsErrorCode === 'string')
    return error.details.awsErrorCode;
  if (error instanceof Error) return error.name;
  return 'UnknownError';
}

/**
 * Builds a batch sink from a {@link BatchDriver}. Writes are buffered and sent in batches by count, bytes and
 * `lingerMs`, with up to `maxConcurrency` requests in flight; failed entries alone are retried with full-jitter
 * backoff; `write()` waits while `maxBufferedEntries` entries are held (backpressure) and resolves with a
 * {@link Receipt} once the service accepted the entry, or rejects with {@link SinkWriteError}.
 * @example
 * ```ts
 * const writer = createBatchWriter(sqsDriver, { name: 'orders', lingerMs: 50, logger });
 * const receipt = await writer.write({ body: '{"id":1}' });
 * await writer.close();
 * ```
 * @throws {@link ConfigError} synchronously when options are invalid or above the driver's limits.
 */
export function createBatchWriter<T, E>(
  driver: BatchDriver<T, E>,
  options: CreateBatchWriterOptions,
): BatchWriter<T> {
  const { name, logger = silentLogger, signal: outerSignal, ...tuning } = options;
  const what = `${driver.service} sink "${name}" options`;
  const opts = parseOptions(batchWriterOptions, tuning, { what });
  const limitIssues: { path: string; message: string }[] = [];
  if (opts.maxBatchEntries !== undefined && opts.maxBatchEntries > driver.limits.maxBatchEntries) {
    limitIssues.push({
      path: '/maxBatchEntries',
      message: `must be at most ${driver.limits.maxBatchEntries} (${driver.service} limit), got ${opts.maxBatchEntries}`,
    });
  }
  if (opts.maxBatchBytes !== undefined && opts.maxBatchBytes > driver.limits.maxBatchBytes) {
    limitIssues.push({
      path: '/maxBatchBytes',
      message: `must be at most ${driver.limits.maxBatchBytes} (${driver.service} limit), got ${opts.maxBatchBytes}`,
    });
  }
  if (limitIssues.length > 0) throw configErrorFromIssues(what, limitIssues);
  const core = new WriterCore(driver, name, logger, outerSignal, opts);
  // Plain functions over the core: callable unbound (`const { write } = writer`), and the core's state stays
  // out of reach (and out of `util.inspect`).
  const close = (): Promise<void> => core.close();
  return {
    name,
    writeConcurrency: opts.maxBufferedEntries,
    write: (message, writeOptions) => core.write(message, writeOptions),
    flush: () => core.flush(),
    close,
    limits: () => core.limits(),
    stats: () => core.stats(),
    [Symbol.asyncDispose]: close,
  };
}

/*
 * The writer is a class, not a set of closures over createBatchWriter's scope, so that its code outlives every
 * writer. V8 (Node 24) keeps a function's optimized code only while some closure that runs it is alive: when the
 * writer was made of closures per writer, once every earlier writer had been dropped, the next full garbage
 * collection took their optimized code, and the next writer ran its hot path unoptimized until V8 had compiled
 * about 30 functions again (`--trace-opt` in a process making a sink per run; the README of `@tributary/sqs`
 * has the measurements). A class's methods live on its prototype as long as the module does.
 */

/** The state and the work of one batch writer; see {@link createBatchWriter}. */
class WriterCore<T, E> {
  readonly #driver: BatchDriver<T, E>;
  readonly #name: string;
  readonly #logger: Logger;
  readonly #outerSignal: AbortSignal | undefined;
  readonly #opts: ParsedWriterOptions;
  readonly #service: string;
  #serviceLimits: BatchLimits;
  #maxEntries = 0;
  #maxBytes = 0;
  readonly #controller = new AbortController();
  readonly #signal: AbortSignal = this.#controller.signal;
  #seqCounter = 0;
  /** How many items have no outcome yet: waiting for room, queued, in flight or waiting for a retry. */
  #unsettled = 0;
  /** Items waiting for buffer room, in write order (a FIFO: `shift()` would be O(n) per write). */
  readonly #roomWaiters = new Fifo<Item<E>>();
  /**
   * Items ready to send, sorted by seq (retries go back to their place). A {@link Fifo}, not an array: a batch
   * leaves from the head, where `splice(0, n)` would move the rest of the queue on every send.
   */
  readonly #queue = new Fifo<Item<E>>();
  /** Sum of `size` over the queue. */
  #queueBytes = 0;
  #inFlightEntries = 0;
  #retryWaiting = 0;
  /** Ordering key -> holds (an in-flight batch, entries waiting for a retry). */
  readonly #keyHolds = new Map<string, number>();
  /** Batches sent and not answered yet (not a Set: see {@link SlotTable}). */
  readonly #inFlight = new SlotTable<Item<E>[]>();
  /** Entries of failed batches waiting for their retry timer. */
  readonly #retrying = new SlotTable<RetryWait<E>>();
  /** Date.now() as of the writer's last look; see `write()`. */
  #clock = 0;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  #lingerDue = 0;
  #flushSeq = 0;
  #flushWaiters: FlushWaiter[] = [];
  #startState: 'idle' | 'running' | 'done' | 'failed';
  #startError: unknown = undefined;
  #closed = false;
  #closePromise: Promise<void> | undefined = undefined;
  #pumping = false;
  #pumpAgain = false;
  readonly #counters = { written: 0, retried: 0, rejected: 0, batches: 0, bytes: 0 };
  /** Listens for the outer signal's abort (kept to remove it on close). */
  readonly #onOuterAbort = (): void => this.#abortAll();

  constructor(
    driver: BatchDriver<T, E>,
    name: string,
    logger: Logger,
    outerSignal: AbortSignal | undefined,
    opts: ParsedWriterOptions,
  ) {
    this.#driver = driver;
    this.#name = name;
    this.#logger = logger;
    this.#outerSignal = outerSignal;
    this.#opts = opts;
    this.#service = driver.service;
    this.#serviceLimits = { ...driver.limits };
    this.#startState = driver.start ? 'idle' : 'done';
    this.#applyLimits();
    if (outerSignal?.aborted) this.#abortAll();
    else outerSignal?.addEventListener('abort', this.#onOuterAbort, { once: true });
  }

  #applyLimits(): void {
    this.#maxEntries = Math.min(
      this.#opts.maxBatchEntries ?? this.#serviceLimits.maxBatchEntries,
      this.#serviceLimits.maxBatchEntries,
    );
    this.#maxBytes = Math.min(
      this.#opts.maxBatchBytes ?? this.#serviceLimits.maxBatchBytes,
      this.#serviceLimits.maxBatchBytes,
    );
  }

  limits(): BatchLimits {
    return {
      maxBatchEntries: this.#maxEntries,
      maxBatchBytes: this.#maxBytes,
      maxEntryBytes: this.#serviceLimits.maxEntryBytes,
    };
  }

  stats(): SinkStats {
    return {
      ...this.#counters,
      inFlight: this.#inFlightEntries,
      buffered: this.#queue.size + this.#retryWaiting,
    };
  }

  #held(): number {
    return this.#queue.size + this.#inFlightEntries + this.#retryWaiting;
  }

  #hold(key: string): void {
    this.#keyHolds.set(key, (this.#keyHolds.get(key) ?? 0) + 1);
  }

  #unhold(key: string): void {
    const n = (this.#keyHolds.get(key) ?? 0) - 1;
    if (n > 0) this.#keyHolds.set(key, n);
    else this.#keyHolds.delete(key);
  }

  /** Resolves an item's write with its receipt (the hot path: no wrapper objects). */
  #succeed(item: Item<E>, receipt: Receipt): void {
    if (item.settled) return;
    this.#done(item);
    item.resolve(receipt);
  }

  /** Rejects an item's write. */
  #fail(item: Item<E>, error: unknown): void {
    if (item.settled) return;
    this.#counters.rejected += 1;
    this.#done(item);
    item.reject(error);
  }

  #done(item: Item<E>): void {
    item.settled = true;
    if (item.release !== undefined) item.release();
    this.#unsettled -= 1;
    if (this.#flushWaiters.length === 0) return;
    let finished = 0;
    for (const waiter of this.#flushWaiters) {
      if (item.seq <= waiter.seq) waiter.remaining -= 1;
      if (waiter.remaining <= 0) finished += 1;
    }
    if (finished === 0) return;
    const resolved = this.#flushWaiters.filter((w) => w.remaining <= 0);
    this.#flushWaiters = this.#flushWaiters.filter((w) => w.remaining > 0);
    for (const w of resolved) w.resolve();
  }

  #rejectedError(item: Item<E>, code: string, message: string, cause?: unknown): SinkWriteError {
    return new SinkWriteError(
      `${this.#service} rejected an entry of sink "${this.#name}" after ${item.attempts} attempt(s): ${code}: ${message}`,
      { sink: this.#name, attempts: item.attempts, awsErrorCode: code, cause },
    );
  }

  #tooLargeError(size: number): SinkWriteError {
    return new SinkWriteError(
      `Entry of ${size} bytes exceeds the ${this.#service} limit of ${this.#serviceLimits.maxEntryBytes} bytes per entry (sink "${this.#name}")`,
      {
        sink: this.#name,
        attempts: 0,
        reason: 'ENTRY_TOO_LARGE',
        hint: 'make the message smaller, or store the payload elsewhere (S3) and send a reference',
      },
    );
  }

  #admit(item: Item<E>): void {
    item.admitted = true;
    if (item.release !== undefined) item.release();
    item.release = undefined;
    if (this.#startState === 'done' && item.size > this.#serviceLimits.maxEntryBytes) {
      this.#fail(item, this.#tooLargeError(item.size));
      return;
    }
    this.#queue.push(item);
    this.#queueBytes += item.size;
    this.#ensureStarted();
  }

  #admitWaiters(): void {
    while (this.#roomWaiters.size > 0 && this.#held() < this.#opts.maxBufferedEntries) {
      const next = this.#roomWaiters.shift();
      if (next && !next.settled) this.#admit(next);
    }
  }

  #ensureStarted(): void {
    const driver = this.#driver;
    if (this.#startState !== 'idle' || !driver.start) return;
    this.#startState = 'running';
    let started: Promise<Partial<BatchLimits> | undefined>;
    try {
      started = driver.start(this.#signal);
    } catch (error) {
      started = Promise.reject(error);
    }
    started.then(
      (narrowed) => this.#started(narrowed),
      (error: unknown) => {
        this.#startState = 'failed';
        this.#startError = error;
        if (this.#signal.aborted) return;
        this.#logger.error(`${this.#service}.start.failed`, { sink: this.#name, code: errorName(error) });
        for (const item of this.#takePending()) this.#fail(item, error);
      },
    );
  }

  /** The driver's start succeeded: its limits apply, and entries already queued that are now too large fail. */
  #started(narrowed: Partial<BatchLimits> | undefined): void {
    if (this.#signal.aborted) return;
    const defined = Object.fromEntries(Object.entries(narrowed ?? {}).filter(([, v]) => v !== undefined));
    this.#serviceLimits = { ...this.#serviceLimits, ...defined };
    this.#applyLimits();
    this.#startState = 'done';
    const maxEntryBytes = this.#serviceLimits.maxEntryBytes;
    const tooLarge = this.#queue.removeWhere((i) => i.size > maxEntryBytes);
    if (tooLarge.length > 0) {
      for (const item of tooLarge) {
        this.#queueBytes -= item.size;
        this.#fail(item, this.#tooLargeError(item.size));
      }
      this.#admitWaiters();
    }
    this.#pump();
  }

  #assemble(): Candidate<E> {
    const queue = this.#queue;
    const maxEntries = this.#maxEntries;
    const maxBytes = this.#maxBytes;
    const items: Item<E>[] = [];
    let bytes = 0;
    let full = false;
    let oldest = Number.POSITIVE_INFINITY;
    let lowestSeq = Number.POSITIVE_INFINITY;
    // Only ordered writers have keys (a Set per assembled batch otherwise for nothing).
    const batchKeys =
      this.#opts.ordered && !this.#driver.keepsKeyOrderInBatch ? new Set<string>() : undefined;
    for (let index = 0; index < queue.size; index++) {
      const item = queue.at(index) as Item<E>;
      if (items.length >= maxEntries) {
        full = true;
        break;
      }
      if (item.key !== undefined) {
        if (this.#keyHolds.has(item.key) || batchKeys?.has(item.key)) continue;
        batchKeys?.add(item.key);
      }
      if (items.length > 0 && bytes + item.size > maxBytes) {
        full = true;
        break;
      }
      items.push(item);
      bytes += item.size;
      oldest = Math.min(oldest, item.writtenAt);
      lowestSeq = Math.min(lowestSeq, item.seq);
    }
    if (items.length >= maxEntries || bytes >= maxBytes) full = true;
    return { items, full, oldest, lowestSeq };
  }

  #clearLinger(): void {
    if (this.#lingerTimer !== undefined) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
  }

  #scheduleLinger(due: number): void {
    if (this.#lingerTimer !== undefined && this.#lingerDue <= due) return;
    this.#clearLinger();
    this.#lingerDue = due;
    // Ref'd on purpose: it exists only while entries wait, and an awaited write() must complete.
    this.#lingerTimer = setTimeout(WriterCore.#lingerElapsed, Math.max(0, due - Date.now()), this);
  }

  static #lingerElapsed(writer: WriterCore<unknown, unknown>): void {
    writer.#lingerTimer = undefined;
    writer.#pump();
  }

  /**
   * A write needs a pump only when it may fill a batch: while a linger timer is pending for the oldest entry,
   * a batch that is still short of both limits waits for it (saves assembling the batch on every write).
   */
  #pumpAfterWrite(): void {
    // With every request slot taken there is nothing to send; the next answer pumps.
    if (this.#inFlight.size >= this.#opts.maxConcurrency) return;
    if (
      this.#lingerTimer !== undefined &&
      this.#queue.size < this.#maxEntries &&
      this.#queueBytes < this.#maxBytes
    )
      return;
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#pumpOnce();
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
  }

  #pumpOnce(): void {
    if (this.#signal.aborted || this.#startState !== 'done') {
      this.#clearLinger();
      return;
    }
    while (this.#inFlight.size < this.#opts.maxConcurrency) {
      const candidate = this.#assemble();
      if (candidate.items.length === 0) {
        this.#clearLinger();
        return;
      }
      const now = Date.now();
      this.#clock = now;
      const urgent =
        candidate.full ||
        candidate.lowestSeq <= this.#flushSeq ||
        now - candidate.oldest >= this.#opts.lingerMs;
      if (!urgent) {
        this.#scheduleLinger(candidate.oldest + this.#opts.lingerMs);
        return;
      }
      this.#send(candidate.items);
    }
    this.#clearLinger();
  }

  #send(items: Item<E>[]): void {
    const queue = this.#queue;
    // Unordered batches are the head of the queue; ordered ones may skip held keys.
    let atHead = true;
    let keys: Set<string> | undefined;
    const entries: E[] = [];
    for (let index = 0; index < items.length; index++) {
      const item = items[index] as Item<E>;
      if (queue.at(index) !== item) atHead = false;
      entries.push(item.entry);
      this.#queueBytes -= item.size;
      item.attempts += 1;
      if (item.attempts > 1) this.#counters.retried += 1;
      if (item.key !== undefined) {
        keys ??= new Set();
        keys.add(item.key);
      }
    }
    if (atHead) queue.drop(items.length);
    else {
      const picked = new Set(items);
      queue.removeWhere((i) => picked.has(i));
    }
    if (keys !== undefined) for (const key of keys) this.#hold(key);
    this.#inFlightEntries += items.length;
    const slot = this.#inFlight.add(items);
    this.#counters.batches += 1;
    let request: Promise<readonly EntryOutcome[]>;
    try {
      request = this.#driver.sendBatch(entries, this.#signal);
    } catch (error) {
      request = Promise.reject(error);
    }
    void this.#awaitAnswer(request, slot, items, keys);
  }

  /** Waits for a batch's request (an async method, not two closures per batch) and handles its answer. */
  async #awaitAnswer(
    request: Promise<readonly EntryOutcome[]>,
    slot: number,
    items: Item<E>[],
    keys: Set<string> | undefined,
  ): Promise<void> {
    let outcomes: readonly EntryOutcome[] | undefined;
    let error: unknown;
    try {
      outcomes = await request;
    } catch (failure) {
      error = failure;
    }
    this.#answered(slot, items, keys, outcomes, error);
  }

  /**
   * A batch's answer. The batch leaves the in-flight count before its writes settle, so writes that follow
   * their resolution find buffer room at once instead of queueing for it.
   */
  #answered(
    slot: number,
    items: Item<E>[],
    keys: Set<string> | undefined,
    outcomes: readonly EntryOutcome[] | undefined,
    error: unknown,
  ): void {
    this.#inFlight.delete(slot, items);
    this.#inFlightEntries -= items.length;
    if (keys !== undefined) for (const key of keys) this.#unhold(key);
    try {
      if (outcomes !== undefined) this.#onOutcomes(items, outcomes);
      else this.#onFailure(items, error);
    } catch (unexpected) {
      // A throwing logger or a malformed outcome must not leave writes hanging.
      for (const item of items) if (!item.settled) this.#fail(item, unexpected);
    }
    this.#admitWaiters();
    this.#pump();
  }

  #onOutcomes(items: Item<E>[], outcomes: readonly EntryOutcome[]): void {
    if (this.#signal.aborted) return;
    const counters = this.#counters;
    // Allocated on the first failed entry only: most batches have none.
    let retry: Item<E>[] | undefined;
    let codes: Set<string> | undefined;
    let failed = 0;
    let rejected = 0;
    for (let index = 0; index < items.length; index++) {
      const item = items[index] as Item<E>;
      const outcome: EntryOutcome = outcomes[index] ?? {
        status: 'fatal',
        code: 'MissingOutcome',
        message: `the ${this.#service} driver returned ${outcomes.length} outcomes for ${items.length} entries`,
      };
      if (outcome.status === 'ok') {
        counters.written += 1;
        counters.bytes += item.size;
        this.#succeed(
          item,
          new WriteReceipt(this.#name, outcome.id, item.attempts, outcome.details, item.messageId),
        );
        continue;
      }
      failed += 1;
      codes ??= new Set();
      codes.add(outcome.code);
      if (outcome.status === 'retryable' && item.attempts < this.#opts.maxAttempts) {
        retry ??= [];
        retry.push(item);
      } else {
        rejected += 1;
        this.#fail(item, this.#rejectedError(item, outcome.code, outcome.message));
      }
    }
    if (failed === 0) return;
    this.#logger.warn(`${this.#service}.batch.partialFailure`, {
      sink: this.#name,
      total: items.length,
      failed,
      retrying: retry?.length ?? 0,
      rejected,
      codes: [...(codes ?? [])].join(','),
    });
    if (retry !== undefined) this.#scheduleRetry(retry);
  }

  #onFailure(items: Item<E>[], error: unknown): void {
    if (this.#signal.aborted) return;
    const service = this.#service;
    const name = this.#name;
    const code = errorName(error);
    if (isRetryableAwsError(error)) {
      const maxAttempts = this.#opts.maxAttempts;
      const retry = items.filter((i) => i.attempts < maxAttempts);
      const exhausted = items.filter((i) => i.attempts >= maxAttempts);
      this.#logger.warn(`${service}.batch.failed`, {
        sink: name,
        total: items.length,
        code,
        retrying: retry.length,
        rejected: exhausted.length,
      });
      for (const item of exhausted)
        this.#fail(item, this.#rejectedError(item, code, 'request failed', error));
      this.#scheduleRetry(retry);
      return;
    }
    const cause = isTributaryError(error)
      ? error
      : toTributaryError(error, { operation: `${service}.sendBatch`, resource: name });
    this.#logger.warn(`${service}.batch.failed`, { sink: name, total: items.length, code, retrying: 0 });
    for (const item of items) {
      this.#fail(
        item,
        new SinkWriteError(
          `${service} request of sink "${name}" failed (${code}); ${items.length} entries rejected`,
          { sink: name, attempts: item.attempts, awsErrorCode: code, cause },
        ),
      );
    }
  }

  /** Entries of one failed batch wait one full-jitter delay together, then go back to their places in the queue. */
  #scheduleRetry(items: Item<E>[]): void {
    if (items.length === 0) return;
    const attempt = Math.max(...items.map((i) => i.attempts));
    const delay = backoffDelay(attempt, this.#opts.baseDelayMs, this.#opts.maxDelayMs);
    this.#retryWaiting += items.length;
    for (const item of items) if (item.key !== undefined) this.#hold(item.key);
    // Ref'd on purpose: the writes waiting for this retry must complete before the process may exit.
    const wait = new RetryWait(items);
    const slot = this.#retrying.add(wait);
    wait.timer = setTimeout(WriterCore.#retryDue, delay, this, slot, wait);
  }

  static #retryDue(writer: WriterCore<unknown, unknown>, slot: number, wait: RetryWait<unknown>): void {
    writer.#retrying.delete(slot, wait);
    writer.#retryWaiting -= wait.items.length;
    for (const item of wait.items) {
      if (item.key !== undefined) writer.#unhold(item.key);
      if (!item.settled) writer.#insertBySeq(item);
    }
    writer.#pump();
  }

  #insertBySeq(item: Item<E>): void {
    const queue = this.#queue;
    let low = 0;
    let high = queue.size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((queue.at(mid) as Item<E>).seq < item.seq) low = mid + 1;
      else high = mid;
    }
    queue.insert(low, item);
    this.#queueBytes += item.size;
  }

  #abortAll(): void {
    if (this.#signal.aborted) return;
    const reason = this.#outerSignal?.reason;
    this.#controller.abort(reason);
    this.#clearLinger();
    for (const wait of this.#retrying) clearTimeout(wait.timer);
    const error = abortedError(this.#name, 'aborted; pending writes rejected', reason);
    for (const item of this.#takePending()) this.#fail(item, error);
  }

  /**
   * Every item without an outcome (waiting for room, queued, in flight, waiting for a retry), taken out of
   * the writer's queues: for failing them all at once.
   */
  #takePending(): Item<E>[] {
    const pending = [...this.#roomWaiters, ...this.#queue];
    for (const items of this.#inFlight) pending.push(...items);
    for (const wait of this.#retrying) pending.push(...wait.items);
    this.#roomWaiters.clear();
    this.#queue.clear();
    this.#queueBytes = 0;
    this.#retrying.clear();
    this.#retryWaiting = 0;
    return pending.filter((item) => !item.settled);
  }

  write(message: OutgoingMessage<T>, writeOptions?: WriteOptions): Promise<Receipt> {
    const name = this.#name;
    if (this.#closed) return Promise.reject(writerClosedError(name));
    if (this.#signal.aborted)
      return Promise.reject(abortedError(name, 'aborted; write rejected', this.#outerSignal?.reason));
    if (this.#startState === 'failed') return Promise.reject(this.#startError);
    const driver = this.#driver;
    let entry: E;
    let size: number;
    try {
      entry = driver.prepare(message);
      size = driver.entrySize(entry);
    } catch (error) {
      this.#counters.rejected += 1;
      const ownReason = isTributaryError(error) ? error.details.reason : undefined;
      return Promise.reject(
        new SinkWriteError(
          `Sink "${name}" could not prepare an entry: ${error instanceof Error ? error.message : String(error)}`,
          {
            sink: name,
            attempts: 0,
            reason: typeof ownReason === 'string' ? ownReason : 'PREPARE_FAILED',
            cause: error,
            ...(isTributaryError(error) && error.hint !== undefined ? { hint: error.hint } : {}),
          },
        ),
      );
    }
    if (size > this.#serviceLimits.maxEntryBytes) {
      this.#counters.rejected += 1;
      return Promise.reject(this.#tooLargeError(size));
    }
    const key = this.#opts.ordered ? driver.orderingKey?.(entry) : undefined;
    const promise = new Promise<Receipt>(handOver);
    // Written behind others, an entry takes the time of the writer's last look at the clock (a pump, an
    // answer, a write into an empty queue) instead of a Date.now() per write. That time is never later than
    // the true one, so such an entry can only linger less, and the head of the queue, written into an empty
    // queue, has its exact time.
    if (this.#queue.size === 0) this.#clock = Date.now();
    this.#seqCounter += 1;
    const item = new Item(
      this.#seqCounter,
      entry,
      size,
      key,
      message.id,
      this.#clock,
      handedResolve,
      handedReject,
    );
    this.#unsettled += 1;
    if (this.#roomWaiters.size === 0 && this.#held() < this.#opts.maxBufferedEntries) {
      this.#admit(item);
      this.#pumpAfterWrite();
      return promise;
    }
    this.#waitForRoom(item, writeOptions?.signal);
    return promise;
  }

  #roomWaitAborted(reason: unknown): ReturnType<typeof abortedError> {
    return abortedError(this.#name, 'write aborted while waiting for buffer room', reason);
  }

  /** Queues an item until the buffer has room; aborting `waitSignal` meanwhile rejects it. */
  #waitForRoom(item: Item<E>, waitSignal: AbortSignal | undefined): void {
    if (waitSignal?.aborted) {
      this.#fail(item, this.#roomWaitAborted(waitSignal.reason));
      return;
    }
    if (waitSignal) {
      const onAbort = (): void => {
        if (item.admitted) return;
        // Left in the FIFO, where admitWaiters() skips settled items; let the writes behind it in.
        this.#fail(item, this.#roomWaitAborted(waitSignal.reason));
        this.#admitWaiters();
        this.#pump();
      };
      waitSignal.addEventListener('abort', onAbort, { once: true });
      item.release = () => waitSignal.removeEventListener('abort', onAbort);
    }
    this.#roomWaiters.push(item);
  }

  flush(): Promise<void> {
    if (this.#unsettled === 0) return Promise.resolve();
    const seq = this.#seqCounter;
    this.#flushSeq = seq;
    return new Promise<void>((resolve) => {
      this.#flushWaiters.push({ seq, remaining: this.#unsettled, resolve });
      this.#pump();
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closePromise ??= this.flush().then(() => {
      this.#clearLinger();
      this.#outerSignal?.removeEventListener('abort', this.#onOuterAbort);
    });
    return this.#closePromise;
  }
}
