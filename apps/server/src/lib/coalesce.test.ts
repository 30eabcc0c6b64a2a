import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeyedCoalescer } from './coalesce.ts';

describe('KeyedCoalescer', () => {
  afterEach(() => vi.useRealTimers());

  it('runs once per key for the calls made within the delay, and again for a later call', async () => {
    vi.useFakeTimers();
    const ran: string[] = [];
    const c = new KeyedCoalescer(
      1000,
      async (k) => void ran.push(k),
      () => undefined,
    );
    c.call('a');
    c.call('a');
    c.call('b');
    await vi.advanceTimersByTimeAsync(500);
    c.call('a');
    expect(ran).toEqual([]);
    await vi.advanceTimersByTimeAsync(500);
    expect(ran.sort()).toEqual(['a', 'b']);
    c.call('a');
    await vi.advanceTimersByTimeAsync(1000);
    expect(ran.filter((k) => k === 'a')).toHaveLength(2);
  });

  it('reports a failure and keeps working; close drops what is pending', async () => {
    vi.useFakeTimers();
    const errors: string[] = [];
    let fail = true;
    const ran: string[] = [];
    const c = new KeyedCoalescer(
      10,
      async (k) => {
        if (fail) throw new Error('queue down');
        ran.push(k);
      },
      (k, err) => errors.push(`${k}: ${(err as Error).message}`),
    );
    c.call('a');
    await vi.advanceTimersByTimeAsync(10);
    expect(errors).toEqual(['a: queue down']);
    fail = false;
    c.call('a');
    await vi.advanceTimersByTimeAsync(10);
    expect(ran).toEqual(['a']);
    c.call('b');
    c.close();
    await vi.advanceTimersByTimeAsync(100);
    expect(ran).toEqual(['a']);
  });
});
