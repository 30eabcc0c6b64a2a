import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { recordEvent } from '../db/repos/events.ts';
import { documentHistory, type documents } from '../db/schema/index.ts';
import { planOutflow, type OutflowConfig } from './outflow-plan.ts';

export type Actor = { id: string; email: string } | null;
export type DocumentEvent =
  'document.created' | 'document.approved' | 'document.deleted' | 'document.bounced';

/** A line of a document's history, before it is written. */
export interface HistoryLine {
  kind: string;
  actor: Actor;
  details?: Record<string, unknown>;
}

/** One line of a document's history (in the caller's transaction). Returns its id. */
export async function recordHistory(
  db: Db,
  doc: Pick<typeof documents.$inferSelect, 'id' | 'workspaceId' | 'version'>,
  kind: string,
  actor: Actor,
  details: Record<string, unknown> = {},
): Promise<string> {
  const [id] = await recordHistoryLines(db, doc, [{ kind, actor, details }]);
  return id!;
}

/** Several lines in one statement, in this order (ingestion writes two or three per document). */
export async function recordHistoryLines(
  db: Db,
  doc: Pick<typeof documents.$inferSelect, 'id' | 'workspaceId' | 'version'>,
  lines: HistoryLine[],
): Promise<string[]> {
  const rows = lines.map((l) => ({
    id: randomUUID(),
    workspaceId: doc.workspaceId,
    documentId: doc.id,
    kind: l.kind,
    version: doc.version,
    actorUserId: l.actor?.id ?? null,
    actorEmail: l.actor?.email ?? null,
    details: l.details ?? {},
  }));
  await db.insert(documentHistory).values(rows);
  return rows.map((r) => r.id);
}

/**
 * A history line and the outbox event for it, in one transaction. The event's id is the history
 * line's: stable, so a webhook consumer can deduplicate, and the two can always be matched. The
 * outflow actions the event sets off are recorded as intents in the same transaction; their ids come
 * back so that the caller queues them once the transaction has committed.
 */
export async function recordDocumentEvent(
  db: Db,
  doc: Pick<typeof documents.$inferSelect, 'id' | 'workspaceId' | 'version' | 'inboxId' | 'status'>,
  type: DocumentEvent,
  kind: string,
  actor: Actor,
  details: Record<string, unknown> = {},
  opts: {
    /** Lines written just before this one, in the same statement. */
    precededBy?: HistoryLine[];
    /** The outflow actions in force, when the caller has them already (ingestion): saves a query. */
    outflow?: OutflowConfig;
  } = {},
): Promise<{ eventId: string; outflowRunIds: string[] }> {
  const ids = await recordHistoryLines(db, doc, [...(opts.precededBy ?? []), { kind, actor, details }]);
  const id = ids[ids.length - 1]!;
  await recordEvent(db, {
    id,
    workspaceId: doc.workspaceId,
    type,
    subject: { type: 'document', id: doc.id },
    payload: {
      documentId: doc.id,
      inboxId: doc.inboxId,
      status: doc.status,
      version: doc.version,
      ...details,
    },
  });
  return { eventId: id, outflowRunIds: await planOutflow(db, doc.id, type, id, opts.outflow) };
}
