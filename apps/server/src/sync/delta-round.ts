import { and, eq, inArray, sql } from 'drizzle-orm';
import { applyMailboxHealth } from '../connectors/health-state.ts';
import { blocksReading } from '../core/connector-health.ts';
import type { Db } from '../db/client.ts';
import {
  connectors,
  graphSubscriptions,
  mailboxes,
  mailMessages,
  monitoredFolders,
} from '../db/schema/index.ts';
import { validDate } from '../lib/dates.ts';
import { pgText } from '../lib/pg-text.ts';
import { classify, isAccessSignal } from '../microsoft/classify.ts';
import { GraphApiError } from '../microsoft/graph.ts';
import type { GraphMessage } from '../microsoft/mail-client.ts';
import type { PushContext, RoundResult, SyncDeps } from './deps.ts';
import { mailboxAccess, setMailboxAccess } from './mailbox-access.ts';

/** A pending work item this old has lost its job (a crash between recording it and queueing it). */
const STRANDED_AFTER_SECONDS = 10;

/**
 * The folder, its mailbox, connector and subscription, as a round reads them; also what
 * reconciliation's probes read of many folders at once (`quiet-probes.ts`).
 */
export const selectFolderRows = (db: Db) =>
  db
    .select({
      f: monitoredFolders,
      m: mailboxes,
      c: {
        status: connectors.status,
        problemCause: connectors.problemCause,
        authMode: connectors.authMode,
        accountOid: connectors.accountOid,
      },
      // What push's `afterRound` looks at, read here rather than again after the round (issue 22 §3).
      s: graphSubscriptions,
      // Work recorded before a crash but never queued, and processed messages still without their
      // marker (see `syncFolder`): read with the folder, one statement per round, not two.
      stranded: sql<string | null>`(select string_agg(mm.id::text, ',') from ${mailMessages} mm
        where mm.folder_id = ${monitoredFolders.id} and mm.state = 'pending'
          and mm.created_at < now() - make_interval(secs => ${STRANDED_AFTER_SECONDS}))`,
      markersDue: sql<boolean>`(${monitoredFolders.writeMarker} and exists (select 1 from ${mailMessages} mm
        where mm.folder_id = ${monitoredFolders.id} and mm.state = 'done' and not mm.marker_written))`,
    })
    .from(monitoredFolders)
    .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
    .innerJoin(connectors, eq(connectors.id, mailboxes.connectorId))
    .leftJoin(graphSubscriptions, eq(graphSubscriptions.folderId, monitoredFolders.id));

/**
 * One folder's row, prepared once (a named statement): reconciliation ran it 33 times a second for
 * 10,000 idle folders, and building it with Drizzle each time cost about 0.5 ms of CPU of a round's
 * 1.3 (decision 0024).
 */
const FOLDER = (db: Db) =>
  selectFolderRows(db)
    .where(eq(monitoredFolders.id, sql.placeholder('folderId')))
    .prepare('delta_round_folder');

/** A round that found nothing new (most rounds): the cursor and the round's end, prepared as `FOLDER` is. */
const NOTHING_NEW = (db: Db) =>
  db
    .update(monitoredFolders)
    .set({ cursor: sql`${sql.placeholder('cursor')}`, cursorKind: 'delta', ...ROUND_DONE })
    .where(eq(monitoredFolders.id, sql.placeholder('folderId')))
    .prepare('delta_round_nothing_new');

export type FolderRow = Awaited<ReturnType<ReturnType<typeof FOLDER>['execute']>>[number];

/**
 * A folder's delta round (decision 0005): each page's messages are recorded as pending work items
 * *and* the cursor moves, in one transaction; work items are unique on (folder, immutable message id),
 * so a crash anywhere records nothing twice and loses nothing.
 */
export class DeltaRounds {
  private readonly d: SyncDeps;
  private readonly folder: ReturnType<typeof FOLDER>;
  private readonly nothingNew: ReturnType<typeof NOTHING_NEW>;
  constructor(deps: SyncDeps) {
    this.d = deps;
    this.folder = FOLDER(deps.db);
    this.nothingNew = NOTHING_NEW(deps.db);
  }

