import { Readable } from 'node:stream';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { BlobRef } from '../blobs/store.ts';
import { withoutQuery } from '../db/client.ts';
import {
  documents,
  inboxes,
  mailboxes,
  mailMessages,
  monitoredFolders,
  type StoredAttachment,
} from '../db/schema/index.ts';
import type { InflowDecision } from '../core/inflow-rules.ts';
import { documentRow } from '../documents/document-row.ts';
import { recordIngested, type InflowRouter } from '../documents/inflow.ts';
import { asError } from '../lib/errors.ts';
import { inWaves } from '../lib/waves.ts';
import { withTimeout } from '../lib/with-timeout.ts';
import { pgText } from '../lib/pg-text.ts';
import { classify, isAccessSignal } from '../microsoft/classify.ts';
import { GraphApiError } from '../microsoft/graph.ts';
import type { GraphAttachmentMeta } from '../microsoft/mail-client.ts';
import { documentsCreated, ingestionLatencySeconds } from '../metrics/registry.ts';
import type { SyncDeps } from './deps.ts';
import {
  MAX_KEPT_ATTACHMENTS,
  MimeUnreadableError,
  readMimeSummary,
  storedAttachmentOf,
  type MimeAttachment,
  type MimeSummary,
} from './mime-summary.ts';

/**
 * Reading one message (its MIME, attachments Graph must send, the inflow decision) ends within this,
 * or the attempt fails with the reason: under the job's 900 s expiry, so that a stall is recorded on
 * the message (and retried, then shown as failed with Retry) instead of expiring unseen.
 */
export const INGEST_MESSAGE_TIMEOUT_MS = 600_000;

/**
 * A fetch's documents ready within this of the first are saved in one transaction (lib/waves.ts). It
 * was 250 ms: every document of a hot mailbox waited that long for batch-mates (Mailroom's own time
 * p50 ≈ 300 ms at 20 emails a second; issue 22 §2.4). A backfill's fetches still save in a few
 * transactions rather than one per message (bench/README.md).
 */
const SAVE_WAVE_MS = 50;

/** A message whose reading did not end in time. */
class IngestStalledError extends Error {}

/**
 * Ingestion (decision 0005): each recorded message becomes one document, unique on its work item,
 * in a retried, idempotent job. The MIME and attachments go to the blob store first; the document,
 * its history and events and the work item's `done` are written in one transaction.
 */
export class Ingestion {
  private readonly d: SyncDeps;
  private readonly inflow: InflowRouter;
  constructor(deps: SyncDeps, inflow: InflowRouter) {
    this.d = deps;
    this.inflow = inflow;
  }

  /** Turns one recorded message into one document (see `ingestMany`); throws when it should be retried. */
  async ingest(messageId: string): Promise<IngestOutcome> {
    const [outcome] = await this.ingestMany([messageId]);
    if (outcome instanceof Error) throw outcome;
    return outcome!;
  }

  /**
   * Turns recorded messages into documents, one each: every message's MIME and attachments into the
   * blob store (side by side; the pacer keeps each mailbox's requests in its slots), then the
   * documents, their history and events and the work items' `done` in one transaction per wave (those
   * ready within 50 ms of each other: a slow message no longer holds back the others), then the
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
    // Saved in waves (lib/waves.ts): together when ready together, never held back by a slow one.
    await inWaves(
      ids.map(async (id): Promise<Prepared | undefined> => {
        try {
          const row = byId.get(id);
          const p = row ? await this.prepare(row) : 'gone';
          if (typeof p !== 'string') return p;
          outcomes.set(id, p);
        } catch (err) {
          // A refused token (before the fetch) may mean the connection lost access: probe it soon.
          const row = byId.get(id);
          if (row && isAccessSignal(err)) this.d.accessSignal?.(row.m.connectorId);
          outcomes.set(id, asError(err));
        }
        return undefined;
      }),
      async (ready) => {
        for (const [id, o] of await this.saveAll(ready)) outcomes.set(id, o);
      },
      SAVE_WAVE_MS,
    );
    return messageIds.map((id) => outcomes.get(id)!);
  }

  /** Everything but the database write: the MIME, its attachments, the inflow rule's decision. */
  private async prepare(row: IngestRow): Promise<Prepared | IngestOutcome> {
    const { msg, f, m } = row;
    if (msg.state === 'gone') return 'gone';
    if (msg.state === 'done') {
      if (!msg.markerWritten && f.writeMarker) await this.d.enqueueMarkers(f.id);
      return 'exists';
    }
    const token = await this.d.broker.graphToken(m.connectorId);
    const timeoutMs = this.d.ingestTimeoutMs ?? INGEST_MESSAGE_TIMEOUT_MS;
    try {
      return await withTimeout(this.read(row, token), timeoutMs).catch((err: unknown) => {
        if (err instanceof Error && err.message === `no answer within ${timeoutMs} ms`)
          throw new IngestStalledError(
            `Reading this email did not finish within ${Math.round(timeoutMs / 1000)} s.`,
          );
        throw err;
      });
    } catch (err) {
      // A 401 or 403 on the message may mean the connection lost access: probe it soon (coalesced).
      if (isAccessSignal(err)) this.d.accessSignal?.(m.connectorId);
      // Moved or deleted between the delta page and this fetch: not an error. If it moved into
      // another monitored folder, that folder's round records it there.
      if (err instanceof GraphApiError && err.status === 404 && /itemnotfound/i.test(err.code)) {
        await this.d.db
          .update(mailMessages)
          .set({ state: 'gone', lastError: 'moved or deleted before it could be read' })
          .where(eq(mailMessages.id, msg.id));
        return 'gone';
      }
      // An email the parser cannot read fails the same way every time: shown as failed at once.
      return this.recordFailure(msg.id, msg.attempts, err, err instanceof MimeUnreadableError);
    }
  }

