import { and, eq, inArray } from 'drizzle-orm';
import { invalidField } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { inboxAccess, memberships } from '../db/schema/index.ts';

/**
 * An inbox's access list (decision 0006): who sees its documents. The reads other capabilities
 * check against are in `db/repos/inbox-access.ts`; this is where a list is validated and replaced.
 */

/** Only people of this workspace can be on its inboxes. */
export async function checkMembers(
  db: Db,
  workspaceId: string,
  memberIds: string[] | undefined,
): Promise<void> {
  if (!memberIds?.length) return;
  const found = await db
    .select({ id: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), inArray(memberships.userId, memberIds)));
  if (found.length !== new Set(memberIds).size)
    throw invalidField('memberIds', {
      en: 'Not a member of this workspace.',
      fr: 'Cette personne n’est pas membre de cet espace de travail.',
    });
}

/** Replaces the whole list (duplicates counted once). */
export async function replaceAccessList(
  tx: Db,
  workspaceId: string,
  inboxId: string,
  memberIds: string[],
): Promise<void> {
  await tx.delete(inboxAccess).where(eq(inboxAccess.inboxId, inboxId));
  const unique = [...new Set(memberIds)];
  if (unique.length)
    await tx.insert(inboxAccess).values(unique.map((userId) => ({ inboxId, workspaceId, userId })));
}
