import { and, eq, inArray, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../db/client.ts';
import { mailboxes, mailMessages, monitoredFolders } from '../db/schema/index.ts';
import type { SyncDeps } from './deps.ts';
import { MarkerGate } from './marker-gate.ts';

/**
 * The hidden marker each processed message carries in Outlook (the id of the folder it was read in):
 * written after the document, in batches, so a crash between the two costs a retry, never a duplicate.
 */
export class MarkerWriter {
  private readonly d: SyncDeps;
  /** One per process: the `folder.markers` jobs of this process share it. */
  private readonly gate: MarkerGate;
  constructor(deps: SyncDeps) {
    this.d = deps;
    this.gate = new MarkerGate((mailboxId) => mailboxBeingRead(deps.db, mailboxId));
  }

  /**
   * Writes the hidden marker on the folder's processed messages that lack it, 20 per `$batch`:
   * sequential (one of the mailbox's slots) while the mailbox is still being read, parallel (its 4)
   * once it is not (MarkerGate). A message gone from the mailbox (404) needs none. Throttled or
   * failing ones stay marked as missing, and the job retries; more than one call's worth queues
   * another call.
   */
  async writeMarkers(folderId: string, limit = 200): Promise<{ written: number; left: number }> {
    const { db } = this.d;
    const rows = await db
      .select({
        id: mailMessages.id,
        graphId: mailMessages.graphMessageId,
        f: monitoredFolders,
        m: mailboxes,
      })
      .from(mailMessages)
      .innerJoin(monitoredFolders, eq(monitoredFolders.id, mailMessages.folderId))
      .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
      .where(
        and(
          eq(mailMessages.folderId, folderId),
          eq(mailMessages.state, 'done'),
          eq(mailMessages.markerWritten, false),
        ),
      )
      // One order, so a retry sends the same messages first.
      .orderBy(mailMessages.id)
      .limit(limit);
    if (!rows.length) return { written: 0, left: 0 };
    const { f, m } = rows[0]!;
    // The rule no longer asks for markers (a round queued before it changed): nothing to write.
    if (!f.writeMarker) return { written: 0, left: 0 };
    const token = await this.d.broker.graphToken(m.connectorId);
    let written = 0;
    let left = 0;
    const queue = [...rows];
    while (queue.length) {
      const chunk = queue.splice(0, 20);
      const statuses = await this.gate.run(m.id, (sequential) =>
        this.d.mail.writeMarkers(
          token,
          m.graphUserId,
          chunk.map((r) => ({ id: r.graphId, value: f.graphFolderId })),
          { sequential },
        ),
      );
      const status = (r: (typeof chunk)[number]) => statuses.get(r.graphId) ?? 0;
      const done = chunk.filter((r) => (status(r) >= 200 && status(r) < 300) || status(r) === 404);
      // A sequential batch stops at its first failure and answers the rest 424 (unrun). Behind a
      // message gone (404: it needs no marker) they go again at once; behind a throttled or failing
      // one, with the job's retry.
      const unrun = chunk.filter((r) => status(r) === 424);
      const failed = chunk.length - done.length - unrun.length;
      if (unrun.length && !failed && done.length) queue.unshift(...unrun);
      else left += unrun.length;
      left += failed;
      if (done.length) {
        await db
          .update(mailMessages)
          .set({ markerWritten: true })
          .where(
            inArray(
              mailMessages.id,
              done.map((r) => r.id),
            ),
          );
        written += done.length;
      }
    }
    if (left) throw new Error(`${left} marker(s) not written yet (throttled or failing); retrying`);
    if (rows.length === limit) await this.d.enqueueMarkers(folderId);
    return { written, left };
  }
}

/**
 * Whether a mailbox is still being read: an email recorded and not yet read into a document, or an
 * active folder whose delta round has not reached its end (a backfill between two pages, or never
 * read). Both, because a backfill's ingestion catches up with its delta pages now and then: pending
 * mail alone would let the markers run at full speed in those gaps, in the import's way.
 */
export async function mailboxBeingRead(db: Db, mailboxId: string): Promise<boolean> {
  const pending = db
    .select({ one: sql`1` })
    .from(mailMessages)
    .innerJoin(monitoredFolders, eq(monitoredFolders.id, mailMessages.folderId))
    .where(and(eq(monitoredFolders.mailboxId, mailboxId), eq(mailMessages.state, 'pending')));
  const midRound = db
    .select({ one: sql`1` })
    .from(monitoredFolders)
    .where(
      and(
        eq(monitoredFolders.mailboxId, mailboxId),
        eq(monitoredFolders.active, true),
        sql`${monitoredFolders.cursorKind} is distinct from 'delta'`,
      ),
    );
  const [row] = rowsOf<{ read: boolean }>(
    await db.execute(sql`select exists (${pending}) or exists (${midRound}) as read`),
  );
  return row?.read === true;
}
