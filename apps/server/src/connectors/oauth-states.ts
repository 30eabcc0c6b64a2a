import { and, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { oauthStates } from '../db/schema/index.ts';
import { randomToken, sha256 } from '../security/tokens.ts';

export type OAuthStateRow = typeof oauthStates.$inferSelect;

/** Creates a pending sign-in; returns the random `state` to send to Microsoft (only its hash is kept). */
export async function createOAuthState(
  db: Db,
  v: Omit<typeof oauthStates.$inferInsert, 'stateHash' | 'expiresAt' | 'createdAt' | 'usedAt'>,
  ttlMs: number,
  extra: (stateHash: string) => Partial<typeof oauthStates.$inferInsert> = () => ({}),
): Promise<string> {
  const state = randomToken();
  const stateHash = sha256(state);
  await db
    .insert(oauthStates)
    .values({ ...v, ...extra(stateHash), stateHash, expiresAt: new Date(Date.now() + ttlMs) });
  return state;
}

/**
 * Uses a `state` up: it must exist, be of the expected kind, unexpired and unused. Marking it used
 * and reading it is one statement, so a replayed callback finds nothing.
 */
export async function consumeOAuthState(
  db: Db,
  state: string,
  kind: OAuthStateRow['kind'] | OAuthStateRow['kind'][],
): Promise<OAuthStateRow | undefined> {
  if (!state || state.length > 200) return undefined;
  const kinds = Array.isArray(kind) ? kind : [kind];
  const [row] = await db
    .update(oauthStates)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(oauthStates.stateHash, sha256(state)),
        inArray(oauthStates.kind, kinds),
        isNull(oauthStates.usedAt),
        gt(oauthStates.expiresAt, sql`now()`),
      ),
    )
    .returning();
  return row;
}

/** Reads a reusable value (a consent link's ticket) without using it up: unexpired and unused. */
export async function findOAuthState(
  db: Db,
  state: string,
  kind: OAuthStateRow['kind'],
): Promise<OAuthStateRow | undefined> {
  if (!state || state.length > 200) return undefined;
  const [row] = await db
    .select()
    .from(oauthStates)
    .where(
      and(
        eq(oauthStates.stateHash, sha256(state)),
        eq(oauthStates.kind, kind),
        isNull(oauthStates.usedAt),
        gt(oauthStates.expiresAt, sql`now()`),
      ),
    );
  return row;
}
