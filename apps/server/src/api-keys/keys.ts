import { randomBytes } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { AppError, invalidField, notFound, type Words } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { recordAudit } from '../db/repos/audit.ts';
import { createOnceWithSecret } from '../db/repos/creation-keys.ts';
import { apiKeys } from '../db/schema/index.ts';
import { assertWorkspaceInboxes } from '../inboxes/inbox-refs.ts';
import { sha256 } from '../security/tokens.ts';
import type { Vault } from '../security/vault.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;
type Actor = { id: string; email: string };

/** Keys say what they are (a scanner can find a leaked one), and their prefix names them in lists. */
const KEY_PREFIX = 'mrk_';
const SHOWN_PREFIX_LENGTH = KEY_PREFIX.length + 8;
/** `lastUsedAt` is written at most this often per key: a busy integration must not write on every call. */
const LAST_USED_EVERY_MS = 60_000;

/** Who is calling with a key: the key acts as a workspace member with its scope (decision 0010). */
export interface ApiKeyPrincipal {
  id: string;
  workspaceId: string;
  name: string;
  prefix: string;
  scope: 'read' | 'read_write';
  /** Inboxes the key may reach; null = every inbox of the workspace. */
  inboxIds: string[] | null;
}

export interface NewApiKey {
  name: string;
  scope: 'read' | 'read_write';
  expiresAt?: Date | null;
  inboxIds?: string[] | null;
}

/**
 * A new key: the caller shows `key` once; only its hash is kept. With an `Idempotency-Key` (`once`),
 * the same key gives the first request's API key and its secret (kept encrypted for a day with the
 * key, decision 0019), not a second API key.
 */
export async function createApiKey(
  db: Db,
  workspaceId: string,
  input: NewApiKey,
  actor: Actor,
  once?: { vault: Vault; key: string | undefined },
): Promise<{ key: string; row: ApiKeyRow; replayed: boolean }> {
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now())
    throw invalidField('expiresAt', {
      en: 'Choose a date in the future.',
      fr: 'Choisissez une date dans le futur.',
    });
  const ids = [...new Set(input.inboxIds ?? [])];
  await assertWorkspaceInboxes(db, workspaceId, ids);
  const key = `${KEY_PREFIX}${randomBytes(30).toString('base64url')}`;
  const create = async (tx: Db, id: string) => {
    const [r] = await tx
      .insert(apiKeys)
      .values({
        id,
        workspaceId,
        name: input.name,
        prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
        keyHash: sha256(key),
        scope: input.scope,
        inboxIds: ids.length ? ids : null,
        expiresAt: input.expiresAt ?? null,
        createdByUserId: actor.id,
        createdByEmail: actor.email,
      })
      .returning();
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: 'api_key.created',
      target: { type: 'api_key', id: r!.id },
      details: {
        name: r!.name,
        prefix: r!.prefix,
        scope: r!.scope,
        inboxIds: r!.inboxIds,
        expiresAt: r!.expiresAt?.toISOString() ?? null,
      },
    });
    return r!;
  };
  const made = await db.transaction((tx) =>
    createOnceWithSecret(
      tx,
      once?.vault,
      { workspaceId, key: once?.key, kind: 'api_key', request: input },
      key,
      (id) => create(tx, id),
      // Revoked since: its secret no longer opens anything.
      async (id) =>
        (
          await tx
            .select()
            .from(apiKeys)
            .where(and(eq(apiKeys.workspaceId, workspaceId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
        )[0],
    ),
  );
  return { key: made.secret, row: made.row, replayed: made.replayed };
}

export async function listApiKeys(db: Db, workspaceId: string): Promise<ApiKeyRow[]> {
  return db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.workspaceId, workspaceId))
    .orderBy(desc(apiKeys.createdAt));
}

/** Revoked at once: the next request with it is refused. Revoking twice is harmless. */
export async function revokeApiKey(
  db: Db,
  workspaceId: string,
  id: string,
  actor: Actor,
): Promise<ApiKeyRow> {
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.workspaceId, workspaceId), eq(apiKeys.id, id)))
      .for('update');
    if (!before) throw notFound({ en: 'API key', fr: 'Clé d’API' });
    if (before.revokedAt) return before;
    const [r] = await tx.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, id)).returning();
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: 'api_key.revoked',
      target: { type: 'api_key', id },
      details: { name: r!.name, prefix: r!.prefix },
    });
    return r!;
  });
}

const NOT_VALID: Words = { en: 'This API key is not valid.', fr: 'Cette clé d’API n’est pas valable.' };

/**
 * The key a request presents, checked: known, not revoked, not expired. A known key that is refused
 * is audited in its workspace (an integration still using a revoked key is worth knowing about).
 */
export async function authenticateApiKey(db: Db, presented: string): Promise<ApiKeyPrincipal> {
  if (!presented.startsWith(KEY_PREFIX) || presented.length > 200)
    throw new AppError('invalid_api_key', NOT_VALID);
  const [k] = await db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, sha256(presented)));
  if (!k) throw new AppError('invalid_api_key', NOT_VALID);
  const now = new Date();
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const refusal: Words | null = k.revokedAt
    ? {
        en: `This API key (${k.prefix}…) was revoked on ${day(k.revokedAt)}.`,
        fr: `Cette clé d’API (${k.prefix}…) a été révoquée le ${day(k.revokedAt)}.`,
      }
    : k.expiresAt && k.expiresAt <= now
      ? {
          en: `This API key (${k.prefix}…) expired on ${day(k.expiresAt)}.`,
          fr: `Cette clé d’API (${k.prefix}…) a expiré le ${day(k.expiresAt)}.`,
        }
      : null;
  if (refusal) {
    await recordAudit(db, {
      workspaceId: k.workspaceId,
      actor: null,
      apiKeyId: k.id,
      action: 'api_key.denied',
      target: { type: 'api_key', id: k.id },
      details: { prefix: k.prefix, reason: k.revokedAt ? 'revoked' : 'expired' },
    });
    throw new AppError('invalid_api_key', refusal);
  }
  if (!k.lastUsedAt || now.getTime() - k.lastUsedAt.getTime() > LAST_USED_EVERY_MS) {
    await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, k.id));
  }
  return {
    id: k.id,
    workspaceId: k.workspaceId,
    name: k.name,
    prefix: k.prefix,
    scope: k.scope,
    inboxIds: k.inboxIds,
  };
}
