import { AdaptiveRetryStrategy, StandardRetryStrategy } from '@smithy/core/retry';
import type { RetryStrategyV2, StandardRetryBackoffStrategy } from '@smithy/types';

/** Full-jitter exponential backoff: `random(0, min(maxDelayMs, base * 2^attempt))`. */
class CappedJitterBackoff implements StandardRetryBackoffStrategy {
  #base: number;
  readonly #max: number;
  constructor(baseDelayMs: number, maxDelayMs: number) {
    this.#base = baseDelayMs;
    this.#max = maxDelayMs;
  }
  setDelayBase(delayBase: number): void {
    this.#base = delayBase;
  }
  computeNextBackoffDelay(attempt: number): number {
    return Math.floor(Math.random() * Math.min(this.#max, this.#base * 2 ** attempt));
  }
}

/** One retry strategy per client (each keeps its own retry capacity). */
export function createRetryStrategy(retry: {
  mode: 'standard' | 'adaptive';
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}): RetryStrategyV2 {
  const options = {
    maxAttempts: retry.maxAttempts,
    baseDelay: retry.baseDelayMs,
    backoff: new CappedJitterBackoff(retry.baseDelayMs, retry.maxDelayMs),
  };
  return retry.mode === 'adaptive'
    ? new AdaptiveRetryStrategy(retry.maxAttempts, options)
    : new StandardRetryStrategy(options);
}
