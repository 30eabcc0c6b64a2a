import { describe, expect, it } from 'vitest';
import { SlidingCounter } from './sliding-counter.ts';

describe('SlidingCounter', () => {
  it('forgets a second once the whole second has left the window (never early), and says when room comes back', () => {
    const c = new SlidingCounter(60_000);
    c.add(0, 5);
    c.add(999, 1);
    c.add(30_000, 3);
    expect(c.sum(30_000)).toBe(9);
    // The request made at 999 ms is in Microsoft's window until 60,999 ms: still counted just before.
    expect(c.sum(60_999)).toBe(9);
    expect(c.nextFreeAt(30_000)).toBe(61_000);
    expect(c.sum(61_000)).toBe(3);
    expect(c.nextFreeAt(61_000)).toBe(91_000);
    expect(c.sum(91_000)).toBe(0);
    expect(c.nextFreeAt(91_000)).toBe(91_000);
  });
});
