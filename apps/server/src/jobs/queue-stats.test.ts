import { describe, expect, it } from 'vitest';
import { QueueStats } from './queue-stats.ts';

describe('QueueStats', () => {
  it('analyses after enough jobs were queued, at most once per interval, one at a time', async () => {
    let t = 0;
    let runs = 0;
    let finish: () => void = () => undefined;
    const stats = new QueueStats({
      analyze: () => new Promise<void>((r) => (runs++, (finish = r))),
      onError: () => undefined,
      threshold: 100,
      minIntervalMs: 1000,
      now: () => t,
    });
    t = 5000;
    stats.queued(60);
    expect(runs).toBe(0);
    stats.queued(40);
    expect(runs).toBe(1);
    // Still running: another burst waits for it.
    t = 5500;
    stats.queued(500);
    expect(runs).toBe(1);
    finish();
    await stats.settled();
    // Within the interval from the start of the last run, nothing starts; after it, the jobs
    // queued meanwhile are enough.
    t = 5900;
    stats.queued(1);
    expect(runs).toBe(1);
    t = 6000;
    stats.queued(1);
    expect(runs).toBe(2);
  });

  it('a failing ANALYZE is reported, and the next burst tries again', async () => {
    let t = 1000;
    const errors: unknown[] = [];
    const stats = new QueueStats({
      analyze: () => Promise.reject(new Error('permission denied')),
      onError: (e) => errors.push(e),
      threshold: 10,
      minIntervalMs: 100,
      now: () => t,
    });
    stats.queued(10);
    await stats.settled();
    expect(errors).toHaveLength(1);
    t = 1100;
    stats.queued(10);
    await stats.settled();
    expect(errors).toHaveLength(2);
  });
});
