import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HOT_POLLING_DEFAULTS } from '../core/hot-polling.ts';
import type { Db } from '../db/client.ts';
import { HotFolderPoller } from './hot-folders.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A poller whose look at the database says "next due in `dueInMs`" (no database). */
function poller(dueInMs: number) {
  const p = new HotFolderPoller({
    db: {} as Db,
    polling: HOT_POLLING_DEFAULTS,
    queueRounds: async () => undefined,
    logger: pino({ level: 'silent' }),
  });
  const tick = vi
    .spyOn(p, 'tick')
    .mockImplementation(async () => ({ queued: 0, nextDueAt: new Date(Date.now() + dueInMs) }));
  return { p, tick };
}

describe('HotFolderPoller timing', () => {
  it('looks when the next hot folder is due', async () => {
    const { p, tick } = poller(2_000);
    p.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_998);
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2);
    expect(tick).toHaveBeenCalledTimes(2);
    await p.stop();
  });

  it('a stream of wakes (new mail 20 times a second) never postpones the next look', async () => {
    const { p, tick } = poller(10_000);
    p.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(tick).toHaveBeenCalledTimes(1);
    // Every 50 ms for 2 s: the look still comes every 250 ms (the shortest gap), not never.
    for (let t = 0; t < 2_000; t += 50) {
      p.wake();
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(tick.mock.calls.length).toBeGreaterThanOrEqual(8);
    expect(tick.mock.calls.length).toBeLessThanOrEqual(10);
    await p.stop();
  });
});
