import { eq, sql } from 'drizzle-orm';
import { AppError } from '../../core/errors.ts';
import { IP_MAX_ATTEMPTS, IP_WINDOW_MS, lockDurationMs } from '../../core/lockout.ts';
import { sha256 } from '../../security/tokens.ts';
import type { Db } from '../client.ts';
import { loginThrottle, rateLimits } from '../schema/index.ts';

const emailKey = (email: string) => `email:${sha256(email.toLowerCase())}`;

/**
 * Refuses a sign-in attempt when the address is locked out or the client IP has made too many
 * attempts. Both counters live in the database so they hold across processes and restarts.
 */
export async function checkLoginAllowed(db: Db, ip: string, email: string): Promise<void> {
  const now = Date.now();
  const windowStart = new Date(now - (now % IP_WINDOW_MS));
  const [counter] = await db
    .insert(rateLimits)
    .values({ key: `login-ip:${ip}`, windowStart, count: 1 })
    .onConflictDoUpdate({ target: [rateLimits.key, rateLimits.windowStart], set: { count: sql`${rateLimits.count} + 1` } })
    .returning({ count: rateLimits.count });
  if (counter && counter.count > IP_MAX_ATTEMPTS) {
    const retryAfter = Math.ceil((windowStart.getTime() + IP_WINDOW_MS - now) / 1000);
    throw new AppError('rate_limited', 'Too many sign-in attempts from your network. Wait a few minutes and try again.', {
      headers: { 'retry-after': String(retryAfter) },
    });
  }
  const [row] = await db.select().from(loginThrottle).where(eq(loginThrottle.key, emailKey(email))).limit(1);
  if (row?.lockedUntil && row.lockedUntil.getTime() > now) {
    const seconds = Math.ceil((row.lockedUntil.getTime() - now) / 1000);
    const minutes = Math.ceil(seconds / 60);
    throw new AppError(
      'account_locked',
      `Too many failed sign-ins for this email. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      { headers: { 'retry-after': String(seconds) } },
    );
  }
}

export async function recordLoginFailure(db: Db, email: string): Promise<void> {
  const key = emailKey(email);
  const [row] = await db
    .insert(loginThrottle)
    .values({ key, failures: 1 })
    .onConflictDoUpdate({ target: loginThrottle.key, set: { failures: sql`${loginThrottle.failures} + 1`, updatedAt: sql`now()` } })
    .returning({ failures: loginThrottle.failures });
  const lockMs = lockDurationMs(row?.failures ?? 1);
  if (lockMs > 0) {
    await db.update(loginThrottle).set({ lockedUntil: new Date(Date.now() + lockMs) }).where(eq(loginThrottle.key, key));
  }
}

export async function recordLoginSuccess(db: Db, email: string): Promise<void> {
  await db.delete(loginThrottle).where(eq(loginThrottle.key, emailKey(email)));
}
