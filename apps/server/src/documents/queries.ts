import type {
  Document,
  DocumentQuery,
  DocumentSummary,
  FilteredList,
  MailboxOptions,
} from '@mailroom/contracts';
import {
  and,
  arrayContains,
  asc,
  desc,
  eq,
  getTableColumns,
  gte,
  inArray,
  lt,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import { notFound } from '../core/errors.ts';
import { searchQueryOf } from '../core/search-text.ts';
import type { Db } from '../db/client.ts';
import { accessibleInboxIds, requireInboxAccess } from '../db/repos/inbox-access.ts';
import type { Principal } from '../core/principal.ts';
import {
  documentHistory,
  documents,
  mailboxes,
  mailMessages,
  monitoredFolders,
  outflowRuns,
} from '../db/schema/index.ts';
import { detailOf, summaryOf, type Origin } from './view.ts';

export type DocumentRow = typeof documents.$inferSelect;
/** Newest-first keyset position: the last row's time and id (the route makes it an opaque cursor). */
export interface KeysetPosition {
  at: Date;
  id: string;
}

/**
 * Where a changes feed's page ended: the last change's time at the database's precision (microseconds,
 * as text), not a JavaScript Date's milliseconds — a cursor rounded to the millisecond would hand the
 * next page again the changes made later in that same millisecond.
 */
export interface ChangePosition {
  at: string;
  id: string;
}
const EXACT_UPDATED_AT = sql<string>`to_char(${documents.updatedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Without a status filter the inbox shows what needs or had work; deleted and filtered are asked for. */
const WORKING = ['new', 'approved', 'bounced'] as const;
/**
 * Search plans (bench/inbox.ts). PostgreSQL cannot tell from its statistics how many documents a word
 * matches, so it guesses, and a wrong guess costs a second. A search first looks among the newest
 * SEARCH_WINDOW documents of the caller's view: if a whole page matches there, that page is exact (any
 * other match is older). Otherwise the word is rare, and its matches are found through the word index
 * and sorted.
 */
const SEARCH_WINDOW = 5_000;

/**
 * The inboxes a list looks in: the one asked for, or all the caller is on (decision 0006). An inbox
 * the caller is not on answers 404 like one that does not exist. Empty: the caller is on none.
 */
export async function inboxScope(
  db: Db,
  workspaceId: string,
  who: string | Principal,
  inboxId: string | undefined,
): Promise<string[]> {
  const mine = await accessibleInboxIds(db, workspaceId, who);
  if (inboxId && !mine.includes(inboxId)) throw notFound({ en: 'Inbox', fr: 'Boîte de réception' });
  return inboxId ? [inboxId] : mine;
}

export type ListQuery = Omit<DocumentQuery, 'cursor' | 'inboxId'> & {
  /** From `inboxScope`: never empty. */
  inboxIds: string[];
  /** Where the previous page ended. */
  after: KeysetPosition | undefined;
};

/** The inbox list's filters (scope, type, tag, mailbox, received and sent between), with the caller's status condition. */
function listFilters(
  workspaceId: string,
  q: Omit<ListQuery, 'q' | 'after'>,
  status: SQL | undefined,
): SQL | undefined {
  const scope = q.inboxIds;
  return and(
    eq(documents.workspaceId, workspaceId),
    scope.length === 1 ? eq(documents.inboxId, scope[0]!) : inArray(documents.inboxId, scope),
    status,
    q.documentTypeId ? eq(documents.documentTypeId, q.documentTypeId) : undefined,
    q.tagId ? arrayContains(documents.tagIds, [q.tagId]) : undefined,
    q.mailboxId ? eq(documents.mailboxId, q.mailboxId) : undefined,
    q.from ? gte(documents.receivedAt, new Date(q.from)) : undefined,
    q.to ? lt(documents.receivedAt, new Date(q.to)) : undefined,
    // The sender's date: without an index (a range on received_at leads); a null one never matches.
    q.sentFrom ? gte(documents.sentAt, new Date(q.sentFrom)) : undefined,
    q.sentTo ? lt(documents.sentAt, new Date(q.sentTo)) : undefined,
  );
}

/**
 * Documents changed since a time, oldest change first, whatever their status (a deleted document is a
 * change an integration must hear about): keyset on (updated_at, id), so a poller never misses one
 * that changes while it pages. The inbox list's filters apply, except the status default.
 */
export async function listChanged(
  db: Db,
  workspaceId: string,
  q: Omit<ListQuery, 'q' | 'after'> & { since: Date; after: ChangePosition | undefined },
): Promise<{ items: DocumentSummary[]; next: ChangePosition | null }> {
  const after = q.after;
  const rows = await db
    .select({ ...getTableColumns(documents), exactUpdatedAt: EXACT_UPDATED_AT })
    .from(documents)
    .where(
      and(
        // Every status: a deleted document is a change too.
        listFilters(workspaceId, q, q.status ? eq(documents.status, q.status) : undefined),
        gte(documents.updatedAt, q.since),
        after
          ? sql`(${documents.updatedAt}, ${documents.id}) > (${after.at}::timestamptz, ${after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(asc(documents.updatedAt), asc(documents.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const from = await origins(db, page);
  const last = page.at(-1);
  return {
    items: page.map(({ exactUpdatedAt: _exact, ...d }) => summaryOf(d, originOf(from, d))),
    next: rows.length > q.limit && last ? { at: last.exactUpdatedAt, id: last.id } : null,
  };
}

/**
 * A page of documents, newest first, filtered and searched. Keyset pagination on (received, id):
 * every page costs the same at a million documents. `next` is where the following page starts.
 */
export async function listDocuments(
  db: Db,
  workspaceId: string,
  q: ListQuery,
): Promise<{ items: DocumentSummary[]; next: KeysetPosition | null }> {
  const after = q.after;
  const words = q.q ? searchQueryOf(q.q) : null;
  const matches = words ? sql`${documents.search} @@ to_tsquery('simple', ${words})` : undefined;
  const filters = and(
    listFilters(
      workspaceId,
      q,
      q.status ? eq(documents.status, q.status) : inArray(documents.status, [...WORKING]),
    ),
    after
      ? or(
          lt(documents.receivedAt, after.at),
          and(eq(documents.receivedAt, after.at), lt(documents.id, after.id)),
        )
      : undefined,
  );
  const newestFirst = [desc(documents.receivedAt), desc(documents.id)];
  let rows: DocumentRow[];
  if (words) {
    // A derived table, not `id IN (…)`: PostgreSQL then walks the newest documents lazily and stops
    // at a full page (an IN list made it read every match of a common word first).
    const recent = db
      .select()
      .from(documents)
      .where(filters)
      .orderBy(...newestFirst)
      .limit(SEARCH_WINDOW)
      .as('recent');
    rows = (await db
      .select()
      .from(recent)
      .where(sql`${recent.search} @@ to_tsquery('simple', ${words})`)
      .orderBy(desc(recent.receivedAt), desc(recent.id))
      .limit(q.limit + 1)) as DocumentRow[];
  } else
    rows = await db
      .select()
      .from(documents)
      .where(filters)
      .orderBy(...newestFirst)
      .limit(q.limit + 1);
  if (matches && rows.length <= q.limit)
    rows = await db.transaction(async (tx) => {
      // Enough memory for the word index's bitmap to stay exact: a lossy one rechecks every row of
      // every page a common prefix touches (2.4 s instead of 0.24 s at a million documents).
      await tx.execute(sql`set local work_mem = '64MB'`);
      return (
        tx
          .select()
          .from(documents)
          .where(and(filters, matches))
          // An order the time index cannot give: PostgreSQL uses the word index, then sorts the matches.
          .orderBy(desc(sql`${documents.receivedAt} + interval '0 seconds'`), desc(documents.id))
          .limit(q.limit + 1)
      );
    });
  const page = rows.slice(0, q.limit);
  const from = await origins(db, page);
  const last = page.at(-1);
  return {
    items: page.map((d) => summaryOf(d, originOf(from, d))),
    next: rows.length > q.limit && last ? { at: last.receivedAt, id: last.id } : null,
  };
}

/** The document, if the caller is on its inbox; 404 otherwise (as for one that does not exist). */
export async function readableDocument(
  db: Db,
  workspaceId: string,
  id: string,
  who: string | Principal,
): Promise<DocumentRow> {
  const [d] = await db
    .select()
    .from(documents)
    .where(and(eq(documents.workspaceId, workspaceId), eq(documents.id, id)));
  const gone = { en: 'Document', fr: 'Document' };
  if (!d) throw notFound(gone);
  await requireInboxAccess(db, workspaceId, who, d.inboxId).catch(() => {
    throw notFound(gone);
  });
  return d;
}

/** The whole document as the API shows it: origin, history and outflow runs (`images`: remote images let in). */
export async function documentDetail(db: Db, d: DocumentRow, images: boolean): Promise<Document> {
  const origin = originOf(await origins(db, [d]), d);
  const history = await db
    .select()
    .from(documentHistory)
    .where(eq(documentHistory.documentId, d.id))
    .orderBy(asc(documentHistory.seq))
    .limit(500);
  const runs = await db
    .select()
    .from(outflowRuns)
    .where(eq(outflowRuns.documentId, d.id))
    .orderBy(asc(outflowRuns.createdAt))
    .limit(200);
  return detailOf(d, { origin, history, runs, images });
}

/**
 * Emails the folder's rule filtered, newest first, from inboxes the caller is on, with how many came
 * today (UTC). A folder of another workspace answers 404.
 */
export async function filteredOfFolder(
  db: Db,
  workspaceId: string,
  folderId: string,
  who: string | Principal,
  limit: number,
): Promise<FilteredList> {
  const [f] = await db
    .select({ id: monitoredFolders.id })
    .from(monitoredFolders)
    .where(and(eq(monitoredFolders.workspaceId, workspaceId), eq(monitoredFolders.id, folderId)));
  if (!f) throw notFound({ en: 'Folder', fr: 'Dossier' });
  const mine = await accessibleInboxIds(db, workspaceId, who);
  if (!mine.length) return { today: 0, items: [] };
  const where: SQL = and(
    eq(documents.workspaceId, workspaceId),
    eq(mailMessages.folderId, f.id),
    eq(documents.status, 'filtered'),
    inArray(documents.inboxId, mine),
  )!;
  const startOfDay = new Date();
  startOfDay.setUTCHours(0, 0, 0, 0);
  const [counted] = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(documents)
    .innerJoin(mailMessages, eq(mailMessages.id, documents.messageId))
    .where(and(where, gte(documents.createdAt, startOfDay)));
  const rows = await db
    .select({ d: documents })
    .from(documents)
    .innerJoin(mailMessages, eq(mailMessages.id, documents.messageId))
    .where(where)
    .orderBy(desc(documents.receivedAt), desc(documents.id))
    .limit(limit);
  const from = await origins(
    db,
    rows.map((r) => r.d),
  );
  return { today: counted?.n ?? 0, items: rows.map((r) => summaryOf(r.d, originOf(from, r.d))) };
}

/** The workspace's mailboxes (id and address), for the inbox's mailbox filter. */
export async function mailboxOptions(db: Db, workspaceId: string): Promise<MailboxOptions['items']> {
  return db
    .select({ id: mailboxes.id, address: mailboxes.address })
    .from(mailboxes)
    .where(eq(mailboxes.workspaceId, workspaceId))
    .orderBy(asc(mailboxes.address));
}

/** Mailbox address and folder name of each document's origin (a second, small query per page). */
async function origins(db: Db, rows: DocumentRow[]): Promise<Map<string, Origin>> {
  if (!rows.length) return new Map();
  const found = await db
    .select({
      id: mailMessages.id,
      folder: monitoredFolders.displayName,
      folderId: monitoredFolders.id,
      mailbox: mailboxes.address,
    })
    .from(mailMessages)
    .innerJoin(monitoredFolders, eq(monitoredFolders.id, mailMessages.folderId))
    .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
    .where(
      inArray(
        mailMessages.id,
        rows.flatMap((r) => (r.messageId ? [r.messageId] : [])),
      ),
    );
  return new Map(found.map((f) => [f.id, f]));
}

/** The mailbox and folder a document's email came from; none for an uploaded document. */
function originOf(found: Map<string, Origin>, d: DocumentRow): Origin | undefined {
  return d.messageId ? found.get(d.messageId) : undefined;
}
