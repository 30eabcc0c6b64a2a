import { and, eq, gt } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { sessions, users } from '../schema/index.ts';
import { randomToken, sha256 } from '../../security/tokens.ts';

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

export interface ActiveSession {
  tokenHash: string;
  csrfToken: string;
  user: { id: string; email: string; name: string; locale: 'en' | 'fr' };
}

/** Creates a session; returns the cookie token (only its hash is stored). */
export async function createSession(
  db: Db,
  userId: string,
  policy: SessionPolicy,
  meta: { ip?: string; userAgent?: string },
): Promise<{ token: string; csrfToken: string }> {
  const token = randomToken();
  const csrfToken = randomToken();
  await db.insert(sessions).values({
    tokenHash: sha256(token),
    userId,
    csrfToken,
    expiresAt: new Date(Date.now() + Math.min(policy.idleMs, policy.absoluteMs)),
    ip: meta.ip ?? null,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
  });
  return { token, csrfToken };
}

/** Looks a cookie token up; extends its idle expiry (at most once a minute, to spare writes). */
export async function findSession(
  db: Db,
  token: string,
  policy: SessionPolicy,
): Promise<ActiveSession | undefined> {
  const tokenHash = sha256(token);
  const now = new Date();
  const [row] = await db
    .select({
      tokenHash: sessions.tokenHash,
      csrfToken: sessions.csrfToken,
      createdAt: sessions.createdAt,
      lastSeenAt: sessions.lastSeenAt,
      user: { id: users.id, email: users.email, name: users.name, locale: users.locale },
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)))
    .limit(1);
  if (!row) return undefined;
  if (now.getTime() - row.lastSeenAt.getTime() > 60_000) {
    const absoluteEnd = row.createdAt.getTime() + policy.absoluteMs;
    await db
      .update(sessions)
      .set({ lastSeenAt: now, expiresAt: new Date(Math.min(now.getTime() + policy.idleMs, absoluteEnd)) })
      .where(eq(sessions.tokenHash, tokenHash));
  }
  return {
    tokenHash: row.tokenHash,
    csrfToken: row.csrfToken,
    user: { ...row.user, locale: row.user.locale === 'fr' ? 'fr' : 'en' },
  };
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}
