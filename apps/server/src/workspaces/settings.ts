import { eq, sql } from 'drizzle-orm';
import { notFound } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { recordAudit, type PersonActor } from '../db/repos/audit.ts';
import { workspaces } from '../db/schema/index.ts';

export type WorkspaceRow = typeof workspaces.$inferSelect;

export async function findWorkspace(db: Db, workspaceId: string): Promise<WorkspaceRow> {
  const [w] = await db.select().from(workspaces).where(eq(workspaces.id, workspaceId));
  if (!w) throw notFound({ en: 'Workspace', fr: 'Espace de travail' });
  return w;
}

/** Renames a workspace; the audit line is written in the same transaction. */
export async function renameWorkspace(
  db: Db,
  workspaceId: string,
  name: string,
  actor: PersonActor,
): Promise<WorkspaceRow> {
  return updateWorkspace(db, workspaceId, { name }, actor);
}

export interface WorkspaceChanges {
  name?: string | undefined;
  /** 1–3,650 (the contract's `RetentionDays` checked it; the database default is 29). */
  retentionDays?: number | undefined;
}

/**
 * Changes a workspace's name and/or its retention. Each change gets its audit line in the same
 * transaction: `workspace.renamed`, and `workspace.retention_changed` with the old and new number of
 * days (only when it actually changes: a shorter retention erases documents at the next run of the
 * `documents.retention` job, so who shortened it, and from what, must be on record).
 */
export async function updateWorkspace(
  db: Db,
  workspaceId: string,
  changes: WorkspaceChanges,
  actor: PersonActor,
): Promise<WorkspaceRow> {
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select({ retentionDays: workspaces.retentionDays })
      .from(workspaces)
      .where(eq(workspaces.id, workspaceId))
      .for('update');
    if (!before) throw notFound({ en: 'Workspace', fr: 'Espace de travail' });
    const [w] = await tx
      .update(workspaces)
      .set({
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.retentionDays !== undefined ? { retentionDays: changes.retentionDays } : {}),
        updatedAt: sql`now()`,
      })
      .where(eq(workspaces.id, workspaceId))
      .returning();
    if (!w) throw notFound({ en: 'Workspace', fr: 'Espace de travail' });
    const target = { type: 'workspace', id: workspaceId };
    if (changes.name !== undefined) {
      await recordAudit(tx, {
        workspaceId,
        actor,
        action: 'workspace.renamed',
        target,
        details: { name: changes.name },
      });
    }
    if (changes.retentionDays !== undefined && changes.retentionDays !== before.retentionDays) {
      await recordAudit(tx, {
        workspaceId,
        actor,
        action: 'workspace.retention_changed',
        target,
        details: { retentionDays: w.retentionDays, previousRetentionDays: before.retentionDays },
      });
    }
    return w;
  });
}
