import { Readable } from 'node:stream';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { BlobRef, FsBlobStore } from '../blobs/fs-store.ts';
import { applyMailboxHealth } from '../connectors/health-state.ts';
import type { TokenBroker } from '../connectors/token-broker.ts';
import { rowsOf, withoutQuery, type Db } from '../db/client.ts';
import { asError } from '../lib/errors.ts';
import {
  documents,
  inboxes,
  mailboxes,
  mailMessages,
  monitoredFolders,
  type Recipient,
  type StoredAttachment,
} from '../db/schema/index.ts';
import { classify } from '../microsoft/classify.ts';
import { GraphApiError } from '../microsoft/graph.ts';
import type { GraphAttachmentMeta, GraphMessage, MailClient } from '../microsoft/mail.ts';
import { readMimeSummary, type MimeAttachment, type MimeSummary } from './mime-summary.ts';
import { validDate } from '../lib/dates.ts';
import { htmlToText, sanitizeEmailHtml } from './sanitize.ts';
import { searchTextOf } from '../core/search-text.ts';
import type { InflowDecision } from '../core/inflow-rules.ts';
import { InflowRouter, recordIngested, routedColumns } from '../documents/inflow.ts';

export interface SyncDeps {
  db: Db;
  broker: TokenBroker;
  mail: MailClient;
  blobs: FsBlobStore;
  logger: Logger;
  /** Queues ingestion of recorded messages of one mailbox (the job layer provides it). */
  enqueueIngest: (messageIds: string[], mailboxId: string) => Promise<void>;
  /** Queues a (coalesced) marker-writing round for a folder. */
  enqueueMarkers: (folderId: string) => Promise<void>;
  /** Queues outflow runs planned by a document's `document.created` (after its transaction). */
  enqueueOutflow?: (runIds: string[]) => Promise<void>;
  /** How many failed ingestions before a message is shown as failed (it can still be retried). */
  maxIngestAttempts?: number;
}

/** What a round did, for logs, tests and benchmarks. */
export interface RoundResult {
  pages: number;
  recorded: number;
  removed: number;
  resynced: boolean;
  /** The round reached the end of the delta (false: inactive folder, or a named problem). */
  ok: boolean;
}

const FOLDER = (db: Db, folderId: string) =>
  db
    .select({ f: monitoredFolders, m: mailboxes })
    .from(monitoredFolders)
    .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
    .where(eq(monitoredFolders.id, folderId));

/**
 * The exactly-once engine (architecture invariants 1–3). A folder's delta round records each page's
 * messages as pending work items *and* moves the cursor in one transaction; work items are unique on
 * (folder, immutable message id); ingestion of each is a retried, idempotent job that ends in one
 * document, unique on its work item. A crash anywhere loses nothing and duplicates nothing.
 */
export class SyncEngine {
  private readonly d: SyncDeps;
  /** The paced Graph mail client (routes use it for folder trees and access tests). */
  readonly mail: MailClient;
  /** Applies the folder's inflow rule to each new document (routes also use it to reprocess). */
  readonly inflow: InflowRouter;
  constructor(deps: SyncDeps) {
    this.d = deps;
    this.mail = deps.mail;
    this.inflow = new InflowRouter(deps);
  }

