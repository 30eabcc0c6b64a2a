import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { auditLog } from '../schema/index.ts';

export interface AuditEvent {
  workspaceId: string;
  actor: { id: string; email: string } | null;
  action: string;
  target?: { type: string; id: string };
  details?: Record<string, unknown>;
}

/** Appends to the audit log. Callers pass facts only: names and ids, never secrets or mail content. */
export async function recordAudit(db: Db, e: AuditEvent): Promise<void> {
  await db.insert(auditLog).values({
    workspaceId: e.workspaceId,
    actorUserId: e.actor?.id ?? null,
    actorEmail: e.actor?.email ?? null,
    action: e.action,
    targetType: e.target?.type ?? null,
    targetId: e.target?.id ?? null,
    details: e.details ?? {},
  });
}

/** A page of the workspace's audit log, newest first, before the sequence number `before` (keyset). */
export async function listAudit(db: Db, workspaceId: string, page: { before: number | undefined; limit: number }): Promise<{ rows: (typeof auditLog.$inferSelect)[]; more: boolean }> {
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.workspaceId, workspaceId), page.before !== undefined ? lt(auditLog.seq, page.before) : undefined))
    .orderBy(desc(auditLog.seq))
    .limit(page.limit + 1);
  return { rows: rows.slice(0, page.limit), more: rows.length > page.limit };
}
