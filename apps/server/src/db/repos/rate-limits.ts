import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { rateLimits } from '../schema/index.ts';

export interface WindowCount {
  /** Hits in the key's current window. */
  count: number;
  /** Seconds until the window ends (for Retry-After). */
  retryAfterSeconds: number;
}

/**
 * A key's window opens at its first hit and lasts `windowMs`; the first hit after it ends opens the
 * next. Not aligned to the clock: a burst across a clock boundary would otherwise get the budget twice
 * (and a test of 60 sign-ins would pass or fail by the minute it ran).
 */
const secondsLeft = (windowStart: Date, windowMs: number, now: number) =>
  Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now) / 1000));

/**
 * Adds one hit to `key`'s window and answers the new count. One statement, so concurrent requests
 * (several processes included) each see their own count: a burst cannot slip through between a
 * check and its increment. Both SET expressions read the row as it was, so an ended window restarts
 * at this hit with a count of 1.
 */
export async function hitWindow(
  db: Db,
  key: string,
  windowMs: number,
  now = Date.now(),
): Promise<WindowCount> {
  const at = new Date(now);
  const ended = sql`${rateLimits.windowStart} <= ${new Date(now - windowMs)}`;
  const [row] = await db
    .insert(rateLimits)
    .values({ key, windowStart: at, count: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`CASE WHEN ${ended} THEN 1 ELSE ${rateLimits.count} + 1 END`,
        windowStart: sql`CASE WHEN ${ended} THEN ${at} ELSE ${rateLimits.windowStart} END`,
      },
    })
    .returning({ count: rateLimits.count, windowStart: rateLimits.windowStart });
  return {
    count: row?.count ?? 1,
    retryAfterSeconds: secondsLeft(row?.windowStart ?? at, windowMs, now),
  };
}

/** `key`'s count in its current window, without adding to it (0 when the window has ended). */
export async function readWindow(
  db: Db,
  key: string,
  windowMs: number,
  now = Date.now(),
): Promise<WindowCount> {
  const [row] = await db
    .select({ count: rateLimits.count, windowStart: rateLimits.windowStart })
    .from(rateLimits)
    .where(eq(rateLimits.key, key))
    .limit(1);
  if (!row || row.windowStart.getTime() + windowMs <= now) {
    return { count: 0, retryAfterSeconds: Math.max(1, Math.ceil(windowMs / 1000)) };
  }
  return { count: row.count, retryAfterSeconds: secondsLeft(row.windowStart, windowMs, now) };
}