  /** One delta round of one folder. The caller (a singleton job per folder) is the only writer of its cursor. */
  async syncFolder(folderId: string): Promise<RoundResult> {
    const { db } = this.d;
    const [row] = await FOLDER(db, folderId);
    const result: RoundResult = { pages: 0, recorded: 0, removed: 0, resynced: false, ok: false };
    if (!row || !row.f.active) return result;
    const { f, m } = row;

    // Work recorded before a crash but never queued: queue it again (ingestion is idempotent). And
    // messages processed before a crash whose marker was not written yet: queue the marker round.
    // One statement for both: it runs before every round (each notification's).
    const leftovers = rowsOf<{ id: string; state: string }>(
      await db.execute(sql`
        (select id, state from ${mailMessages} where folder_id = ${f.id} and state = 'pending')
        union all
        (select id, state from ${mailMessages} where folder_id = ${f.id} and state = 'done' and not marker_written limit 1)`),
    );
    const stranded = leftovers.filter((r) => r.state === 'pending');
    if (stranded.length) await this.d.enqueueIngest(stranded.map((s) => s.id), m.id);
    if (stranded.length < leftovers.length) await this.d.enqueueMarkers(f.id);

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
          // The cursor moves in the same transaction that recorded the page.
          await tx
            .update(monitoredFolders)
            .set({ cursor: next ?? null, cursorKind: page.nextLink ? 'next' : 'delta' })
            .where(eq(monitoredFolders.id, f.id));
          result.removed += removedIds.length;
          return inserted.map((r) => r.id);
        });
        result.recorded += created.length;
        if (created.length) await this.d.enqueueIngest(created, m.id);
        if (!page.nextLink || !next) break;
        url = next;
      }
      await db
        .update(monitoredFolders)
        .set({ lastSyncAt: sql`now()`, lastError: null, lastErrorAt: null })
        .where(eq(monitoredFolders.id, f.id));
      if (m.access !== 'readable') {
        // The mailbox reads again: its connector may have recovered.
        await db
          .update(mailboxes)
          .set({ access: 'readable', accessDetail: null, accessCheckedAt: sql`now()` })
          .where(eq(mailboxes.id, m.id));
        await applyMailboxHealth(db, m.connectorId);
      }
      result.ok = true;
      return result;
    } catch (err) {
      const cls = classify(err);
      await db
        .update(monitoredFolders)
        .set({
          lastError: cls.kind === 'problem' ? `${cls.cause}: ${cls.detail}` : cls.detail,
          lastErrorAt: sql`now()`,
        })
        .where(eq(monitoredFolders.id, f.id));
      if (cls.kind === 'problem') {
        await db
          .update(mailboxes)
          .set({ access: mailboxAccess(cls.cause), accessDetail: cls.detail, accessCheckedAt: sql`now()` })
          .where(eq(mailboxes.id, m.id));
        await applyMailboxHealth(db, m.connectorId);
        // A named cause will not go away by retrying in seconds: the next reconciliation round tries again.
        return result;
      }
      throw err;
    }
  }

  /** Turns one recorded message into one document (see `ingestMany`); throws when it should be retried. */
  async ingest(messageId: string): Promise<IngestOutcome> {
    const [outcome] = await this.ingestMany([messageId]);
    if (outcome instanceof Error) throw outcome;
    return outcome!;
  }

  /**
   * Turns recorded messages into documents, one each: every message's MIME and attachments into the
   * blob store (side by side; the pacer keeps each mailbox's requests in its slots), then all the
   * documents, their history and events and the work items' `done` in one transaction, then the
   * hidden markers. Per message, in order: what happened, or the error to retry it with. One message
   * the database refuses does not hold back the others: they are then saved one by one.
   */
  async ingestMany(messageIds: string[]): Promise<(IngestOutcome | Error)[]> {
    const ids = [...new Set(messageIds)];
    const rows = await this.d.db
      .select({ msg: mailMessages, f: monitoredFolders, m: mailboxes, inboxOutflow: inboxes.outflow })
      .from(mailMessages)
      .innerJoin(monitoredFolders, eq(monitoredFolders.id, mailMessages.folderId))
      .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
      // The rule's inbox, where the document goes: its outflow actions are planned with the document.
      .leftJoin(inboxes, eq(inboxes.id, monitoredFolders.inboxId))
      .where(inArray(mailMessages.id, ids));
    const byId = new Map(rows.map((r) => [r.msg.id, r]));
    const outcomes = new Map<string, IngestOutcome | Error>();
    const ready: Prepared[] = [];
    await Promise.all(
      ids.map(async (id) => {
        try {
          const row = byId.get(id);
          const p = row ? await this.prepare(row) : 'gone';
          if (typeof p === 'string') outcomes.set(id, p);
          else ready.push(p);
        } catch (err) {
          outcomes.set(id, asError(err));
        }
      }),
    );
    if (ready.length) for (const [id, o] of await this.saveAll(ready)) outcomes.set(id, o);
    return messageIds.map((id) => outcomes.get(id)!);
  }

  /** Everything but the database write: the MIME, its attachments, the inflow rule's decision. */
  private async prepare(row: IngestRow): Promise<Prepared | IngestOutcome> {
    const { msg, f, m } = row;
    if (msg.state === 'gone') return 'gone';
    if (msg.state === 'done') {
      if (!msg.markerWritten) await this.d.enqueueMarkers(f.id);
      return 'exists';
    }
    const token = await this.d.broker.graphToken(m.connectorId);
    try {
      // The original MIME is the one read of the message itself: headers and bodies come from it.
      const stored = await this.d.mail.stream(
        token,
        m.graphUserId,
        this.d.mail.mimePath(m.graphUserId, msg.graphMessageId),
        (body, length) => this.d.blobs.putKeeping(body, length),
      );
      const eml = stored.ref;
      // Listed only when the delta page said so (or did not say: rows recorded before it was asked).
      const listed = msg.hasAttachments !== false;
      // The MIME holds the attachments' contents: they are stored as it is read, and Graph's list
      // (names, inline flags, links) is matched to them, so no attachment is downloaded twice.
      // A small MIME is parsed from the bytes just stored; a large one from its file.
      const mime = stored.content ? Readable.from([stored.content]) : this.d.blobs.open(eml.sha256);
      const summary = await readMimeSummary(mime, listed ? { storeAttachment: (content) => this.d.blobs.put(content) } : {});
      const attachments: StoredAttachment[] = [];
      if (listed) {
        const list = await this.d.mail.attachments(token, m.graphUserId, msg.graphMessageId);
        const parts = [...summary.attachments];
        for (const a of list.value) {
          const part = takeMimePart(parts, a);
          attachments.push(part ? fromMimePart(a, part) : await this.storeAttachment(token, m.graphUserId, msg.graphMessageId, a));
        }
      }
      // The folder's inflow rule, as it is now: a rule change affects new mail only.
      const decision = await this.inflow.decide(f, {
        workspaceId: f.workspaceId,
        connectorId: m.connectorId,
        token,
        from: summary.from?.address ?? null,
        emlSha256: eml.sha256,
        headers: summary.headers,
      });
      return { row, summary, eml, attachments, decision };
    } catch (err) {
      // Moved or deleted between the delta page and this fetch: not an error. If it moved into
      // another monitored folder, that folder's round records it there.
      if (err instanceof GraphApiError && err.status === 404 && /itemnotfound/i.test(err.code)) {
        await this.d.db
          .update(mailMessages)
          .set({ state: 'gone', lastError: 'moved or deleted before it could be read' })
          .where(eq(mailMessages.id, msg.id));
        return 'gone';
      }
      return this.recordFailure(msg.id, msg.attempts, err);
    }
  }

  /** Saves prepared messages together; if the database refuses the batch, each on its own. */
  private async saveAll(ready: Prepared[]): Promise<Map<string, IngestOutcome | Error>> {
    let saved: { created: Set<string>; outflowRunIds: string[] };
    try {
      saved = await this.saveDocuments(ready);
    } catch (err) {
      if (ready.length > 1) {
        // One message the database refuses must not hold back the others.
        const out = new Map<string, IngestOutcome | Error>();
        for (const p of ready) for (const [id, o] of await this.saveAll([p])) out.set(id, o);
        return out;
      }
      // Bad data that the database refuses must show as a failed message, not retry forever unseen.
      const { msg } = ready[0]!.row;
      return new Map([[msg.id, await this.recordFailure(msg.id, msg.attempts, err).catch(asError)]]);
    }
    // After the commit; a kick lost to a crash here is found by the outflow sweep.
    if (saved.outflowRunIds.length) await this.d.enqueueOutflow?.(saved.outflowRunIds);
    // Markers are written in batches of 20 per folder (one request instead of twenty).
    for (const folderId of new Set(ready.map((p) => p.row.f.id))) await this.d.enqueueMarkers(folderId);
    return new Map(ready.map((p) => [p.row.msg.id, saved.created.has(p.row.msg.id) ? 'created' : 'exists']));
  }

  /** The documents, their history, events and outflow intents, and the work items' `done`: one transaction. */
  private async saveDocuments(list: Prepared[]): Promise<{ created: Set<string>; outflowRunIds: string[] }> {
    // Sanitising the bodies is CPU work: done before the transaction holds a connection.
    const values = list.map(documentRow);
    return this.d.db.transaction(async (tx) => {
      const inserted = await tx
        .insert(documents)
        .values(values)
        .onConflictDoNothing({ target: documents.messageId })
        .returning({ id: documents.id, version: documents.version, messageId: documents.messageId });
      const byMessage = new Map(list.map((p) => [p.row.msg.id, p]));
      const outflowRunIds = await recordIngested(
        tx,
        inserted.map((doc) => {
          const { row, decision } = byMessage.get(doc.messageId!)!;
          const { f, m, inboxOutflow } = row;
          return {
            doc: { id: doc.id, version: doc.version, workspaceId: f.workspaceId, inboxId: decision.inboxId, status: decision.status },
            decision,
            origin: { folderId: f.id, folder: f.displayName, mailbox: m.address },
            ...(decision.inboxId === f.inboxId ? { outflow: { workspaceId: f.workspaceId, rule: f.outflow, inbox: inboxOutflow } } : {}),
          };
        }),
      );
      await tx
        .update(mailMessages)
        .set({ state: 'done', processedAt: sql`now()`, lastError: null })
        .where(inArray(mailMessages.id, list.map((p) => p.row.msg.id)));
      return { created: new Set(inserted.map((d) => d.messageId!)), outflowRunIds };
    });
  }

  /** Puts a failed message back in the queue (the user's Retry button). */
  async retry(messageId: string): Promise<void> {
    await this.d.db
      .update(mailMessages)
      .set({ state: 'pending', attempts: 0, lastError: null })
      .where(and(eq(mailMessages.id, messageId), eq(mailMessages.state, 'failed')));
    const [row] = await this.d.db
      .select({ mailboxId: monitoredFolders.mailboxId })
      .from(mailMessages)
      .innerJoin(monitoredFolders, eq(monitoredFolders.id, mailMessages.folderId))
      .where(eq(mailMessages.id, messageId));
    if (row) await this.d.enqueueIngest([messageId], row.mailboxId);
  }

  private async storeAttachment(
    token: string,
    mailbox: string,
    messageId: string,
    a: GraphAttachmentMeta,
  ): Promise<StoredAttachment> {
    const type = a['@odata.type'].toLowerCase();
    const base = {
      name: a.name || 'attachment',
      contentType: a.contentType || 'application/octet-stream',
      isInline: Boolean(a.isInline),
    };
    if (type.endsWith('referenceattachment'))
      return { ...base, kind: 'reference', size: a.size ?? 0, ...(a.sourceUrl ? { url: a.sourceUrl } : {}) };
    // A body shorter than announced (a cut connection) fails here and the job retries.
    const blob = await this.d.mail.stream(token, mailbox, this.d.mail.attachmentPath(mailbox, messageId, a.id), (body, length) =>
      this.d.blobs.put(body, length),
    );
    if (type.endsWith('itemattachment'))
      return {
        ...base,
        name: base.name.endsWith('.eml') ? base.name : `${base.name}.eml`,
        contentType: 'message/rfc822',
        kind: 'item',
        size: blob.size,
        sha256: blob.sha256,
      };
    return { ...base, kind: 'file', size: blob.size, sha256: blob.sha256 };
  }

  private async recordFailure(id: string, attempts: number, err: unknown): Promise<'failed'> {
    const cls = classify(withoutQuery(err));
    const n = attempts + 1;
    const reason = pgText(cls.kind === 'problem' ? `${cls.cause}: ${cls.detail}` : cls.detail).slice(0, 2000);
    const final = n >= (this.d.maxIngestAttempts ?? 5);
    await this.d.db
      .update(mailMessages)
      .set({ attempts: n, lastError: reason, ...(final ? { state: 'failed' as const } : {}) })
      .where(eq(mailMessages.id, id));
    this.d.logger.warn({ messageId: id, attempts: n, final, reason }, 'ingestion failed');
    // Not final yet: let the job retry with backoff. Final: stop; the message shows as failed.
    if (!final) throw withoutQuery(err);
    return 'failed';
  }

  /**
   * Writes the hidden marker on the folder's processed messages that lack it, 20 per `$batch`. A
   * message gone from the mailbox (404) needs none. Throttled or failing ones stay marked as
   * missing, and the job retries; more than one call's worth queues another call.
   */
  async writeMarkers(folderId: string, limit = 200): Promise<{ written: number; left: number }> {
    const { db } = this.d;
    const rows = await db
      .select({ id: mailMessages.id, graphId: mailMessages.graphMessageId, f: monitoredFolders, m: mailboxes })
      .from(mailMessages)
      .innerJoin(monitoredFolders, eq(monitoredFolders.id, mailMessages.folderId))
      .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
      .where(and(eq(mailMessages.folderId, folderId), eq(mailMessages.state, 'done'), eq(mailMessages.markerWritten, false)))
      .limit(limit);
    if (!rows.length) return { written: 0, left: 0 };
    const { f, m } = rows[0]!;
    const token = await this.d.broker.graphToken(m.connectorId);
    let written = 0;
    let left = 0;
    for (let i = 0; i < rows.length; i += 20) {
      const chunk = rows.slice(i, i + 20);
      const statuses = await this.d.mail.writeMarkers(
        token,
        m.graphUserId,
        chunk.map((r) => ({ id: r.graphId, value: f.graphFolderId })),
      );
      const done = chunk.filter((r) => {
        const st = statuses.get(r.graphId) ?? 0;
        return (st >= 200 && st < 300) || st === 404;
      });
      left += chunk.length - done.length;
      if (done.length) {
        await db
          .update(mailMessages)
          .set({ markerWritten: true })
          .where(inArray(mailMessages.id, done.map((r) => r.id)));
        written += done.length;
      }
    }
    if (left) throw new Error(`${left} marker(s) not written yet (throttled or failing); retrying`);
    if (rows.length === limit) await this.d.enqueueMarkers(folderId);
    return { written, left };
  }
}

