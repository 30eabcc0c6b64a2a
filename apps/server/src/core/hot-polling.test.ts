import { describe, expect, it } from 'vitest';
import { HOT_POLLING_DEFAULTS as P, isHot, pollGapMs } from './hot-polling.ts';

describe('hot folders: the gap between polling rounds', () => {
  it('is half the quiet since the newest mail, between 0.25 s (a burst) and 5 s', () => {
    expect(pollGapMs(P, 0, 1)).toBe(250);
    expect(pollGapMs(P, 300, 1)).toBe(250);
    expect(pollGapMs(P, 1_000, 1)).toBe(500);
    expect(pollGapMs(P, 4_000, 1)).toBe(2_000);
    expect(pollGapMs(P, 9_000, 1)).toBe(4_500);
    expect(pollGapMs(P, 60_000, 1)).toBe(5_000);
  });

  it('quiet folders of one mailbox together stay within the budget share: 5 % of 10,000 requests per 10 minutes', () => {
    // 5 % of 10,000 / 600 s is one round per 1.2 s for the whole mailbox.
    expect(pollGapMs(P, 60_000, 4)).toBe(5_000);
    expect(pollGapMs(P, 60_000, 10)).toBe(12_000);
    const perTenMinutes = (n: number) => n * (600_000 / pollGapMs(P, 60_000, n));
    for (const n of [1, 4, 10, 40]) expect(perTenMinutes(n)).toBeLessThanOrEqual(500);
    // A burst is not capped: its rounds find mail the notifications' rounds would have read anyway.
    expect(pollGapMs(P, 1_000, 10)).toBe(500);
    expect(pollGapMs(P, 200, 10)).toBe(250);
  });

  it('a folder is hot while its newest mail is within the window; never with polling off', () => {
    const now = new Date('2026-12-06T10:00:00Z');
    expect(isHot(P, new Date('2026-12-06T09:31:00Z'), now)).toBe(true);
    expect(isHot(P, new Date('2026-12-06T09:29:00Z'), now)).toBe(false);
    expect(isHot(P, null, now)).toBe(false);
    expect(isHot({ ...P, windowMs: 0 }, now, now)).toBe(false);
  });
});