  /** One delta round of one folder. The caller (a singleton job per folder) is the only writer of its cursor. */
  async syncFolder(folderId: string): Promise<RoundResult> {
    const { db } = this.d;
    const [row] = await this.folder.execute({ folderId });
    const result: RoundResult = { pages: 0, recorded: 0, removed: 0, resynced: false, ok: false };
    if (!row || !row.f.active || row.m.disabledAt) return result;
    const { f, m } = row;
    // A connection that lost access is not used, even while an access token it got before still
    // works (a disabled user's does, for up to an hour): its probe says when it is back, and the
    // next round then reads everything since the cursor.
    if (blocksReading(row.c)) return result;

    // Work recorded before a crash but never queued: queue it again (ingestion is idempotent). And
    // messages processed before a crash whose marker was not written yet: queue the marker round.
    // Read with the folder: it runs before every round (each notification's, each polling round's).
    // Only work recorded a while ago: a fresh work item's job is queued or running, and sending its
    // twin made a busy mailbox's rounds re-queue every message in flight; two pollers then took the
    // twins at once, pg-boss rolled their whole fetch back and it waited for the next poll (emails
    // of a hot mailbox 12 s late, issue 22 §2.4).
    if (row.stranded) await this.d.enqueueIngest(row.stranded.split(','), m.id);
    if (row.markersDue) await this.d.enqueueMarkers(f.id);

    try {
      const token = await this.d.broker.graphToken(m.connectorId);
      let url = f.cursor ?? this.d.mail.deltaStart(m.graphUserId, f.graphFolderId, f.processFrom);
      for (;;) {
        let page;
        try {
          page = await this.d.mail.deltaPage(token, m.graphUserId, url);
        } catch (err) {
          // The delta token expired (410 SyncStateNotFound): start a full round; the unique work
          // items make sure nothing already recorded is recorded (or processed) again.
          if (err instanceof GraphApiError && err.status === 410 && !result.resynced) {
            this.d.logger.info({ folderId }, 'delta token expired; full resync');
            result.resynced = true;
            url = this.d.mail.deltaStart(m.graphUserId, f.graphFolderId, f.processFrom);
            await db
              .update(monitoredFolders)
              .set({ cursor: null, cursorKind: null })
              .where(eq(monitoredFolders.id, f.id));
            continue;
          }
          throw err;
        }
        result.pages++;
        const next = page.nextLink ?? page.deltaLink;
        if (!page.value.length && !page.nextLink) {
          // Nothing new (most rounds: reconciliation, polling): the cursor and the round's end in one
          // statement, no transaction — nothing is recorded that the cursor must move with.
          await this.nothingNew.execute({ folderId: f.id, cursor: next ?? null });
          return this.done(result, row);
        }
        const created = await db.transaction(async (tx) => {
          const removedIds = page.value.filter((x) => x['@removed']).map((x) => x.id);
          if (removedIds.length) {
            await tx
              .update(mailMessages)
              .set({ removedAt: sql`now()` })
              .where(and(eq(mailMessages.folderId, f.id), inArray(mailMessages.graphMessageId, removedIds)));
          }
          const fresh = page.value.filter(
            (x) => !x['@removed'] && x.id && isOnOrAfter(x.receivedDateTime, f.processFrom),
          );
          let inserted: { id: string }[] = [];
          if (fresh.length) {
            inserted = await tx
              .insert(mailMessages)
              .values(
                dedupe(fresh).map((x) => ({
                  workspaceId: f.workspaceId,
                  folderId: f.id,
                  graphMessageId: x.id,
                  receivedAt: validDate(x.receivedDateTime),
                  subject: pgText((x.subject ?? '').slice(0, 500)),
                  hasAttachments: typeof x.hasAttachments === 'boolean' ? x.hasAttachments : null,
                })),
              )
              .onConflictDoNothing({ target: [mailMessages.folderId, mailMessages.graphMessageId] })
              .returning({ id: mailMessages.id });
          }
          // The cursor moves in the same transaction that recorded the page. New recent mail makes the
          // folder hot (sync/hot-folders.ts): its next polling round comes soon, a burst may be on.
          const newest = newestReceived(fresh);
          await tx
            .update(monitoredFolders)
            .set({
              cursor: next ?? null,
              cursorKind: page.nextLink ? 'next' : 'delta',
              ...(newest
                ? {
                    lastMailAt: sql`greatest(${monitoredFolders.lastMailAt}, least(${newest}::timestamptz, now()))`,
                    ...(inserted.length && this.d.hotPollMinMs !== undefined
                      ? {
                          nextPollAt: sql`least(coalesce(${monitoredFolders.nextPollAt}, 'infinity'), now() + make_interval(secs => ${this.d.hotPollMinMs / 1000}))`,
                        }
                      : {}),
                  }
                : {}),
            })
            .where(eq(monitoredFolders.id, f.id));
          result.removed += removedIds.length;
          return inserted.map((r) => r.id);
        });
        result.recorded += created.length;
        if (created.length) {
          await this.d.enqueueIngest(created, m.id);
          this.d.onNewMail?.(f.id);
        }
        if (!page.nextLink || !next) break;
        url = next;
      }
      await db.update(monitoredFolders).set(ROUND_DONE).where(eq(monitoredFolders.id, f.id));
      return await this.done(result, row);
    } catch (err) {
      // A refused token, a 401 or a 403 may mean the connection lost access: probe it now, not at
      // its next scheduled probe (coalesced per connector, so a storm makes one probe).
      if (isAccessSignal(err)) this.d.accessSignal?.(m.connectorId);
      const cls = classify(err);
      await db
        .update(monitoredFolders)
        .set({
          lastError: cls.kind === 'problem' ? `${cls.cause}: ${cls.detail}` : cls.detail,
          lastErrorAt: sql`now()`,
        })
        .where(eq(monitoredFolders.id, f.id));
      if (cls.kind === 'problem') {
        await setMailboxAccess(db, m, mailboxAccess(cls.cause), cls.detail);
        await applyMailboxHealth(db, m.connectorId);
        // A named cause will not go away by retrying in seconds: the next reconciliation round tries again.
        return result;
      }
      throw err;
    }
  }