type IngestRow = {
  msg: typeof mailMessages.$inferSelect;
  f: typeof monitoredFolders.$inferSelect;
  m: typeof mailboxes.$inferSelect;
  inboxOutflow: (typeof inboxes.$inferSelect)['outflow'] | null;
};

/** A message read and decided on, waiting to be saved. */
interface Prepared {
  row: IngestRow;
  summary: MimeSummary;
  eml: BlobRef;
  attachments: StoredAttachment[];
  decision: InflowDecision;
}

export type IngestOutcome = 'created' | 'exists' | 'gone' | 'failed';

/** The document row of a prepared message. */
function documentRow({ row: { msg, f }, summary: mail, eml, attachments, decision }: Prepared): typeof documents.$inferInsert {
  const fromAddress = pgText(mail.from?.address ?? null);
  const fromName = pgText(mail.from?.name ?? null);
  const subject = pgText(mail.subject?.trim() || msg.subject?.trim() || '(no subject)');
  return {
    workspaceId: f.workspaceId,
    ...routedColumns(decision),
    mailboxId: f.mailboxId,
    searchText: pgText(searchTextOf({ subject, fromName, fromAddress, attachmentNames: attachments.map((a) => a.name) })),
    messageId: msg.id,
    subject,
    fromAddress,
    fromName,
    to: recipients(mail.to),
    cc: recipients(mail.cc),
    // Graph's receivedDateTime (from the delta page) is when it arrived; the Date header is the sender's claim.
    receivedAt: msg.receivedAt ?? mail.date ?? new Date(),
    internetMessageId: pgText(mail.messageId),
    bodyHtml: mail.html ? pgText(sanitizeEmailHtml(mail.html)) : null,
    bodyText: pgText(mail.text || (mail.html ? htmlToText(mail.html) : '')),
    emlSha256: eml.sha256,
    emlSize: eml.size,
    attachments: attachments.map((a) => ({ ...a, name: pgText(a.name), contentType: pgText(a.contentType) })),
  };
}

