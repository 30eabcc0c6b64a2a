import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hitWindow, readWindow } from '../src/db/repos/rate-limits.ts';
import { openTestDatabase } from './helpers.ts';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.dispose();
});

const FIVE_MINUTES = 5 * 60_000;
// A time one second before the clock's five-minute boundary: a window aligned to the clock would end there.
const boundary = Math.ceil(Date.UTC(2026, 11, 7, 9) / FIVE_MINUTES) * FIVE_MINUTES;
const justBefore = boundary - 1_000;

describe('rate-limit windows', () => {
  it('counts every hit within the window that the first one opened, across the clock’s boundaries', async () => {
    const { db } = database;
    const key = 'test:straddle';
    expect((await hitWindow(db, key, FIVE_MINUTES, justBefore)).count).toBe(1);
    // Two seconds later, across the boundary: still the same window (a burst cannot get twice the budget).
    const second = await hitWindow(db, key, FIVE_MINUTES, justBefore + 2_000);
    expect(second.count).toBe(2);
    // Retry-After counts from the first hit: the window ends five minutes after it.
    expect(second.retryAfterSeconds).toBe(298);
    const read = await readWindow(db, key, FIVE_MINUTES, justBefore + 60_000);
    expect(read).toEqual({ count: 2, retryAfterSeconds: 240 });
    // Five minutes after the first hit the window has ended: reading sees nothing, the next hit opens a new one.
    expect((await readWindow(db, key, FIVE_MINUTES, justBefore + FIVE_MINUTES)).count).toBe(0);
    const fresh = await hitWindow(db, key, FIVE_MINUTES, justBefore + FIVE_MINUTES + 5_000);
    expect(fresh).toEqual({ count: 1, retryAfterSeconds: 300 });
  });

  it('gives concurrent hits each their own count', async () => {
    const { db } = database;
    const hits = await Promise.all(
      Array.from({ length: 20 }, () => hitWindow(db, 'test:burst', FIVE_MINUTES, justBefore)),
    );
    expect(hits.map((h) => h.count).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('keeps one key’s window apart from another’s', async () => {
    const { db } = database;
    await hitWindow(db, 'test:a', FIVE_MINUTES, justBefore);
    await hitWindow(db, 'test:a', FIVE_MINUTES, justBefore);
    expect((await hitWindow(db, 'test:b', FIVE_MINUTES, justBefore)).count).toBe(1);
    expect((await readWindow(db, 'test:a', FIVE_MINUTES, justBefore)).count).toBe(2);
  });
});
