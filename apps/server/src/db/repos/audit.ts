import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { auditLog } from '../schema/index.ts';

/** A person acting (admin work is only ever done by people, never by an API key). */
export interface PersonActor {
  id: string;
  email: string;
}

export interface AuditEvent {
  workspaceId: string;
  /** A person, or an API key (`id` null, `apiKeyId` set), or the system (null). */
  actor: { id: string | null; email: string; apiKeyId?: string } | null;
  /** The API key concerned when no actor is (a refused key's use). */
  apiKeyId?: string | null;
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
    actorApiKeyId: e.actor?.apiKeyId ?? e.apiKeyId ?? null,
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