  /** The MIME into blobs with its attachments, matched to Graph's list; the inflow rule's decision. */
  private async read(row: IngestRow, token: string): Promise<Prepared> {
    const { msg, f, m } = row;
    // Listed only when the delta page said so (or did not say: rows recorded before it was asked).
    // Asked for beside the MIME, not after it: one round trip less for an email with attachments
    // (each request holds a slot as long either way). A MIME that fails first leaves it unread.
    const listing =
      msg.hasAttachments !== false
        ? this.d.mail.attachments(token, m.graphUserId, msg.graphMessageId)
        : undefined;
    listing?.catch(() => undefined);
    // The original MIME is the one read of the message itself: headers and bodies come from it.
    const stored = await this.d.mail.stream(
      token,
      m.graphUserId,
      this.d.mail.mimePath(m.graphUserId, msg.graphMessageId),
      (body, length) => this.d.blobs.putKeeping(body, length),
    );
    const eml = stored.ref;
    // The MIME holds the attachments' contents: they are stored as it is read, and Graph's list
    // (names, inline flags, links) is matched to them, so no attachment is downloaded twice.
    // A small MIME is parsed from the bytes just stored; a large one from its file.
    const mime = stored.content ? Readable.from([stored.content]) : this.d.blobs.open(eml.sha256);
    // Parts are stored even when Graph says there are no attachments: it does not count inline
    // ones, and an HTML email whose only attachment is a `cid:` image shows it in its body.
    const summary = await readMimeSummary(mime, { storeAttachment: (content) => this.d.blobs.put(content) });
    const attachments: StoredAttachment[] = [];
    const parts = [...summary.attachments];
    let kept = 0;
    if (listing) {
      const list = await listing;
      for (const a of list.value) {
        const part = takeMimePart(parts, a);
        const stored = part
          ? fromMimePart(a, part)
          : kept >= MAX_KEPT_ATTACHMENTS
            ? notKept(a)
            : await this.storeAttachment(token, m.graphUserId, msg.graphMessageId, a);
        if (stored.sha256) kept++;
        attachments.push(stored);
      }
    }
    // Parts Graph did not list: all of them when it lists none; else the inline images (Graph may
    // name them differently), which the body shows.
    for (const p of parts)
      if (!listing || (p.isInline && p.contentId)) attachments.push(storedAttachmentOf(p));
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
    const now = Date.now();
    for (const p of ready) {
      if (!saved.created.has(p.row.msg.id)) continue;
      documentsCreated.inc();
      if (p.row.msg.receivedAt)
        ingestionLatencySeconds.observe(Math.max(0, now - p.row.msg.receivedAt.getTime()) / 1000);
    }
    // After the commit; a kick lost to a crash here is found by the outflow sweep.
    if (saved.outflowRunIds.length) await this.d.enqueueOutflow?.(saved.outflowRunIds);
    // Markers are written in batches of 20 per folder (one request instead of twenty), where the rule
    // asks for them.
    const marked = new Set(ready.filter((p) => p.row.f.writeMarker).map((p) => p.row.f.id));
    for (const folderId of marked) await this.d.enqueueMarkers(folderId);
    return new Map(ready.map((p) => [p.row.msg.id, saved.created.has(p.row.msg.id) ? 'created' : 'exists']));
  }

