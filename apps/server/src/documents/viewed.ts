import type { RecordedActor } from '../core/principal.ts';
import { and, eq, gte } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { documentHistory } from '../db/schema/index.ts';
import { audit } from './actions.ts';
import { recordHistory } from './history.ts';
import type { DocumentRow } from './queries.ts';

/** One "viewed" line per person per document in this window, not one per page load. */
export const VIEW_WINDOW_MS = 10 * 60 * 1000;

/**
 * Someone opened the document: a "viewed" history line and its audit, in one transaction, unless
 * the same person viewed it within VIEW_WINDOW_MS. Returns whether a line was written. A person:
 * the window is counted per user id.
 */
export async function recordViewed(db: Db, d: DocumentRow, actor: RecordedActor): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [recent] = await tx
      .select({ id: documentHistory.id })
      .from(documentHistory)
      .where(
        and(
          eq(documentHistory.documentId, d.id),
          eq(documentHistory.kind, 'viewed'),
          // A person by id; an API key (no user) by the name it is recorded under.
          actor.id ? eq(documentHistory.actorUserId, actor.id) : eq(documentHistory.actorEmail, actor.email),
          gte(documentHistory.at, new Date(Date.now() - VIEW_WINDOW_MS)),
        ),
      )
      .limit(1);
    if (recent) return false;
    await recordHistory(tx, d, 'viewed', actor);
    await audit(tx, d, 'viewed', actor);
    return true;
  });
}
