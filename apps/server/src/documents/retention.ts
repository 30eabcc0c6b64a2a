import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { SHA256, type BlobStore } from '../blobs/store.ts';
import { rowsOf, type Db } from '../db/client.ts';
import { uuidArray } from '../db/sql-arrays.ts';
import { auditLog, documents, mailMessages, webhookDeliveries } from '../db/schema/index.ts';
import type { StoredAttachment } from '../db/schema/mail.ts';

/**
 * Retention (issue 21 §4, decision 0012): documents older than their workspace's `retention_days` (by
 * when the email was received) are erased — the row with its history, outflow runs, webhook
 * deliveries and outbox events, the content kept on its work item (the subject), and its `.eml` and
 * attachment files once no other document uses them. The work item row itself stays, `done`: it is
 * what stops a full delta resync from ingesting the same email again (decision 0005). Each erased
 * document leaves one audit line with the fact, never its subject, sender or anything else it held.
 *
 * Erasing runs in small transactions (`batchSize` documents each) with a pause between them, so that
 * ingestion, which shares the database (and on PGlite its one connection), is never held up for long.
 */
export interface RetentionDeps {
  readonly db: Db;
  readonly blobs: Pick<BlobStore, 'eraseUnlessFresh'>;
  readonly logger: Logger;
  readonly now: () => Date;
}

export interface RetentionOptions {
  /** Documents erased per transaction. */
  batchSize?: number;
  /** Documents gathered at once; they share one look for other documents using their files. */
  roundSize?: number;
  /** Pause between two transactions, for the rest of the product's queries. */
  pauseMs?: number;
  /** A run stops starting batches after this long; the next run goes on where it stopped. */
  maxRunMs?: number;
  /** A blob stored more recently than this is never erased (see `BlobStore.eraseUnlessFresh`). */
  blobGraceMs?: number;
}

export interface RetentionResult {
  /** Documents erased. */
  documents: number;
  /** Files deleted from the blob store. */
  blobsErased: number;
  /** Files no document uses but written within the grace: left for ingestion (see decision 0012). */
  blobsKeptFresh: number;
  /** The run stopped on its time budget with expired documents left. */
  more: boolean;
}

export const RETENTION_DEFAULTS = {
  batchSize: 200,
  roundSize: 2_000,
  pauseMs: 25,
  maxRunMs: 4 * 60_000,
  blobGraceMs: 60 * 60_000,
} as const satisfies Required<RetentionOptions>;

interface Expired {
  id: string;
  workspaceId: string;
  retentionDays: number;
  /** The blobs it uses: its `.eml` and its attachments' content. */
  shas: string[];
}

const textArray = (values: readonly string[]) => sql`${`{${values.join(',')}}`}::text[]`;

/** Erases what retention says must go. Safe to run at any time, and again after a crash. */
export async function eraseExpiredDocuments(
  deps: RetentionDeps,
  options: RetentionOptions = {},
): Promise<RetentionResult> {
  const o = { ...RETENTION_DEFAULTS, ...options };
  const started = Date.now();
  const result: RetentionResult = { documents: 0, blobsErased: 0, blobsKeptFresh: 0, more: false };
  for (;;) {
    const round = await expiredDocuments(deps.db, deps.now(), o.roundSize);
    if (!round.length) break;
    // Blobs are shared by every document with the same bytes, whatever its workspace. One look over
    // the documents for this round's blobs, then each file goes with the last round document using
    // it, unless a document outside the round uses it too.
    const inRound = new Set(round.map((d) => d.id));
    const usedElsewhere = await blobsUsedBy(deps.db, [...new Set(round.flatMap((d) => d.shas))], inRound);
    const usesLeft = new Map<string, number>();
    for (const d of round) for (const sha of d.shas) usesLeft.set(sha, (usesLeft.get(sha) ?? 0) + 1);

    for (let i = 0; i < round.length; i += o.batchSize) {
      if (Date.now() - started > o.maxRunMs) {
        result.more = true;
        return result;
      }
      const batch = round.slice(i, i + o.batchSize);
      const unused: string[] = [];
      for (const d of batch) {
        for (const sha of d.shas) {
          const left = usesLeft.get(sha)! - 1;
          usesLeft.set(sha, left);
          if (left === 0 && !usedElsewhere.has(sha)) unused.push(sha);
        }
      }
      const done = await eraseBatch(deps, batch, unused, o.blobGraceMs);
      result.documents += done.documents;
      result.blobsErased += done.blobsErased;
      result.blobsKeptFresh += done.blobsKeptFresh;
      await sleep(o.pauseMs);
    }
    if (round.length < o.roundSize) break;
  }
  return result;
}

