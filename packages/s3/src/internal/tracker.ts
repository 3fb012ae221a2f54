const DONE: Promise<void> = Promise.resolve();

/** How a tracked unit (an object, a notification) ended. */
export type Outcome = { readonly ok: true } | { readonly ok: false; readonly reason: unknown };

/**
 * Ack aggregation: a unit (an S3 object, an SQS notification) is done when it is sealed (nothing more will be
 * added) and every part added to it has been decided. `onSettled` runs exactly once, then; the decision or
 * seal that completed the unit gets its promise, so `await message.ack()` of the last message waits for the
 * after-read action.
 */
export class AckTracker {
  #added = 0;
  #decided = 0;
  #sealed = false;
  #failure: { reason: unknown } | undefined;
  #settled: Promise<void> | undefined;
  readonly #onSettled: (outcome: Outcome) => Promise<void>;

  constructor(onSettled: (outcome: Outcome) => Promise<void>) {
    this.#onSettled = onSettled;
  }

  get added(): number {
    return this.#added;
  }
  get decided(): number {
    return this.#decided;
  }
  get sealed(): boolean {
    return this.#sealed;
  }
  /** The settlement promise once the unit is complete; undefined before. */
  get settled(): Promise<void> | undefined {
    return this.#settled;
  }

  /** Adds one part (a message) that must be decided. Ignored after sealing. */
  add(): void {
    if (!this.#sealed) this.#added += 1;
  }

  /** Records one part's decision; a failure makes the whole unit fail (the first reason is kept). */
  decide(ok: boolean, reason?: unknown): Promise<void> {
    this.#decided += 1;
    if (!ok) this.#failure ??= { reason };
    return this.#check();
  }

  /** Nothing more will be added; a reason marks the unit failed (a read error). */
  seal(failure?: { reason: unknown }): Promise<void> {
    if (this.#sealed) return this.#settled ?? DONE;
    this.#sealed = true;
    if (failure) this.#failure ??= failure;
    return this.#check();
  }

  #check(): Promise<void> {
    if (this.#settled) return this.#settled;
    if (!this.#sealed || this.#decided < this.#added) return DONE;
    const outcome: Outcome = this.#failure ? { ok: false, reason: this.#failure.reason } : { ok: true };
    this.#settled = Promise.resolve()
      .then(() => this.#onSettled(outcome))
      .catch(() => {});
    return this.#settled;
  }
}
