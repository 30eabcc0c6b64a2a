import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { rateLimits } from '../schema/index.ts';

export interface WindowCount {
  /** Hits in the current fixed window. */
  count: number;
  /** Seconds until the window ends (for Retry-After). */
  retryAfterSeconds: number;
}

function windowOf(windowMs: number, now: number) {
  const start = now - (now % windowMs);
  return {
    windowStart: new Date(start),
    retryAfterSeconds: Math.max(1, Math.ceil((start + windowMs - now) / 1000)),
  };
}

/**
 * Adds one hit to `key`'s current fixed window and answers the new count. One statement, so
 * concurrent requests (several processes included) each see their own count: a burst cannot slip
 * through between a check and its increment.
 */
export async function hitWindow(
  db: Db,
  key: string,
  windowMs: number,
  now = Date.now(),
): Promise<WindowCount> {
  const { windowStart, retryAfterSeconds } = windowOf(windowMs, now);
  const [row] = await db
    .insert(rateLimits)
    .values({ key, windowStart, count: 1 })
    .onConflictDoUpdate({
      target: [rateLimits.key, rateLimits.windowStart],
      set: { count: sql`${rateLimits.count} + 1` },
    })
    .returning({ count: rateLimits.count });
  return { count: row?.count ?? 1, retryAfterSeconds };
}

/** `key`'s count in the current fixed window, without adding to it. */
export async function readWindow(
  db: Db,
  key: string,
  windowMs: number,
  now = Date.now(),
): Promise<WindowCount> {
  const { windowStart, retryAfterSeconds } = windowOf(windowMs, now);
  const [row] = await db
    .select({ count: rateLimits.count })
    .from(rateLimits)
    .where(and(eq(rateLimits.key, key), eq(rateLimits.windowStart, windowStart)))
    .limit(1);
  return { count: row?.count ?? 0, retryAfterSeconds };
}
