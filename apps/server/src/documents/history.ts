import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { recordEvents } from '../db/repos/events.ts';
import { documentHistory, type documents } from '../db/schema/index.ts';
import { outflowTriggers, type OutflowTrigger } from '@mailroom/contracts';
import { planOutflowOfMany, type OutflowConfig } from './outflow-plan.ts';

/** A person (id and email), an API key (no user id; its name where an email would be), or the system (null). */
export type Actor = { id: string | null; email: string; apiKeyId?: string } | null;
export type DocumentEvent =
  'document.created' | 'document.approved' | 'document.deleted' | 'document.bounced' | 'document.updated';

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

type HistoryDoc = Pick<typeof documents.$inferSelect, 'id' | 'workspaceId' | 'version'>;

/** Several lines in one statement, in this order (ingestion writes two or three per document). */
export async function recordHistoryLines(db: Db, doc: HistoryDoc, lines: HistoryLine[]): Promise<string[]> {
  return (await recordHistoryOfMany(db, [{ doc, lines }]))[0]!;
}

/** The lines of several documents in one statement (a batch of ingested emails). Ids per document. */
export async function recordHistoryOfMany(
  db: Db,
  entries: { doc: HistoryDoc; lines: HistoryLine[] }[],
): Promise<string[][]> {
  const rows = entries.map(({ doc, lines }) =>
    lines.map((l) => ({
      id: randomUUID(),
      workspaceId: doc.workspaceId,
      documentId: doc.id,
      kind: l.kind,
      version: doc.version,
      actorUserId: l.actor?.id ?? null,
      actorEmail: l.actor?.email ?? null,
      details: l.details ?? {},
    })),
  );
  const all = rows.flat();
  if (all.length) await db.insert(documentHistory).values(all);
  return rows.map((r) => r.map((x) => x.id));
}

/** A document event to record: its history line (after `precededBy`), its outbox event, its outflow. */
export interface DocumentEventInput {
  doc: Pick<typeof documents.$inferSelect, 'id' | 'workspaceId' | 'version' | 'inboxId' | 'status'>;
  type: DocumentEvent;
  kind: string;
  actor: Actor;
  details?: Record<string, unknown>;
  /** Lines written just before this one, in the same statement. */
  precededBy?: HistoryLine[];
  /** The outflow actions in force, when the caller has them already (ingestion): saves a query. */
  outflow?: OutflowConfig;
}

/**
 * A history line and the outbox event for it, in one transaction. The event's id is the history
 * line's: stable, so a webhook consumer can deduplicate, and the two can always be matched. The
 * outflow actions the event sets off are recorded as intents in the same transaction; their ids come
 * back so that the caller queues them once the transaction has committed.
 */
export async function recordDocumentEvent(
  db: Db,
  doc: DocumentEventInput['doc'],
  type: DocumentEvent,
  kind: string,
  actor: Actor,
  details: Record<string, unknown> = {},
  opts: Pick<DocumentEventInput, 'precededBy' | 'outflow'> = {},
): Promise<{ eventId: string; outflowRunIds: string[] }> {
  return (await recordDocumentEvents(db, [{ doc, type, kind, actor, details, ...opts }]))[0]!;
}

/** `recordDocumentEvent` for several documents: one statement per table, whatever their number. */
export async function recordDocumentEvents(
  db: Db,
  inputs: DocumentEventInput[],
): Promise<{ eventId: string; outflowRunIds: string[] }[]> {
  const ids = await recordHistoryOfMany(
    db,
    inputs.map((e) => ({
      doc: e.doc,
      lines: [...(e.precededBy ?? []), { kind: e.kind, actor: e.actor, details: e.details ?? {} }],
    })),
  );
  const eventIds = ids.map((lines) => lines[lines.length - 1]!);
  await recordEvents(
    db,
    inputs.map(({ doc, type, details }, i) => ({
      id: eventIds[i]!,
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
    })),
  );
  // Only the events outflow rules can act on set off outflow (a type or tag change does not).
  const triggering = inputs.flatMap((e, i) =>
    isOutflowTrigger(e.type)
      ? [
          {
            i,
            documentId: e.doc.id,
            event: e.type,
            eventId: eventIds[i]!,
            ...(e.outflow ? { known: e.outflow } : {}),
          },
        ]
      : [],
  );
  const runs = await planOutflowOfMany(db, triggering);
  const runsOf = new Map(triggering.map((t, k) => [t.i, runs[k]!]));
  return eventIds.map((eventId, i) => ({ eventId, outflowRunIds: runsOf.get(i) ?? [] }));
}

function isOutflowTrigger(type: DocumentEvent): type is OutflowTrigger {
  return (outflowTriggers as readonly string[]).includes(type);
}
