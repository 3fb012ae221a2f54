import { backoffDelay, sleep } from '@tributary/stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

describe('backoffDelay', () => {
  it('is 0 when random() is 0', () => {
    // Act / Assess
    expect(backoffDelay(5, 100, 10_000, () => 0)).toBe(0);
  });

  it('stays below min(maxDelayMs, baseDelayMs * 2^(attempt-1))', () => {
    // Prepare
    const almostOne = () => 0.999999;
    // Act
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => backoffDelay(attempt, 100, 5_000, almostOne));
    // Assess
    expect(delays).toEqual([99, 199, 399, 799, 1599, 3199, 4999, 4999]);
  });

  it('scales with random() (full jitter)', () => {
    // Act / Assess
    expect(backoffDelay(3, 100, 10_000, () => 0.5)).toBe(200);
  });

  it('does not overflow on huge attempts', () => {
    // Act / Assess
    expect(backoffDelay(10_000, 100, 20_000, () => 0.5)).toBe(10_000);
  });
});

describe('sleep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves after the delay', async () => {
    // Prepare
    let done = false;
    // Act
    const slept = sleep(100).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(99);
    const early = done;
    await vi.advanceTimersByTimeAsync(1);
    await slept;
    // Assess
    expect(early).toBe(false);
    expect(done).toBe(true);
  });

  it('rejects with the reason when the signal aborts, and clears its timer', async () => {
    // Prepare
    const controller = new AbortController();
    const slept = sleep(10_000, controller.signal);
    // Act
    controller.abort(new Error('stop'));
    // Assess
    await expect(slept).rejects.toThrow('stop');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once on an aborted signal', async () => {
    // Act / Assess
    await expect(sleep(10, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });
});
