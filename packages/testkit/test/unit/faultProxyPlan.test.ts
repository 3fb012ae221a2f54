import { describe, expect, it } from 'vitest';
import {
  chooseFailedEntries,
  type PlannedFaults,
  planFault,
  seededRandom,
} from '../../src/internal/faultProxyPlan.js';

function tally(faults: PlannedFaults, draws: number, seed = 7) {
  const random = seededRandom(seed);
  const counts = new Map<string, number>();
  const delays: number[] = [];
  const statuses = new Set<number>();
  for (let i = 0; i < draws; i++) {
    const plan = planFault(faults, random);
    counts.set(plan.outcome.kind, (counts.get(plan.outcome.kind) ?? 0) + 1);
    if (plan.delayMs !== undefined) delays.push(plan.delayMs);
    if (plan.outcome.kind === 'http5xx') statuses.add(plan.outcome.status);
  }
  const share = (kind: string) => (counts.get(kind) ?? 0) / draws;
  return { share, delays, statuses };
}

describe('seededRandom', () => {
  it('replays the same sequence for the same seed and stays in [0, 1)', () => {
    // Prepare
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    // Act
    const seqA = Array.from({ length: 1000 }, () => a());
    const seqB = Array.from({ length: 1000 }, () => b());
    const seqC = Array.from({ length: 1000 }, () => c());
    // Assess
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = seqA.reduce((s, x) => s + x, 0) / seqA.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});

describe('planFault', () => {
  it('forwards everything without delay when no fault is configured', () => {
    // Act
    const { share, delays } = tally({}, 1000);
    // Assess
    expect(share('forward')).toBe(1);
    expect(delays).toEqual([]);
  });

  it('hits each fault kind at about its rate', () => {
    // Prepare
    const faults: PlannedFaults = {
      latencyMs: { rate: 0.3, minMs: 5, maxMs: 20 },
      reset: { rate: 0.1, when: 'either' },
      throttle: { rate: 0.15 },
      http5xx: { rate: 0.05, statuses: [500, 503] },
      failEntries: { rate: 0.2, entryRate: 0.5 },
    };
    // Act
    const { share, delays, statuses } = tally(faults, 20_000);
    // Assess
    expect(share('resetBeforeForward') + share('resetAfterForward')).toBeCloseTo(0.1, 1);
    expect(share('resetBeforeForward')).toBeGreaterThan(0.04);
    expect(share('resetAfterForward')).toBeGreaterThan(0.04);
    expect(Math.abs(share('throttle') - 0.15)).toBeLessThan(0.01);
    expect(Math.abs(share('http5xx') - 0.05)).toBeLessThan(0.01);
    expect(Math.abs(share('failEntries') - 0.2)).toBeLessThan(0.01);
    expect(Math.abs(share('forward') - 0.5)).toBeLessThan(0.015);
    expect(Math.abs(delays.length / 20_000 - 0.3)).toBeLessThan(0.01);
    expect(Math.min(...delays)).toBe(5);
    expect(Math.max(...delays)).toBe(20);
    expect([...statuses].sort()).toEqual([500, 503]);
  });

  it("resets only the configured way when 'when' is 'before' or 'after'", () => {
    // Act
    const before = tally({ reset: { rate: 1, when: 'before' } }, 500);
    const after = tally({ reset: { rate: 1, when: 'after' } }, 500);
    // Assess
    expect(before.share('resetBeforeForward')).toBe(1);
    expect(after.share('resetAfterForward')).toBe(1);
  });

  it('replays the same plans for the same seed', () => {
    // Prepare
    const faults: PlannedFaults = { throttle: { rate: 0.3 }, latencyMs: { rate: 0.5, minMs: 0, maxMs: 9 } };
    const r1 = seededRandom(99);
    const r2 = seededRandom(99);
    // Act
    const p1 = Array.from({ length: 200 }, () => planFault(faults, r1));
    const p2 = Array.from({ length: 200 }, () => planFault(faults, r2));
    // Assess
    expect(p1).toEqual(p2);
  });
});

describe('chooseFailedEntries', () => {
  it('fails each entry at about entryRate, positions within the batch', () => {
    // Prepare
    const random = seededRandom(3);
    let failed = 0;
    // Act
    for (let i = 0; i < 1000; i++) {
      const chosen = chooseFailedEntries(10, 0.3, random);
      for (const position of chosen) expect(position >= 0 && position < 10).toBe(true);
      failed += chosen.size;
    }
    // Assess: 30% plus the rare forced one
    expect(failed / 10_000).toBeGreaterThan(0.28);
    expect(failed / 10_000).toBeLessThan(0.33);
  });

  it('always fails at least one entry', () => {
    // Prepare
    const random = seededRandom(5);
    // Act
    const sizes = Array.from({ length: 200 }, () => chooseFailedEntries(4, 0, random).size);
    // Assess
    expect(sizes.every((size) => size === 1)).toBe(true);
  });

  it('fails every entry with entryRate 1 and none of an empty batch', () => {
    // Prepare
    const random = seededRandom(5);
    // Act
    const all = chooseFailedEntries(7, 1, random);
    const none = chooseFailedEntries(0, 1, random);
    // Assess
    expect([...all].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(none.size).toBe(0);
  });
});