/**
 * Up to `limit` documents past their workspace's retention, oldest first within a workspace. One
 * statement; per workspace an index range (`documents_workspace_time_idx`).
 */
async function expiredDocuments(db: Db, now: Date, limit: number): Promise<Expired[]> {
  const rows = rowsOf<{
    id: string;
    workspace_id: string;
    retention_days: number;
    eml_sha256: string;
    attachments: StoredAttachment[];
  }>(
    await db.execute(sql`
      select d.id, d.workspace_id, w.retention_days, d.eml_sha256, d.attachments
        from workspaces w
        cross join lateral (
          select id, workspace_id, eml_sha256, attachments
            from documents
           where workspace_id = w.id
             and received_at < ${now.toISOString()}::timestamptz - make_interval(days => w.retention_days)
           order by received_at, id
           limit ${limit}
        ) d
       limit ${limit}`),
  );
  return rows.map((r) => ({
    id: r.id,
    workspaceId: r.workspace_id,
    retentionDays: Number(r.retention_days),
    // Only what can be a blob's address (a reference attachment is a link, with no file).
    shas: [...new Set([r.eml_sha256, ...r.attachments.map((a) => a.sha256)])].filter(
      (sha): sha is string => typeof sha === 'string' && SHA256.test(sha),
    ),
  }));
}

/** Of `shas`, those a document other than `except` uses (as its `.eml` or an attachment). */
async function blobsUsedBy(db: Db, shas: string[], except: Set<string>): Promise<Set<string>> {
  if (!shas.length) return new Set();
  // One pass over the documents (a blob may be shared across workspaces), the wanted addresses
  // hashed: the round's own documents come back too and are left out here.
  const rows = rowsOf<{ sha: string; id: string }>(
    await db.execute(sql`
      select x.sha, d.id
        from documents d
        cross join lateral (
          select d.eml_sha256 as sha
          union all
          select a->>'sha256' from jsonb_array_elements(d.attachments) a
        ) x
       where x.sha in (select unnest(${textArray(shas)}))`),
  );
  return new Set(rows.filter((r) => !except.has(r.id)).map((r) => r.sha));
}

/**
 * One transaction: the documents' outbox events (a document event's id is its history line's),
 * webhook deliveries, the rows themselves (history and outflow runs go by
 * cascade), the subject kept on their work items, one audit line each; then, last before the commit,
 * the files no document uses any more. A failing statement deletes no file; a commit failing after
 * the files went leaves documents past retention without files, which the next run erases.
 */
async function eraseBatch(
  deps: RetentionDeps,
  batch: Expired[],
  unusedShas: string[],
  graceMs: number,
): Promise<{ documents: number; blobsErased: number; blobsKeptFresh: number }> {
  const ids = batch.map((d) => d.id);
  const retentionOf = new Map(batch.map((d) => [d.id, d.retentionDays]));
  return deps.db.transaction(async (tx) => {
    await tx.execute(sql`
      delete from events
       where id in (select id from document_history where document_id = any(${uuidArray(ids)}))`);
    await tx.delete(webhookDeliveries).where(sql`${webhookDeliveries.documentId} = any(${uuidArray(ids)})`);
    const gone = await tx
      .delete(documents)
      .where(sql`${documents.id} = any(${uuidArray(ids)})`)
      .returning({ id: documents.id, workspaceId: documents.workspaceId, messageId: documents.messageId });
    if (gone.length) {
      // The work item stays (`done`: a resync does not ingest the email again); its content goes.
      await tx
        .update(mailMessages)
        .set({ subject: null })
        .where(
          sql`${mailMessages.id} = any(${uuidArray(gone.flatMap((d) => (d.messageId ? [d.messageId] : [])))})`,
        );
      await tx.insert(auditLog).values(
        gone.map((d) => ({
          workspaceId: d.workspaceId,
          actorUserId: null,
          actorEmail: null,
          action: 'document.erased',
          targetType: 'document',
          targetId: d.id,
          // The fact only: which document, and why. Nothing it contained.
          details: { reason: 'retention', retentionDays: retentionOf.get(d.id) },
        })),
      );
    }
    let blobsErased = 0;
    let blobsKeptFresh = 0;
    // The same clock as the documents' expiry (tests move it; on Azure the grace is checked by Azure).
    const now = deps.now().getTime();
    for (const sha of unusedShas) {
      const outcome = await deps.blobs.eraseUnlessFresh(sha, graceMs, now);
      if (outcome === 'erased') blobsErased++;
      else if (outcome === 'fresh') blobsKeptFresh++;
    }
    return { documents: gone.length, blobsErased, blobsKeptFresh };
  });
}
