import { and, asc, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { inboxAccess, inboxes } from '../db/schema/index.ts';

/**
 * The workspace's default inbox (else its first one not archived). A workspace with none gets a
 * default "Inbox", with `userId` — the person who caused it (the owner at setup, the admin choosing
 * mailboxes) — on its access list (decision 0006). The one place a default inbox is made.
 */
export async function ensureDefaultInbox(
  db: Db,
  workspaceId: string,
  userId: string,
): Promise<typeof inboxes.$inferSelect> {
  const [first] = await db
    .select()
    .from(inboxes)
    .where(and(eq(inboxes.workspaceId, workspaceId), isNull(inboxes.archivedAt)))
    .orderBy(desc(inboxes.isDefault), asc(inboxes.createdAt))
    .limit(1);
  if (first) return first;
  const [created] = await db
    .insert(inboxes)
    .values({ workspaceId, name: 'Inbox', isDefault: true })
    .onConflictDoNothing()
    .returning();
  if (created) {
    await db.insert(inboxAccess).values({ inboxId: created.id, workspaceId, userId }).onConflictDoNothing();
    return created;
  }
  return (await db.select().from(inboxes).where(eq(inboxes.workspaceId, workspaceId)).limit(1))[0]!;
}
