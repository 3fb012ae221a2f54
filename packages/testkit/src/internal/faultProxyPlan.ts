import type { Random } from '../testData.js';

// The PRNG lives with the test data now; re-exported for this module's unit tests.
export type { Random } from '../testData.js';
export { seededRandom } from '../testData.js';

/** Fault settings after validation (rates are probabilities per eligible request). */
export interface PlannedFaults {
  readonly latencyMs?: { readonly rate: number; readonly minMs: number; readonly maxMs: number } | undefined;
  readonly reset?: { readonly rate: number; readonly when: 'before' | 'after' | 'either' } | undefined;
  readonly http5xx?: { readonly rate: number; readonly statuses: readonly number[] } | undefined;
  readonly throttle?: { readonly rate: number } | undefined;
  readonly failEntries?: { readonly rate: number; readonly entryRate: number } | undefined;
}

/** What happens to one eligible request. */
export type FaultOutcome =
  | { readonly kind: 'forward' }
  | { readonly kind: 'resetBeforeForward' }
  | { readonly kind: 'resetAfterForward' }
  | { readonly kind: 'http5xx'; readonly status: number }
  | { readonly kind: 'throttle' }
  | { readonly kind: 'failEntries' };

export interface FaultPlan {
  /** Delay before anything else happens, in ms; `undefined` when no latency was drawn. */
  readonly delayMs: number | undefined;
  readonly outcome: FaultOutcome;
}

/**
 * Draws the plan of one request. Latency is independent of the rest; the other kinds are mutually
 * exclusive slices of one draw (reset, throttle, http5xx, failEntries, in that order), so each
 * happens at exactly its configured rate in expectation. Their rates must add up to at most 1.
 * The number of draws per call depends only on the configuration, so a seed replays the same plans.
 */
export function planFault(faults: PlannedFaults, random: Random): FaultPlan {
  let delayMs: number | undefined;
  if (faults.latencyMs) {
    const { rate, minMs, maxMs } = faults.latencyMs;
    const hit = random() < rate;
    const span = random();
    if (hit) delayMs = minMs + Math.floor(span * (maxMs - minMs + 1));
  }
  const draw = random();
  const pick = random();
  let edge = 0;
  if (faults.reset) {
    edge += faults.reset.rate;
    if (draw < edge) {
      const { when } = faults.reset;
      const after = when === 'after' || (when === 'either' && pick < 0.5);
      return { delayMs, outcome: { kind: after ? 'resetAfterForward' : 'resetBeforeForward' } };
    }
  }
  if (faults.throttle) {
    edge += faults.throttle.rate;
    if (draw < edge) return { delayMs, outcome: { kind: 'throttle' } };
  }
  if (faults.http5xx) {
    edge += faults.http5xx.rate;
    if (draw < edge) {
      const { statuses } = faults.http5xx;
      const status = statuses[Math.min(statuses.length - 1, Math.floor(pick * statuses.length))] ?? 500;
      return { delayMs, outcome: { kind: 'http5xx', status } };
    }
  }
  if (faults.failEntries) {
    edge += faults.failEntries.rate;
    if (draw < edge) return { delayMs, outcome: { kind: 'failEntries' } };
  }
  return { delayMs, outcome: { kind: 'forward' } };
}

/**
 * Chooses which of `count` entries fail: each with probability `entryRate`, and at least one
 * (a request picked for `failEntries` always loses an entry). Returns 0-based request positions.
 */
export function chooseFailedEntries(count: number, entryRate: number, random: Random): Set<number> {
  const failed = new Set<number>();
  for (let i = 0; i < count; i++) {
    if (random() < entryRate) failed.add(i);
  }
  if (failed.size === 0 && count > 0) failed.add(Math.min(count - 1, Math.floor(random() * count)));
  return failed;
}
