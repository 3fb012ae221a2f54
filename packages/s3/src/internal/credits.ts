/**
 * Credit-based flow control: at most `max` messages out and undecided. `take()` is the fast path (no promise);
 * `acquire()` waits until a credit is free or the signal aborts.
 */
export class Credits {
  #available: number;
  readonly #waiters: (() => void)[] = [];

  constructor(readonly max: number) {
    this.#available = max;
  }

  get available(): number {
    return this.#available;
  }

  /** Takes a credit when one is free; false otherwise. */
  take(): boolean {
    if (this.#available <= 0) return false;
    this.#available -= 1;
    return true;
  }

  /** Resolves once a credit was taken; rejects with the signal's reason when it aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.take()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const waiter = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
        reject(signal?.reason);
      };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Gives a credit back, handing it straight to the oldest waiter if there is one. */
  release(): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter();
    else this.#available = Math.min(this.max, this.#available + 1);
  }
}

/** A counting semaphore for object reads: `run(fn)` waits for a free slot. */
export class Slots {
  readonly #credits: Credits;
  constructor(max: number) {
    this.#credits = new Credits(max);
  }
  get free(): number {
    return this.#credits.available;
  }
  acquire(signal?: AbortSignal): Promise<void> {
    return this.#credits.acquire(signal);
  }
  release(): void {
    this.#credits.release();
  }
}
