import { createHash, randomUUID } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import { AppError } from '../../core/errors.ts';
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
  at: { workspaceId: string; key: string | undefined; kind: string; request: unknown },
  create: (id: string) => Promise<T>,
  load: (id: string) => Promise<T | undefined>,
): Promise<{ row: T; replayed: boolean }> {
  const id = randomUUID();
  if (at.key === undefined) return { row: await create(id), replayed: false };
  const requestHash = createHash('sha256').update(JSON.stringify(at.request)).digest('hex');
  // Old keys go as new ones come: no sweep job needed for a table this small.
  await tx
    .delete(creationKeys)
    .where(
      and(
        eq(creationKeys.workspaceId, at.workspaceId),
        lt(creationKeys.createdAt, sql`now() - make_interval(secs => ${KEPT_MS / 1000})`),
      ),
    );
  const [mine] = await tx
    .insert(creationKeys)
    .values({ workspaceId: at.workspaceId, key: at.key, kind: at.kind, requestHash, resourceId: id })
    .onConflictDoNothing()
    .returning();
  if (mine) return { row: await create(id), replayed: false };
  const [first] = await tx
    .select()
    .from(creationKeys)
    .where(and(eq(creationKeys.workspaceId, at.workspaceId), eq(creationKeys.key, at.key)));
  if (!first || first.kind !== at.kind || first.requestHash !== requestHash)
    throw new AppError(
      'idempotency_key_reused',
      'This Idempotency-Key was already used for a different request. Send a new key for a new request.',
    );
  const row = await load(first.resourceId);
  if (row === undefined)
    throw new AppError(
      'conflict',
      'What this Idempotency-Key created earlier has been deleted since. Send a new key to create it again.',
    );
  return { row, replayed: true };
}
