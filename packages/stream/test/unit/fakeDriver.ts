import type { BatchDriver, BatchLimits, EntryOutcome, OutgoingMessage } from '@tributary/stream';

/** A prepared entry of the fake service: the body as text, its caller id and its ordering key. */
export interface FakeEntry {
  readonly id: string;
  readonly body: string;
  readonly key: string | undefined;
}

export type Respond = (entries: readonly FakeEntry[], call: number) => readonly EntryOutcome[];

export interface FakeDriver extends BatchDriver<string, FakeEntry> {
  /** Entries of every sendBatch call, in call order. */
  readonly calls: FakeEntry[][];
  /** Resolves pending sendBatch calls when `manual` is set. */
  readonly release: (() => void)[];
  inFlight: number;
  maxInFlight: number;
}

export interface FakeDriverOptions {
  limits?: Partial<BatchLimits>;
  /** Outcomes per call; default: every entry ok. Throw to fail the whole request. */
  respond?: Respond;
  /** Each call waits this long (fake timers) before answering. */
  latencyMs?: number;
  /** Each call waits until `release[i]()` is called. */
  manual?: boolean;
  start?: BatchDriver<string, FakeEntry>['start'];
  /** Declares that the fake service keeps per-key order within one request. */
  keepsKeyOrderInBatch?: boolean;
  /** Called on every sendBatch, before it answers. */
  onSend?: (entries: readonly FakeEntry[]) => void;
}

export const ok = (entry: FakeEntry): EntryOutcome => ({ status: 'ok', id: `id-${entry.id}` });

/** An error as the AWS SDK throws on throttling. */
export function throttlingError(): Error {
  const error = new Error('Rate exceeded');
  error.name = 'ThrottlingException';
  Object.assign(error, {
    $metadata: { httpStatusCode: 400 },
    $retryable: { throttling: true },
    $fault: 'client',
  });
  return error;
}

/** An error as the AWS SDK throws on a bad request. */
export function validationError(): Error {
  const error = new Error('1 validation error detected');
  error.name = 'ValidationException';
  Object.assign(error, { $metadata: { httpStatusCode: 400 }, $fault: 'client' });
  return error;
}

/** A fake batch service: UTF-8 byte size of the body, ordering key from the `key` attribute. */
export function fakeDriver(options: FakeDriverOptions = {}): FakeDriver {
  let call = 0;
  const driver: FakeDriver = {
    service: 'fake',
    limits: { maxBatchEntries: 10, maxBatchBytes: 1000, maxEntryBytes: 1000, ...options.limits },
    calls: [],
    release: [],
    inFlight: 0,
    maxInFlight: 0,
    ...(options.start ? { start: options.start } : {}),
    ...(options.keepsKeyOrderInBatch ? { keepsKeyOrderInBatch: true } : {}),
    prepare(message: OutgoingMessage<string>): FakeEntry {
      const key = message.attributes?.key;
      return {
        id: message.id ?? message.body,
        body: message.body,
        key: typeof key === 'string' ? key : undefined,
      };
    },
    entrySize: (entry) => Buffer.byteLength(entry.body, 'utf8'),
    orderingKey: (entry) => entry.key,
    async sendBatch(entries) {
      call += 1;
      const thisCall = call;
      driver.calls.push([...entries]);
      driver.inFlight += 1;
      driver.maxInFlight = Math.max(driver.maxInFlight, driver.inFlight);
      options.onSend?.(entries);
      try {
        if (options.manual) await new Promise<void>((resolve) => driver.release.push(resolve));
        if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
        return options.respond ? options.respond(entries, thisCall) : entries.map(ok);
      } finally {
        driver.inFlight -= 1;
      }
    },
  };
  return driver;
}

/** Settles a promise into a result that tests can inspect without unhandled rejections. */
export function settled<T>(promise: Promise<T>): { value?: T; error?: unknown; done: boolean } {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => {
      state.value = value;
      state.done = true;
    },
    (error: unknown) => {
      state.error = error;
      state.done = true;
    },
  );
  return state;
}
