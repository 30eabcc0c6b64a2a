import type { Inbox, ManagedInbox } from '@mailroom/contracts';
import { and, asc, eq, inArray, type SQL } from 'drizzle-orm';
import type { Principal } from '../core/principal.ts';
import type { Db } from '../db/client.ts';
import { accessibleInboxIds } from '../db/repos/inbox-access.ts';
import { inboxAccess, inboxDocumentTypes, inboxes } from '../db/schema/index.ts';

/** Inboxes in creation order with their default types and, for admins, their access lists. */
async function views(db: Db, where: SQL | undefined, withMembers: boolean): Promise<ManagedInbox[]> {
  const rows = await db.select().from(inboxes).where(where).orderBy(asc(inboxes.createdAt));
  const ids = rows.map((r) => r.id);
  const types = ids.length
    ? await db.select().from(inboxDocumentTypes).where(inArray(inboxDocumentTypes.inboxId, ids))
    : [];
  const access =
    withMembers && ids.length
      ? await db
          .select()
          .from(inboxAccess)
          .where(inArray(inboxAccess.inboxId, ids))
          .orderBy(asc(inboxAccess.grantedAt))
      : [];
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: r.createdAt.toISOString(),
    isDefault: r.isDefault,
    archived: r.archivedAt !== null,
    documentTypeIds: types.filter((t) => t.inboxId === r.id).map((t) => t.documentTypeId),
    memberIds: access.filter((a) => a.inboxId === r.id).map((a) => a.userId),
    outflow: r.outflow,
  }));
}

/** The inboxes `userId` is on (access is explicit, admins included: decision 0006). */
export async function inboxesOf(db: Db, workspaceId: string, who: string | Principal): Promise<Inbox[]> {
  const mine = await accessibleInboxIds(db, workspaceId, who);
  if (!mine.length) return [];
  const list = await views(db, and(eq(inboxes.workspaceId, workspaceId), inArray(inboxes.id, mine)), false);
  return list.map(({ memberIds: _m, outflow: _o, ...i }) => i);
}

/** Every inbox of the workspace with its access list and outflow actions (what admins manage). */
export function managedInboxes(db: Db, workspaceId: string): Promise<ManagedInbox[]> {
  return views(db, eq(inboxes.workspaceId, workspaceId), true);
}

/** One inbox as admins manage it; the caller knows it exists. */
export async function managedInbox(db: Db, inboxId: string): Promise<ManagedInbox> {
  return (await views(db, eq(inboxes.id, inboxId), true))[0]!;
}
