import type { OutflowTrigger } from '@mailroom/contracts';
import { eq } from 'drizzle-orm';
import { actionsFor } from '../core/outflow.ts';
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
  const [cfg] = known
    ? [known]
    : await tx
      .select({ workspaceId: documents.workspaceId, rule: monitoredFolders.outflow, inbox: inboxes.outflow })
      .from(documents)
      .innerJoin(inboxes, eq(inboxes.id, documents.inboxId))
      .leftJoin(mailMessages, eq(mailMessages.id, documents.messageId))
      .leftJoin(monitoredFolders, eq(monitoredFolders.id, mailMessages.folderId))
      .where(eq(documents.id, documentId));
  if (!cfg) return [];
  const planned = actionsFor(event, cfg.rule, cfg.inbox);
  if (planned.length === 0) return [];
  const rows = await tx
    .insert(outflowRuns)
    .values(planned.map((p) => ({ workspaceId: cfg.workspaceId, documentId, eventId, actionId: p.action.id, source: p.source, action: p.action })))
    .onConflictDoNothing({ target: [outflowRuns.eventId, outflowRuns.actionId] })
    .returning({ id: outflowRuns.id });
  return rows.map((r) => r.id);
}
