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

  const service = driver.service;
  let serviceLimits: BatchLimits = { ...driver.limits };
  let maxEntries = 0;
  let maxBytes = 0;
  const applyLimits = (): void => {
    maxEntries = Math.min(
      opts.maxBatchEntries ?? serviceLimits.maxBatchEntries,
      serviceLimits.maxBatchEntries,
    );
    maxBytes = Math.min(opts.maxBatchBytes ?? serviceLimits.maxBatchBytes, serviceLimits.maxBatchBytes);
  };
  applyLimits();

  const controller = new AbortController();
  const signal = controller.signal;

  let seqCounter = 0;
  /** How many items have no outcome yet: waiting for room, queued, in flight or waiting for a retry. */
  let unsettled = 0;
  /** Items waiting for buffer room, in write order (a FIFO: `shift()` would be O(n) per write). */
  const roomWaiters = new Fifo<Item<E>>();
  /**
   * Items ready to send, sorted by seq (retries go back to their place). A {@link Fifo}, not an array: a batch
   * leaves from the head, where `splice(0, n)` would move the rest of the queue on every send.
   */
  const queue = new Fifo<Item<E>>();
  /** Sum of `size` over `queue`. */
  let queueBytes = 0;
  let inFlightEntries = 0;
  let retryWaiting = 0;
  /** Ordering key -> holds (an in-flight batch, entries waiting for a retry). */
  const keyHolds = new Map<string, number>();
  /** Batches sent and not answered yet (not a Set: see {@link SlotTable}). */
  const inFlight = new SlotTable<Item<E>[]>();
  /** Entries of failed batches waiting for their retry timer. */
  const retrying = new SlotTable<RetryWait<E>>();
  /** Date.now() as of the writer's last look; see `write()`. */
  let clock = 0;
  let lingerTimer: ReturnType<typeof setTimeout> | undefined;
  let lingerDue = 0;
  let flushSeq = 0;
  let flushWaiters: FlushWaiter[] = [];
  let startState: 'idle' | 'running' | 'done' | 'failed' = driver.start ? 'idle' : 'done';
  let startError: unknown;
  let closed = false;
  let closePromise: Promise<void> | undefined;
  let pumping = false;
  let pumpAgain = false;
  const counters = { written: 0, retried: 0, rejected: 0, batches: 0, bytes: 0 };

  const held = (): number => queue.size + inFlightEntries + retryWaiting;

  const hold = (key: string): void => {
    keyHolds.set(key, (keyHolds.get(key) ?? 0) + 1);
  };
  const unhold = (key: string): void => {
    const n = (keyHolds.get(key) ?? 0) - 1;
    if (n > 0) keyHolds.set(key, n);
    else keyHolds.delete(key);
  };

  /** Resolves an item's write with its receipt (the hot path: no wrapper objects). */
  function succeed(item: Item<E>, receipt: Receipt): void {
    if (item.settled) return;
    done(item);
    item.resolve(receipt);
  }

  /** Rejects an item's write. */
  function fail(item: Item<E>, error: unknown): void {
    if (item.settled) return;
    counters.rejected += 1;
    done(item);
    item.reject(error);
  }

  function done(item: Item<E>): void {
    item.settled = true;
    if (item.release !== undefined) item.release();
    unsettled -= 1;
    if (flushWaiters.length === 0) return;
    let finished = 0;
    for (const waiter of flushWaiters) {
      if (item.seq <= waiter.seq) waiter.remaining -= 1;
      if (waiter.remaining <= 0) finished += 1;
    }
    if (finished === 0) return;
    const resolved = flushWaiters.filter((w) => w.remaining <= 0);
    flushWaiters = flushWaiters.filter((w) => w.remaining > 0);
    for (const w of resolved) w.resolve();
  }

  function rejectedError(item: Item<E>, code: string, message: string, cause?: unknown): SinkWriteError {
    return new SinkWriteError(
      `${service} rejected an entry of sink "${name}" after ${item.attempts} attempt(s): ${code}: ${message}`,
      { sink: name, attempts: item.attempts, awsErrorCode: code, cause },
    );
  }

  function tooLargeError(size: number): SinkWriteError {
    return new SinkWriteError(
      `Entry of ${size} bytes exceeds the ${service} limit of ${serviceLimits.maxEntryBytes} bytes per entry (sink "${name}")`,
      {
        sink: name,
        attempts: 0,
        reason: 'ENTRY_TOO_LARGE',
        hint: 'make the message smaller, or store the payload elsewhere (S3) and send a reference',
      },
    );
  }

  function admit(item: Item<E>): void {
    item.admitted = true;
    if (item.release !== undefined) item.release();
    item.release = undefined;
    if (startState === 'done' && item.size > serviceLimits.maxEntryBytes) {
      fail(item, tooLargeError(item.size));
      return;
    }
    queue.push(item);
    queueBytes += item.size;
    ensureStarted();
  }

  function admitWaiters(): void {
    while (roomWaiters.size > 0 && held() < opts.maxBufferedEntries) {
      const next = roomWaiters.shift();
      if (next && !next.settled) admit(next);
    }
  }

  function ensureStarted(): void {
    if (startState !== 'idle' || !driver.start) return;
    startState = 'running';
    let started: Promise<Partial<BatchLimits> | undefined>;
    try {
      started = driver.start(signal);
    } catch (error) {
      started = Promise.reject(error);
    }
    started.then(
      (narrowed) => {
        if (signal.aborted) return;
        const defined = Object.fromEntries(Object.entries(narrowed ?? {}).filter(([, v]) => v !== undefined));
        serviceLimits = { ...serviceLimits, ...defined };
        applyLimits();
        startState = 'done';
        const tooLarge = queue.removeWhere((i) => i.size > serviceLimits.maxEntryBytes);
        if (tooLarge.length > 0) {
          for (const item of tooLarge) {
            queueBytes -= item.size;
            fail(item, tooLargeError(item.size));
          }
          admitWaiters();
        }
        pump();
      },
      (error: unknown) => {
        startState = 'failed';
        startError = error;
        if (signal.aborted) return;
        logger.error(`${service}.start.failed`, { sink: name, code: errorName(error) });
        for (const item of takePending()) fail(item, error);
      },
    );
  }

  function assemble(): Candidate<E> {
    const items: Item<E>[] = [];
    let bytes = 0;
    let full = false;
    let oldest = Number.POSITIVE_INFINITY;
    let lowestSeq = Number.POSITIVE_INFINITY;
    // Only ordered writers have keys (a Set per assembled batch otherwise for nothing).
    const batchKeys = opts.ordered && !driver.keepsKeyOrderInBatch ? new Set<string>() : undefined;
    for (let index = 0; index < queue.size; index++) {
      const item = queue.at(index) as Item<E>;
      if (items.length >= maxEntries) {
        full = true;
        break;
      }
      if (item.key !== undefined) {
        if (keyHolds.has(item.key) || batchKeys?.has(item.key)) continue;
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

  function clearLinger(): void {
    if (lingerTimer !== undefined) clearTimeout(lingerTimer);
    lingerTimer = undefined;
  }

  function scheduleLinger(due: number): void {
    if (lingerTimer !== undefined && lingerDue <= due) return;
    clearLinger();
    lingerDue = due;
    // Ref'd on purpose: it exists only while entries wait, and an awaited write() must complete.
    lingerTimer = setTimeout(lingerElapsed, Math.max(0, due - Date.now()));
  }

  function lingerElapsed(): void {
    lingerTimer = undefined;
    pump();
  }

  /**
   * A write needs a pump only when it may fill a batch: while a linger timer is pending for the oldest entry,
   * a batch that is still short of both limits waits for it (saves assembling the batch on every write).
   */
  function pumpAfterWrite(): void {
    // With every request slot taken there is nothing to send; the next answer pumps.
    if (inFlight.size >= opts.maxConcurrency) return;
    if (lingerTimer !== undefined && queue.size < maxEntries && queueBytes < maxBytes) return;
    pump();
  }

  function pump(): void {
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    try {
      do {
        pumpAgain = false;
        pumpOnce();
      } while (pumpAgain);
    } finally {
      pumping = false;
    }
  }

  function pumpOnce(): void {
    if (signal.aborted || startState !== 'done') {
      clearLinger();
      return;
    }
    while (inFlight.size < opts.maxConcurrency) {
      const candidate = assemble();
      if (candidate.items.length === 0) {
        clearLinger();
        return;
      }
      const now = Date.now();
      clock = now;
      const urgent =
        candidate.full || candidate.lowestSeq <= flushSeq || now - candidate.oldest >= opts.lingerMs;
      if (!urgent) {
        scheduleLinger(candidate.oldest + opts.lingerMs);
        return;
      }
      send(candidate.items);
    }
    clearLinger();
  }

  function send(items: Item<E>[]): void {
    // Unordered batches are the head of the queue; ordered ones may skip held keys.
    let atHead = true;
    let keys: Set<string> | undefined;
    for (let index = 0; index < items.length; index++) {
      const item = items[index] as Item<E>;
      if (queue.at(index) !== item) atHead = false;
      queueBytes -= item.size;
      item.attempts += 1;
      if (item.attempts > 1) counters.retried += 1;
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
    if (keys !== undefined) for (const key of keys) hold(key);
    inFlightEntries += items.length;
    const slot = inFlight.add(items);
    counters.batches += 1;
    let request: Promise<readonly EntryOutcome[]>;
    try {
      request = driver.sendBatch(
        items.map((i) => i.entry),
        signal,
      );
    } catch (error) {
      request = Promise.reject(error);
    }
    request.then(
      (outcomes) => answered(slot, items, keys, outcomes, undefined),
      (error: unknown) => answered(slot, items, keys, undefined, error),
    );
  }

  /**
   * A batch's answer. The batch leaves the in-flight count before its writes settle, so writes that follow
   * their resolution find buffer room at once instead of queueing for it.
   */
  function answered(
    slot: number,
    items: Item<E>[],
    keys: Set<string> | undefined,
    outcomes: readonly EntryOutcome[] | undefined,
    error: unknown,
  ): void {
    inFlight.delete(slot, items);
    inFlightEntries -= items.length;
    if (keys !== undefined) for (const key of keys) unhold(key);
    try {
      if (outcomes !== undefined) onOutcomes(items, outcomes);
      else onFailure(items, error);
    } catch (unexpected) {
      // A throwing logger or a malformed outcome must not leave writes hanging.
      for (const item of items) if (!item.settled) fail(item, unexpected);
    }
    admitWaiters();
    pump();
  }

  function onOutcomes(items: Item<E>[], outcomes: readonly EntryOutcome[]): void {
    if (signal.aborted) return;
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
        message: `the ${service} driver returned ${outcomes.length} outcomes for ${items.length} entries`,
      };
      if (outcome.status === 'ok') {
        counters.written += 1;
        counters.bytes += item.size;
        succeed(item, new WriteReceipt(name, outcome.id, item.attempts, outcome.details, item.messageId));
        continue;
      }
      failed += 1;
      codes ??= new Set();
      codes.add(outcome.code);
      if (outcome.status === 'retryable' && item.attempts < opts.maxAttempts) {
        retry ??= [];
        retry.push(item);
      } else {
        rejected += 1;
        fail(item, rejectedError(item, outcome.code, outcome.message));
      }
    }
    if (failed === 0) return;
    logger.warn(`${service}.batch.partialFailure`, {
      sink: name,
      total: items.length,
      failed,
      retrying: retry?.length ?? 0,
      rejected,
      codes: [...(codes ?? [])].join(','),
    });
    if (retry !== undefined) scheduleRetry(retry);
  }

  function onFailure(items: Item<E>[], error: unknown): void {
    if (signal.aborted) return;
    const code = errorName(error);
    if (isRetryableAwsError(error)) {
      const retry = items.filter((i) => i.attempts < opts.maxAttempts);
      const exhausted = items.filter((i) => i.attempts >= opts.maxAttempts);
      logger.warn(`${service}.batch.failed`, {
        sink: name,
        total: items.length,
        code,
        retrying: retry.length,
        rejected: exhausted.length,
      });
      for (const item of exhausted) fail(item, rejectedError(item, code, 'request failed', error));
      scheduleRetry(retry);
      return;
    }
    const cause = isTributaryError(error)
      ? error
      : toTributaryError(error, { operation: `${service}.sendBatch`, resource: name });
    logger.warn(`${service}.batch.failed`, { sink: name, total: items.length, code, retrying: 0 });
    for (const item of items) {
      fail(
        item,
        new SinkWriteError(
          `${service} request of sink "${name}" failed (${code}); ${items.length} entries rejected`,
          { sink: name, attempts: item.attempts, awsErrorCode: code, cause },
        ),
      );
    }
  }

  /** Entries of one failed batch wait one full-jitter delay together, then go back to their places in the queue. */
  function scheduleRetry(items: Item<E>[]): void {
    if (items.length === 0) return;
    const attempt = Math.max(...items.map((i) => i.attempts));
    const delay = backoffDelay(attempt, opts.baseDelayMs, opts.maxDelayMs);
    retryWaiting += items.length;
    for (const item of items) if (item.key !== undefined) hold(item.key);
    // Ref'd on purpose: the writes waiting for this retry must complete before the process may exit.
    const wait = new RetryWait(items);
    const slot = retrying.add(wait);
    wait.timer = setTimeout(() => {
      retrying.delete(slot, wait);
      retryWaiting -= items.length;
      for (const item of items) {
        if (item.key !== undefined) unhold(item.key);
        if (!item.settled) insertBySeq(item);
      }
      pump();
    }, delay);
  }

  function insertBySeq(item: Item<E>): void {
    let low = 0;
    let high = queue.size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((queue.at(mid) as Item<E>).seq < item.seq) low = mid + 1;
      else high = mid;
    }
    queue.insert(low, item);
    queueBytes += item.size;
  }

  function abortAll(): void {
    if (signal.aborted) return;
    controller.abort(outerSignal?.reason);
    clearLinger();
    for (const wait of retrying) clearTimeout(wait.timer);
    const error = abortedError(name, 'aborted; pending writes rejected', outerSignal?.reason);
    for (const item of takePending()) fail(item, error);
  }

  /**
   * Every item without an outcome (waiting for room, queued, in flight, waiting for a retry), taken out of
   * the writer's queues: for failing them all at once.
   */
  function takePending(): Item<E>[] {
    const pending = [...roomWaiters, ...queue];
    for (const items of inFlight) pending.push(...items);
    for (const wait of retrying) pending.push(...wait.items);
    roomWaiters.clear();
    queue.clear();
    queueBytes = 0;
    retrying.clear();
    retryWaiting = 0;
    return pending.filter((item) => !item.settled);
  }

  if (outerSignal?.aborted) abortAll();
  else outerSignal?.addEventListener('abort', abortAll, { once: true });

  function write(message: OutgoingMessage<T>, writeOptions?: WriteOptions): Promise<Receipt> {
    if (closed) return Promise.reject(writerClosedError(name));
    if (signal.aborted)
      return Promise.reject(abortedError(name, 'aborted; write rejected', outerSignal?.reason));
    if (startState === 'failed') return Promise.reject(startError);
    let entry: E;
    let size: number;
    try {
      entry = driver.prepare(message);
      size = driver.entrySize(entry);
    } catch (error) {
      counters.rejected += 1;
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
    if (size > serviceLimits.maxEntryBytes) {
      counters.rejected += 1;
      return Promise.reject(tooLargeError(size));
    }
    const key = opts.ordered ? driver.orderingKey?.(entry) : undefined;
    const promise = new Promise<Receipt>(handOver);
    // Written behind others, an entry takes the time of the writer's last look at the clock (a pump, an
    // answer, a write into an empty queue) instead of a Date.now() per write. That time is never later than
    // the true one, so such an entry can only linger less, and the head of the queue, written into an empty
    // queue, has its exact time.
    if (queue.size === 0) clock = Date.now();
    seqCounter += 1;
    const item = new Item(seqCounter, entry, size, key, message.id, clock, handedResolve, handedReject);
    unsettled += 1;
    if (roomWaiters.size === 0 && held() < opts.maxBufferedEntries) {
      admit(item);
      pumpAfterWrite();
      return promise;
    }
    waitForRoom(item, writeOptions?.signal);
    return promise;
  }

  function roomWaitAborted(reason: unknown): ReturnType<typeof abortedError> {
    return abortedError(name, 'write aborted while waiting for buffer room', reason);
  }

  /** Queues an item until the buffer has room; aborting `waitSignal` meanwhile rejects it. */
  function waitForRoom(item: Item<E>, waitSignal: AbortSignal | undefined): void {
    if (waitSignal?.aborted) {
      fail(item, roomWaitAborted(waitSignal.reason));
      return;
    }
    if (waitSignal) {
      const onAbort = (): void => {
        if (item.admitted) return;
        // Left in the FIFO, where admitWaiters() skips settled items; let the writes behind it in.
        fail(item, roomWaitAborted(waitSignal.reason));
        admitWaiters();
        pump();
      };
      waitSignal.addEventListener('abort', onAbort, { once: true });
      item.release = () => waitSignal.removeEventListener('abort', onAbort);
    }
    roomWaiters.push(item);
  }

  function flush(): Promise<void> {
    if (unsettled === 0) return Promise.resolve();
    flushSeq = seqCounter;
    return new Promise<void>((resolve) => {
      flushWaiters.push({ seq: seqCounter, remaining: unsettled, resolve });
      pump();
    });
  }

  function close(): Promise<void> {
    closed = true;
    closePromise ??= flush().then(() => {
      clearLinger();
      outerSignal?.removeEventListener('abort', abortAll);
    });
    return closePromise;
  }

  return {
    name,
    writeConcurrency: opts.maxBufferedEntries,
    write,
    flush,
    close,
    limits: () => ({
      maxBatchEntries: maxEntries,
      maxBatchBytes: maxBytes,
      maxEntryBytes: serviceLimits.maxEntryBytes,
    }),
    stats: (): SinkStats => ({
      ...counters,
      inFlight: inFlightEntries,
      buffered: queue.size + retryWaiting,
    }),
    [Symbol.asyncDispose]: close,
  };
}
