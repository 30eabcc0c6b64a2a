import { createHash, randomUUID } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import { AppError } from '../../core/errors.ts';
import type { Vault } from '../../security/vault.ts';
import type { Db } from '../client.ts';
import { creationKeys } from '../schema/index.ts';

/** How long a creation's key is remembered: long enough for any retry, short enough to stay small. */
const KEPT_MS = 24 * 3_600_000;

/**
 * Creates something once per `Idempotency-Key` (issue 19 §3): run inside the creation's transaction.
 * The key's row is written first, with the id the thing will get; a second request with the same key
 * (a double click, a retry) finds the row — on PostgreSQL its insert waits for the first transaction —
 * and gets what the first created, through `load`. The same key with another request is refused. No
 * key: `create` runs as it always did.
 */
export async function createOnce<T>(
  tx: Db,
  at: {
    workspaceId: string;
    key: string | undefined;
    kind: string;
    request: unknown;
    /** Kept with the key, and handed back to a repeat (`createOnceWithSecret`: a secret, encrypted). */
    keep?: string;
  },
  create: (id: string) => Promise<T>,
  load: (id: string) => Promise<T | undefined>,
): Promise<{ row: T; replayed: boolean; kept?: string | null }> {
  const id = randomUUID();
  if (at.key === undefined) return { row: await create(id), replayed: false };
  const requestHash = createHash('sha256').update(JSON.stringify(at.request)).digest('hex');
  // Old keys go as new ones come, so a key is never answered past its day; housekeeping takes those
  // of quiet workspaces (`forgetOldCreationKeys`).
  await forgetOldCreationKeys(tx, at.workspaceId);
  const [mine] = await tx
    .insert(creationKeys)
    .values({
      workspaceId: at.workspaceId,
      key: at.key,
      kind: at.kind,
      requestHash,
      resourceId: id,
      secret: at.keep ?? null,
    })
    .onConflictDoNothing()
    .returning();
  if (mine) return { row: await create(id), replayed: false };
  const [first] = await tx
    .select()
    .from(creationKeys)
    .where(and(eq(creationKeys.workspaceId, at.workspaceId), eq(creationKeys.key, at.key)));
  if (!first || first.kind !== at.kind || first.requestHash !== requestHash)
    throw new AppError('idempotency_key_reused', {
      en: 'This Idempotency-Key was already used for a different request. Send a new key for a new request.',
      fr: 'Cette clé Idempotency-Key a déjà servi pour une autre requête. Envoyez une nouvelle clé pour une nouvelle requête.',
    });
  const row = await load(first.resourceId);
  if (row === undefined)
    throw new AppError('conflict', {
      en: 'What this Idempotency-Key created earlier has been deleted, revoked or used since. Send a new key to create it again.',
      fr: 'Ce que cette clé Idempotency-Key a créé a depuis été supprimé, révoqué ou utilisé. Envoyez une nouvelle clé pour le créer à nouveau.',
    });
  return { row, replayed: true, kept: first.secret };
}

/**
 * Deletes the keys past their day, of one workspace or of all (housekeeping, every 15 minutes): the
 * secrets some keep (`createOnceWithSecret`) must not outlive it in a workspace creating nothing new.
 */
export async function forgetOldCreationKeys(db: Db, workspaceId?: string): Promise<number> {
  const old = lt(creationKeys.createdAt, sql`now() - make_interval(secs => ${KEPT_MS / 1000})`);
  const gone = await db
    .delete(creationKeys)
    .where(workspaceId ? and(eq(creationKeys.workspaceId, workspaceId), old) : old)
    .returning({ key: creationKeys.key });
  return gone.length;
}

/**
 * `createOnce` for a creation whose answer holds a secret shown once (an API key, an invitation
 * link). The caller draws the secret first; with a key it is written with the key's row, encrypted,
 * for as long as the key (a day), so a retry whose first answer was lost gets the same secret, not a
 * thing it cannot use. No key: nothing is kept.
 */
export async function createOnceWithSecret<T>(
  tx: Db,
  /** Needed with a key only (callers without one, such as tests, may have no vault). */
  vault: Vault | undefined,
  at: { workspaceId: string; key: string | undefined; kind: string; request: unknown },
  secret: string,
  create: (id: string) => Promise<T>,
  load: (id: string) => Promise<T | undefined>,
): Promise<{ row: T; secret: string; replayed: boolean }> {
  if (at.key === undefined) return { row: await create(randomUUID()), secret, replayed: false };
  if (!vault) throw new Error('createOnceWithSecret: a key needs a vault');
  // Bound to its workspace and key: a ciphertext copied into another key's row does not open.
  const context = `creation-key:${at.workspaceId}:${at.key}`;
  const made = await createOnce(tx, { ...at, keep: vault.encrypt(secret, context) }, create, load);
  if (!made.replayed) return { row: made.row, secret, replayed: false };
  if (!made.kept)
    throw new AppError('conflict', {
      en: 'What this Idempotency-Key created earlier cannot be shown again. Send a new key to create another.',
      fr: 'Ce que cette clé Idempotency-Key a créé ne peut plus être affiché. Envoyez une nouvelle clé pour en créer un autre.',
    });
  return { row: made.row, secret: vault.decrypt(made.kept, context), replayed: true };
}