function recipients(list: Recipient[]): Recipient[] {
  return list.map((r) => ({ name: pgText(r.name), address: pgText(r.address) }));
}

/** PostgreSQL text cannot hold NUL characters; mail from the wild sometimes does. */
function pgText<T extends string | null | undefined>(s: T): T {
  return (typeof s === 'string' ? s.replaceAll('\u0000', '') : s) as T;
}

/** Graph's `receivedDateTime` has whole seconds: compare at that precision (as the delta filter does). */
function isOnOrAfter(received: string | undefined, from: Date): boolean {
  const d = validDate(received);
  return !d || d.getTime() >= Math.floor(from.getTime() / 1000) * 1000;
}

/** A page may list the same message twice (Graph does); record it once. */
function dedupe(list: GraphMessage[]): GraphMessage[] {
  const seen = new Set<string>();
  return list.filter((x) => (seen.has(x.id) ? false : (seen.add(x.id), true)));
}

function mailboxAccess(
  cause: string,
): 'mailbox_blocked_by_policy' | 'mailbox_no_rights' | 'mailbox_not_enabled' | 'unknown' {
  return cause === 'mailbox_blocked_by_policy' ||
    cause === 'mailbox_no_rights' ||
    cause === 'mailbox_not_enabled'
    ? cause
    : 'unknown';
}

/**
 * The MIME part holding a listed attachment's content: a file of the same name, or the next attached
 * email for an item attachment (its name is its subject, not a file name). Reference attachments are
 * links and have no part. Taken parts are removed, so two files of one name map one to one.
 */
function takeMimePart(parts: MimeAttachment[], a: GraphAttachmentMeta): MimeAttachment | undefined {
  const type = a['@odata.type'].toLowerCase();
  if (type.endsWith('referenceattachment')) return undefined;
  const i = type.endsWith('itemattachment') ? parts.findIndex((p) => p.kind === 'item') : parts.findIndex((p) => p.kind === 'file' && p.name === a.name);
  return i < 0 ? undefined : parts.splice(i, 1)[0];
}

function fromMimePart(a: GraphAttachmentMeta, p: MimeAttachment): StoredAttachment {
  const item = a['@odata.type'].toLowerCase().endsWith('itemattachment');
  const name = a.name || p.name;
  return {
    name: item && !name.endsWith('.eml') ? `${name}.eml` : name,
    contentType: item ? 'message/rfc822' : a.contentType || p.contentType,
    isInline: Boolean(a.isInline),
    kind: item ? 'item' : 'file',
    size: p.size,
    sha256: p.sha256,
  };
}
