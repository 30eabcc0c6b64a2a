import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { recordAudit, type PersonActor } from '../db/repos/audit.ts';
import { workspaces } from '../db/schema/index.ts';

/**
 * The workspace's internal domains: senders from them are internal for inflow filtering, besides
 * the tenant's own domains (read at ingestion by `documents/inflow.ts`).
 */
export async function internalDomains(db: Db, workspaceId: string): Promise<string[]> {
  const [w] = await db
    .select({ d: workspaces.internalDomains })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId));
  return w?.d ?? [];
}

/** Replaces the list (duplicates counted once); returns what was saved. */
export async function setInternalDomains(
  db: Db,
  workspaceId: string,
  actor: PersonActor,
  domains: string[],
): Promise<string[]> {
  const saved = [...new Set(domains)];
  await db.transaction(async (tx) => {
    await tx
      .update(workspaces)
      .set({ internalDomains: saved, updatedAt: sql`now()` })
      .where(eq(workspaces.id, workspaceId));
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: 'workspace.internal_domains_set',
      target: { type: 'workspace', id: workspaceId },
      details: { internalDomains: saved },
    });
  });
  return saved;
}
