import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { AppError, type Words } from '../../core/errors.ts';
import {
  CLIENT_FAILURE_WINDOW_MS,
  CLIENT_MAX_FAILURES,
  PASSWORD_WORK_MAX,
  PASSWORD_WORK_WINDOW_MS,
  lockDurationMs,
} from '../../core/lockout.ts';
import { sha256 } from '../../security/tokens.ts';
import type { Db } from '../client.ts';
import { loginThrottle } from '../schema/index.ts';
import { hitWindow, readWindow } from './rate-limits.ts';

/**
 * Sign-in limits (decision 0003). `client` is `clientKey(req.ip)` (core/client-key.ts). Every counter
 * lives in the database so that it holds across processes and restarts.
 */

/** One lockout counter per (email address, client); hashed: the table holds neither. */
const lockKey = (email: string, client: string) => `login:${sha256(`${email.toLowerCase()}\n${client}`)}`;
const failuresKey = (client: string) => `login-failures:${client}`;
const passwordWorkKey = (client: string) => `password-work:${client}`;

/** "in 3 minutes" / "dans 3 minutes" (at least 1: a refusal always has some wait left). */
const inMinutes = (seconds: number): Words => {
  const minutes = Math.ceil(seconds / 60);
  const unit = `minute${minutes === 1 ? '' : 's'}`;
  return { en: `in ${minutes} ${unit}`, fr: `dans ${minutes} ${unit}` };
};

/**
 * Refuses a sign-in attempt when this client has failed too often (any address), or when this
 * address is locked for this client. Reads only: successful sign-ins never count.
 */
export async function checkLoginAllowed(db: Db, client: string, email: string): Promise<void> {
  const failures = await readWindow(db, failuresKey(client), CLIENT_FAILURE_WINDOW_MS);
  if (failures.count >= CLIENT_MAX_FAILURES) {
    const wait = inMinutes(failures.retryAfterSeconds);
    throw new AppError(
      'rate_limited',
      {
        en: `Too many failed sign-ins from your network. Try again ${wait.en}.`,
        fr: `Trop de connexions échouées depuis votre réseau. Réessayez ${wait.fr}.`,
      },
      { headers: { 'retry-after': String(failures.retryAfterSeconds) } },
    );
  }
  const now = Date.now();
  const [row] = await db
    .select()
    .from(loginThrottle)
    .where(eq(loginThrottle.key, lockKey(email, client)))
    .limit(1);
  if (row?.lockedUntil && row.lockedUntil.getTime() > now) {
    const seconds = Math.ceil((row.lockedUntil.getTime() - now) / 1000);
    const wait = inMinutes(seconds);
    throw new AppError(
      'account_locked',
      {
        en: `Too many failed sign-ins for this email from your device or network. Try again ${wait.en}.`,
        fr: `Trop de connexions échouées pour cette adresse e-mail depuis votre appareil ou votre réseau. Réessayez ${wait.fr}.`,
      },
      { headers: { 'retry-after': String(seconds) } },
    );
  }
}

/**
 * Takes one unit of this client's budget of password hashing done without a session; refuses (429)
 * when it is spent. Call it after every cheap refusal and right before the argon2id call.
 */
export async function spendPasswordWork(db: Db, client: string): Promise<void> {
  const { count, retryAfterSeconds } = await hitWindow(db, passwordWorkKey(client), PASSWORD_WORK_WINDOW_MS);
  if (count > PASSWORD_WORK_MAX) {
    const wait = inMinutes(retryAfterSeconds);
    throw new AppError(
      'rate_limited',
      {
        en: `Too many password attempts from your network. Try again ${wait.en}.`,
        fr: `Trop de tentatives de mot de passe depuis votre réseau. Réessayez ${wait.fr}.`,
      },
      { headers: { 'retry-after': String(retryAfterSeconds) } },
    );
  }
}

export async function recordLoginFailure(db: Db, client: string, email: string): Promise<void> {
  await hitWindow(db, failuresKey(client), CLIENT_FAILURE_WINDOW_MS);
  const key = lockKey(email, client);
  const [row] = await db
    .insert(loginThrottle)
    .values({ key, failures: 1 })
    .onConflictDoUpdate({
      target: loginThrottle.key,
      set: { failures: sql`${loginThrottle.failures} + 1`, updatedAt: sql`now()` },
    })
    .returning({ failures: loginThrottle.failures });
  const lockMs = lockDurationMs(row?.failures ?? 1);
  if (lockMs > 0) {
    await db
      .update(loginThrottle)
      .set({ lockedUntil: new Date(Date.now() + lockMs) })
      .where(eq(loginThrottle.key, key));
  }
}

export async function recordLoginSuccess(db: Db, client: string, email: string): Promise<void> {
  await db.delete(loginThrottle).where(eq(loginThrottle.key, lockKey(email, client)));
}

/** Forgets failure streaks that ended `quietMs` ago and hold no lock any more (housekeeping). */
export async function forgetQuietLoginFailures(db: Db, now: Date, quietMs: number): Promise<number> {
  const rows = await db
    .delete(loginThrottle)
    .where(
      and(
        lt(loginThrottle.updatedAt, new Date(now.getTime() - quietMs)),
        or(isNull(loginThrottle.lockedUntil), lt(loginThrottle.lockedUntil, now)),
      ),
    )
    .returning({ key: loginThrottle.key });
  return rows.length;
}
