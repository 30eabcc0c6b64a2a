import { sql } from 'drizzle-orm';
import { SHA256, type BlobStore } from '../blobs/store.ts';
import { ShaFilter } from '../blobs/sha-filter.ts';
import { rowsOf, type Db } from '../db/client.ts';

/**
 * The orphan sweep (decision 0012): files in the blob store that no document uses — a refused
 * upload's file, the MIME of an email that failed for good, a crash between storing an email and
 * saving its document — are erased once nobody has stored them for `graceMs`.
 *
 * One pass over the documents builds a Bloom filter of every address they use (`ShaFilter`); then
 * the store is read page by page, and an address the filter surely does not hold is erased unless
 * fresh. The grace is what makes that safe while ingestion runs: a document saved after the filter
 * was built refers to files its ingestion stored (or stored again: every `put` counts, even of bytes
 * already there) minutes before, so they are fresh for a day, and a run stops after `maxRunMs`, far
 * inside that day. Reprocessing reuses files without storing them again, but only files its
 * document already uses, which the filter holds.
 */
export interface OrphanSweepDeps {
  readonly db: Db;
  readonly blobs: Pick<BlobStore, 'list' | 'eraseUnlessFresh' | 'eraseStaleTemporaries'>;
}

export interface OrphanSweepOptions {
  /** Where the previous run stopped in the store (`BlobStore.list`'s cursor); none: the start. */
  cursor?: string;
  /** A file stored more recently than this is never erased. */
  graceMs?: number;
  /** The run stops reading the store after this long and says where (`next`). */
  maxRunMs?: number;
  /** Files read from the store at once. */
  pageSize?: number;
  now?: () => number;
}

export interface OrphanSweepResult {
  /** Files read from the store. */
  listed: number;
  /** Files no document uses, erased. */
  erased: number;
  /** Temporary files a crash left (`BlobStore.eraseStaleTemporaries`), erased; at a run from the start. */
  temporaries: number;
  /** Files no document uses, stored within the grace: kept for now. */
  keptFresh: number;
  /** The addresses the documents refer to (repeats counted): what the filter holds. */
  used: number;
  /** Where the store's reading stopped, for the next run; none: the whole store was read. */
  next: string | undefined;
}

export const ORPHAN_SWEEP_DEFAULTS = {
  graceMs: 24 * 3_600_000,
  maxRunMs: 10 * 60_000,
  pageSize: 1_000,
} as const;

/** Documents read at once while the filter is built. */
const DOCUMENTS_PER_READ = 5_000;

export async function sweepOrphanBlobs(
  deps: OrphanSweepDeps,
  options: OrphanSweepOptions = {},
): Promise<OrphanSweepResult> {
  const o = { ...ORPHAN_SWEEP_DEFAULTS, ...options };
  const now = o.now ?? Date.now;
  const deadline = now() + o.maxRunMs;
  const { filter, used } = await usedAddresses(deps.db);
  const result: OrphanSweepResult = {
    listed: 0,
    erased: 0,
    temporaries: o.cursor === undefined ? await deps.blobs.eraseStaleTemporaries(o.graceMs, now()) : 0,
    keptFresh: 0,
    used,
    next: o.cursor,
  };
  do {
    const page = await deps.blobs.list(result.next, o.pageSize);
    for (const sha of page.shas) {
      result.listed++;
      if (filter.has(sha)) continue;
      const outcome = await deps.blobs.eraseUnlessFresh(sha, o.graceMs, now());
      if (outcome === 'erased') result.erased++;
      else if (outcome === 'fresh') result.keptFresh++;
    }
    result.next = page.next;
  } while (result.next !== undefined && now() < deadline);
  return result;
}

/** Every address a document uses (its `.eml`, its attachments' content), in a Bloom filter. */
async function usedAddresses(db: Db): Promise<{ filter: ShaFilter; used: number }> {
  const [count] = rowsOf<{ n: string | number }>(
    await db.execute(sql`select coalesce(sum(1 + jsonb_array_length(attachments)), 0) as n from documents`),
  );
  const filter = new ShaFilter(Number(count?.n ?? 0));
  let used = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = rowsOf<{ id: string; shas: (string | null)[] }>(
      await db.execute(sql`
        select d.id,
               array_prepend(d.eml_sha256,
                 array(select a->>'sha256' from jsonb_array_elements(d.attachments) a)) as shas
          from documents d
         where d.id > ${after}::uuid
         order by d.id
         limit ${DOCUMENTS_PER_READ}`),
    );
    for (const r of rows)
      for (const sha of r.shas)
        if (sha !== null && SHA256.test(sha)) {
          filter.add(sha);
          used++;
        }
    if (rows.length < DOCUMENTS_PER_READ) break;
    after = rows.at(-1)!.id;
  }
  return { filter, used };
}
