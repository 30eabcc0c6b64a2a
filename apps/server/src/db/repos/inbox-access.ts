import { and, asc, eq } from 'drizzle-orm';
import { notFound } from '../../core/errors.ts';
import type { Principal } from '../../core/principal.ts';
import type { Db } from '../client.ts';
import { inboxAccess, inboxes } from '../schema/index.ts';

/**
 * Inbox access is explicit for every role (decision 0006): documents of an inbox are only visible to
 * the people on its access list. Someone who is not answers 404, as for an inbox that does not exist.
 */
export async function accessibleInboxIds(
  db: Db,
  workspaceId: string,
  who: string | Principal,
): Promise<string[]> {
  if (typeof who !== 'string' && who.kind === 'api_key') return keyInboxIds(db, workspaceId, who);
  const userId = typeof who === 'string' ? who : who.id;
  const rows = await db
    .select({ id: inboxAccess.inboxId })
    .from(inboxAccess)
    .where(and(eq(inboxAccess.workspaceId, workspaceId), eq(inboxAccess.userId, userId)));
  return rows.map((r) => r.id);
}

const INBOX = { en: 'Inbox', fr: 'Boîte de réception' };

export async function requireInboxAccess(
  db: Db,
  workspaceId: string,
  who: string | Principal,
  inboxId: string,
): Promise<void> {
  if (typeof who !== 'string' && who.kind === 'api_key') {
    if (!(await keyInboxIds(db, workspaceId, who)).includes(inboxId)) throw notFound(INBOX);
    return;
  }
  const userId = typeof who === 'string' ? who : who.id;
  const [row] = await db
    .select({ id: inboxAccess.inboxId })
    .from(inboxAccess)
    .where(
      and(
        eq(inboxAccess.workspaceId, workspaceId),
        eq(inboxAccess.userId, userId),
        eq(inboxAccess.inboxId, inboxId),
      ),
    );
  if (!row) throw notFound(INBOX);
}

/** Puts someone who just joined the workspace on its default inbox's access list. */
export async function grantDefaultInbox(db: Db, workspaceId: string, userId: string): Promise<void> {
  const [def] = await db
    .select({ id: inboxes.id })
    .from(inboxes)
    .where(and(eq(inboxes.workspaceId, workspaceId), eq(inboxes.isDefault, true)))
    .orderBy(asc(inboxes.createdAt))
    .limit(1);
  if (def)
    await db.insert(inboxAccess).values({ inboxId: def.id, workspaceId, userId }).onConflictDoNothing();
}

/** An API key reaches the inboxes it was restricted to, or every inbox of its workspace (decision 0010). */
async function keyInboxIds(
  db: Db,
  workspaceId: string,
  key: Extract<Principal, { kind: 'api_key' }>,
): Promise<string[]> {
  if (key.workspaceId !== workspaceId) return [];
  const all = await db.select({ id: inboxes.id }).from(inboxes).where(eq(inboxes.workspaceId, workspaceId));
  return key.inboxIds
    ? all.map((r) => r.id).filter((id) => key.inboxIds!.includes(id))
    : all.map((r) => r.id);
}
