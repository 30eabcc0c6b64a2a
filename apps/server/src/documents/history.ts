import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { recordEvent } from '../db/repos/events.ts';
import { documentHistory, type documents } from '../db/schema/index.ts';
import { planOutflow } from './outflow-plan.ts';

export type Actor = { id: string; email: string } | null;
export type DocumentEvent =
  'document.created' | 'document.approved' | 'document.deleted' | 'document.bounced';

/** One line of a document's history (in the caller's transaction). Returns its id. */
export async function recordHistory(
  db: Db,
  doc: Pick<typeof documents.$inferSelect, 'id' | 'workspaceId' | 'version'>,
  kind: string,
  actor: Actor,
  details: Record<string, unknown> = {},
): Promise<string> {
  const id = randomUUID();
  await db.insert(documentHistory).values({
    id,
    workspaceId: doc.workspaceId,
    documentId: doc.id,
    kind,
    version: doc.version,
    actorUserId: actor?.id ?? null,
    actorEmail: actor?.email ?? null,
    details,
  });
  return id;
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
): Promise<{ eventId: string; outflowRunIds: string[] }> {
  const id = await recordHistory(db, doc, kind, actor, details);
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
  return { eventId: id, outflowRunIds: await planOutflow(db, doc.id, type, id) };
}
