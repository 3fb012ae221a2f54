/**
 * Exponential backoff with full jitter: a random delay in `[0, min(maxDelayMs, baseDelayMs * 2^(attempt-1)))`,
 * whole milliseconds. `attempt` is the number of the attempt that just failed (1 = the first send).
 * @example
 * ```ts
 * await sleep(backoffDelay(attempt, 100, 10_000), signal);
 * ```
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(exponent, 52));
  return Math.floor(random() * cap);
}

/**
 * Resolves after `ms`; rejects with the signal's reason when it aborts first (and clears the timer).
 * @example
 * ```ts
 * await sleep(250, subscriptionSignal);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
