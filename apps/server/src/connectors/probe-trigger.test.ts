import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProbeTrigger } from './probe-trigger.ts';

describe('ProbeTrigger', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function trigger() {
    const probes: string[] = [];
    const t = new ProbeTrigger({
      delayMs: 1000,
      minGapMs: 30_000,
      probe: async (id) => {
        probes.push(id);
      },
      onError: () => undefined,
    });
    return { t, probes };
  }

  it('a storm of signals makes one probe per connector', async () => {
    const { t, probes } = trigger();
    for (let i = 0; i < 500; i++) t.signal('a');
    t.signal('b');
    await vi.advanceTimersByTimeAsync(1000);
    expect(probes.sort()).toEqual(['a', 'b']);
    // Still storming: nothing more until the gap has passed.
    for (let i = 0; i < 20; i++) {
      t.signal('a');
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(probes.filter((p) => p === 'a')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(30_000);
    t.signal('a');
    await vi.advanceTimersByTimeAsync(1000);
    expect(probes.filter((p) => p === 'a')).toHaveLength(2);
    t.close();
  });

  it('probes within the delay of the first signal', async () => {
    const { t, probes } = trigger();
    t.signal('a');
    await vi.advanceTimersByTimeAsync(999);
    expect(probes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(probes).toEqual(['a']);
    t.close();
  });
});
