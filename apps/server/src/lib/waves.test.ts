import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { inWaves } from './waves.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const after = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms));

describe('inWaves', () => {
  it('results ready together go in one wave, as soon as the last task settles', async () => {
    const waves: { at: number; items: number[] }[] = [];
    const start = Date.now();
    const done = inWaves(
      [after(10, 1), after(20, 2), after(30, 3)],
      async (w) => {
        waves.push({ at: Date.now() - start, items: w });
      },
      250,
    );
    await vi.advanceTimersByTimeAsync(30);
    await done;
    expect(waves).toEqual([{ at: 30, items: [1, 2, 3] }]);
  });

  it('a slow task does not hold back the others: they go when the wave’s wait is over, it goes alone later', async () => {
    const waves: { at: number; items: number[] }[] = [];
    const start = Date.now();
    const done = inWaves(
      [after(0, 1), after(100, 2), after(5_000, 3), after(50, undefined)],
      async (w) => {
        waves.push({ at: Date.now() - start, items: w });
      },
      250,
    );
    await vi.advanceTimersByTimeAsync(5_000);
    await done;
    expect(waves).toEqual([
      { at: 250, items: [1, 2] },
      { at: 5_000, items: [3] },
    ]);
  });

  it('waits for every flush, and a flush that throws rejects it; a rejected task hands nothing over', async () => {
    const seen: number[][] = [];
    const failing = inWaves(
      [after(0, 1), Promise.reject(new Error('task'))],
      async (w) => {
        seen.push(w);
        throw new Error('flush');
      },
      250,
    );
    const expectation = expect(failing).rejects.toThrow('flush');
    await vi.advanceTimersByTimeAsync(1);
    await expectation;
    expect(seen).toEqual([[1]]);
    await expect(inWaves([], async () => undefined, 250)).resolves.toBeUndefined();
  });
});