  /** The documents, their history, events and outflow intents, and the work items' `done`: one transaction. */
  private async saveDocuments(list: Prepared[]): Promise<{ created: Set<string>; outflowRunIds: string[] }> {
    // Sanitising the bodies is CPU work: done before the transaction holds a connection.
    const values = list.map((p) =>
      documentRow({
        msg: p.row.msg,
        folder: p.row.f,
        mail: p.summary,
        eml: p.eml,
        attachments: p.attachments,
        decision: p.decision,
      }),
    );
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
            doc: {
              id: doc.id,
              version: doc.version,
              workspaceId: f.workspaceId,
              inboxId: decision.inboxId,
              status: decision.status,
            },
            decision,
            origin: { folderId: f.id, folder: f.displayName, mailbox: m.address },
            ...(decision.inboxId === f.inboxId
              ? { outflow: { workspaceId: f.workspaceId, rule: f.outflow, inbox: inboxOutflow } }
              : {}),
          };
        }),
      );
      await tx
        .update(mailMessages)
        .set({ state: 'done', processedAt: sql`now()`, lastError: null })
        .where(
          inArray(
            mailMessages.id,
            list.map((p) => p.row.msg.id),
          ),
        );
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
    const blob = await this.d.mail.stream(
      token,
      mailbox,
      this.d.mail.attachmentPath(mailbox, messageId, a.id),
      (body, length) => this.d.blobs.put(body, length),
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

  /** `permanent`: the same input fails the same way on every attempt, so the message fails now. */
  private async recordFailure(
    id: string,
    attempts: number,
    err: unknown,
    permanent = false,
  ): Promise<'failed'> {
    const n = attempts + 1;
    const cls = classify(withoutQuery(err));
    // The words of our own errors are the reason as they stand (classify would add no cause).
    const reason = pgText(
      err instanceof MimeUnreadableError || err instanceof IngestStalledError
        ? err.message
        : cls.kind === 'problem'
          ? `${cls.cause}: ${cls.detail}`
          : cls.detail,
    ).slice(0, 2000);
    const final = permanent || n >= (this.d.maxIngestAttempts ?? 5);
    await this.d.db
      .update(mailMessages)
      .set({ attempts: n, lastError: reason, ...(final ? { state: 'failed' as const } : {}) })
      .where(eq(mailMessages.id, id));
    this.d.logger.warn({ messageId: id, attempts: n, final, reason }, 'ingestion failed');
    // Not final yet: let the job retry with backoff. Final: stop; the message shows as failed.
    if (!final) throw withoutQuery(err);
    return 'failed';
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

/**
 * The MIME part holding a listed attachment's content: a file of the same name, or the next attached
 * email for an item attachment (its name is its subject, not a file name). Reference attachments are
 * links and have no part. Taken parts are removed, so two files of one name map one to one.
 */
function takeMimePart(parts: MimeAttachment[], a: GraphAttachmentMeta): MimeAttachment | undefined {
  const type = a['@odata.type'].toLowerCase();
  if (type.endsWith('referenceattachment')) return undefined;
  const contentType = (a.contentType ?? '').toLowerCase();
  let i: number;
  if (type.endsWith('itemattachment')) i = parts.findIndex((p) => p.kind === 'item');
  // A message/external-body stub: Graph lists it as a file, the MIME says it is a link.
  else if (contentType === 'message/external-body') i = parts.findIndex((p) => p.kind === 'reference');
  else {
    i = parts.findIndex((p) => p.kind === 'file' && (p.givenName ?? p.name) === a.name);
    // A part without a file name: Graph names it its own way; the next nameless part of its type.
    if (i < 0)
      i = parts.findIndex((p) => p.kind === 'file' && p.givenName === null && p.contentType === contentType);
  }
  return i < 0 ? undefined : parts.splice(i, 1)[0];
}

function fromMimePart(a: GraphAttachmentMeta, p: MimeAttachment): StoredAttachment {
  if (p.kind === 'reference') return storedAttachmentOf(p);
  const item = a['@odata.type'].toLowerCase().endsWith('itemattachment');
  // A nameless part keeps the name made from its type ("attachment.pdf"), not Graph's.
  const name = item || p.givenName !== null ? a.name || p.name : p.name;
  return {
    name: item && !name.endsWith('.eml') ? `${name}.eml` : name,
    contentType: item ? 'message/rfc822' : a.contentType || p.contentType,
    isInline: Boolean(a.isInline) || p.isInline,
    ...(p.contentId ? { contentId: p.contentId } : {}),
    kind: item ? 'item' : 'file',
    ...(p.sha256 ? { size: p.size, sha256: p.sha256 } : { size: a.size ?? 0, notKept: true }),
  };
}

/** An attachment beyond the ones kept (`MAX_KEPT_ATTACHMENTS`): named, not downloaded. */
function notKept(a: GraphAttachmentMeta): StoredAttachment {
  return {
    name: a.name || 'attachment',
    contentType: a.contentType || 'application/octet-stream',
    isInline: Boolean(a.isInline),
    kind: 'file',
    size: a.size ?? 0,
    notKept: true,
  };
}
