import type { OutflowTrigger } from '@mailroom/contracts';
import { eq } from 'drizzle-orm';
import { actionsFor } from '../core/outflow-policy.ts';
import type { Db } from '../db/client.ts';
import { documents, inboxes, mailMessages, monitoredFolders, outflowRuns } from '../db/schema/index.ts';

/** The outflow actions in force for a document: its folder's rule's and its inbox's. */
export interface OutflowConfig {
  workspaceId: string;
  rule: (typeof monitoredFolders.$inferSelect)['outflow'] | null;
  inbox: (typeof inboxes.$inferSelect)['outflow'] | null;
}

/**
 * Records the outflow intents of one document event, in the transaction that records the event:
 * the actions of the rule that created the document and of the inbox it is in, each a run keyed on
 * (event, action). Nothing is done in Outlook here; the runner does that after the commit.
 * Returns the new runs' ids (to queue at once; the sweep finds any that were not).
 */
export async function planOutflow(
  tx: Db,
  documentId: string,
  event: OutflowTrigger,
  eventId: string,
  known?: OutflowConfig,
): Promise<string[]> {
  return (await planOutflowOfMany(tx, [{ documentId, event, eventId, ...(known ? { known } : {}) }]))[0]!;
}

/** `planOutflow` for several events: one insert for all their runs. Run ids per event, in order. */
export async function planOutflowOfMany(
  tx: Db,
  items: { documentId: string; event: OutflowTrigger; eventId: string; known?: OutflowConfig }[],
): Promise<string[][]> {
  const values = [];
  // One after the other: they share the caller's transaction (one connection).
  for (const it of items) {
    const cfg = it.known ?? (await configOf(tx, it.documentId));
    if (!cfg) continue;
    for (const p of actionsFor(it.event, cfg.rule, cfg.inbox))
      values.push({
        workspaceId: cfg.workspaceId,
        documentId: it.documentId,
        eventId: it.eventId,
        actionId: p.action.id,
        source: p.source,
        action: p.action,
      });
  }
  if (values.length === 0) return items.map(() => []);
  const rows = await tx
    .insert(outflowRuns)
    .values(values)
    .onConflictDoNothing({ target: [outflowRuns.eventId, outflowRuns.actionId] })
    .returning({ id: outflowRuns.id, eventId: outflowRuns.eventId });
  return items.map((it) => rows.filter((r) => r.eventId === it.eventId).map((r) => r.id));
}

async function configOf(tx: Db, documentId: string): Promise<OutflowConfig | undefined> {
  const [cfg] = await tx
    .select({ workspaceId: documents.workspaceId, rule: monitoredFolders.outflow, inbox: inboxes.outflow })
    .from(documents)
    .innerJoin(inboxes, eq(inboxes.id, documents.inboxId))
    .leftJoin(mailMessages, eq(mailMessages.id, documents.messageId))
    .leftJoin(monitoredFolders, eq(monitoredFolders.id, mailMessages.folderId))
    .where(eq(documents.id, documentId));
  return cfg;
}
