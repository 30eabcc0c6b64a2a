import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
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

export interface AuditQuery {
  actor?: string | undefined;
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

function auditWhere(workspaceId: string, q: AuditQuery, before: number | undefined) {
  const family = q.action?.endsWith('.*') ? q.action.slice(0, -1) : undefined;
  return and(
    eq(auditLog.workspaceId, workspaceId),
    before !== undefined ? lt(auditLog.seq, before) : undefined,
    q.actor
      ? sql`${auditLog.actorEmail} ilike ${`%${q.actor.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`
      : undefined,
    family
      ? sql`${auditLog.action} like ${`${family}%`}`
      : q.action
        ? eq(auditLog.action, q.action)
        : undefined,
    q.targetType ? eq(auditLog.targetType, q.targetType) : undefined,
    q.targetId ? eq(auditLog.targetId, q.targetId) : undefined,
    q.from ? gte(auditLog.createdAt, q.from) : undefined,
    q.to ? lt(auditLog.createdAt, q.to) : undefined,
  );
}

/** A page of the workspace's audit log, newest first, before the sequence number `before` (keyset). */
export async function listAudit(
  db: Db,
  workspaceId: string,
  page: { before: number | undefined; limit: number } & AuditQuery,
): Promise<{ rows: (typeof auditLog.$inferSelect)[]; more: boolean }> {
  const rows = await db
    .select()
    .from(auditLog)
    .where(auditWhere(workspaceId, page, page.before))
    .orderBy(desc(auditLog.seq))
    .limit(page.limit + 1);
  return { rows: rows.slice(0, page.limit), more: rows.length > page.limit };
}

/** The whole filtered log, newest first, a page at a time (an export streams it without holding it). */
export async function* auditEntries(
  db: Db,
  workspaceId: string,
  q: AuditQuery,
  pageSize = 500,
): AsyncGenerator<typeof auditLog.$inferSelect> {
  let before: number | undefined;
  for (;;) {
    const { rows, more } = await listAudit(db, workspaceId, { ...q, before, limit: pageSize });
    yield* rows;
    if (!more) return;
    before = rows.at(-1)!.seq;
  }
}