  /** A round that reached the end: the mailbox reads again (its connector may have recovered). */
  private async done(result: RoundResult, row: FolderRow): Promise<RoundResult> {
    if (row.m.access !== 'readable') {
      await setMailboxAccess(this.d.db, row.m, 'readable', null);
      await applyMailboxHealth(this.d.db, row.m.connectorId);
    }
    result.ok = true;
    result.pushContext = pushContextOf(row);
    return result;
  }
}

/** What push's `afterRound` needs of a folder's row. */
export function pushContextOf({ f, m, c, s }: FolderRow): PushContext {
  return {
    active: f.active,
    authMode: c.authMode,
    accountOid: c.accountOid,
    graphUserId: m.graphUserId,
    subscription: s ?? undefined,
  };
}

/** What a round that reached the end of the delta writes on its folder. */
const ROUND_DONE = { lastSyncAt: sql`now()`, lastError: null, lastErrorAt: null };

/** Graph's `receivedDateTime` has whole seconds: compare at that precision (as the delta filter does). */
function isOnOrAfter(received: string | undefined, from: Date): boolean {
  const d = validDate(received);
  return !d || d.getTime() >= Math.floor(from.getTime() / 1000) * 1000;
}

/** The newest `receivedDateTime` of a page's new messages, as Graph wrote it (ISO 8601), if any. */
function newestReceived(list: GraphMessage[]): string | undefined {
  let newest: Date | undefined;
  for (const x of list) {
    const d = validDate(x.receivedDateTime);
    if (d && (!newest || d > newest)) newest = d;
  }
  return newest?.toISOString();
}

/** A page may list the same message twice (Graph does); record it once. */
function dedupe(list: GraphMessage[]): GraphMessage[] {
  const seen = new Set<string>();
  return list.filter((x) => (seen.has(x.id) ? false : (seen.add(x.id), true)));
}
