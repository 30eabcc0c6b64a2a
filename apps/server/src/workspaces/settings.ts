import { eq, sql } from 'drizzle-orm';
import { notFound } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { recordAudit, type PersonActor } from '../db/repos/audit.ts';
import { workspaces } from '../db/schema/index.ts';

export type WorkspaceRow = typeof workspaces.$inferSelect;

export async function findWorkspace(db: Db, workspaceId: string): Promise<WorkspaceRow> {
  const [w] = await db.select().from(workspaces).where(eq(workspaces.id, workspaceId));
  if (!w) throw notFound('Workspace');
  return w;
}

/** Renames a workspace; the audit line is written in the same transaction. */
export async function renameWorkspace(
  db: Db,
  workspaceId: string,
  name: string,
  actor: PersonActor,
): Promise<WorkspaceRow> {
  return db.transaction(async (tx) => {
    const [w] = await tx
      .update(workspaces)
      .set({ name, updatedAt: sql`now()` })
      .where(eq(workspaces.id, workspaceId))
      .returning();
    if (!w) throw notFound('Workspace');
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: 'workspace.renamed',
      target: { type: 'workspace', id: workspaceId },
      details: { name },
    });
    return w;
  });
}
