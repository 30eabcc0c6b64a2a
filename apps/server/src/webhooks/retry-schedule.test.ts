import { describe, expect, it } from 'vitest';
import { nextAttemptDelayMs, retryWindowMs } from './retry-schedule.ts';

describe('webhook retry schedule', () => {
  it('backs off exponentially, with jitter, for more than 24 hours, then stops', () => {
    expect(nextAttemptDelayMs(1, 5000, () => 0.5)).toBe(5000);
    expect(nextAttemptDelayMs(2, 5000, () => 0.5)).toBe(30_000);
    expect(nextAttemptDelayMs(1, 5000, () => 0)).toBe(4000);
    expect(nextAttemptDelayMs(1, 5000, () => 1)).toBe(6000);
    expect(retryWindowMs(5000)).toBeGreaterThan(24 * 3_600_000);
    let waited = 0;
    let n = 1;
    for (let d = nextAttemptDelayMs(n, 5000, () => 0); d !== null; d = nextAttemptDelayMs(++n, 5000, () => 0))
      waited += d;
    expect(waited).toBeGreaterThan(24 * 3_600_000); // even with the shortest jitter
    expect(nextAttemptDelayMs(13, 5000)).toBeNull();
  });
});
