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
