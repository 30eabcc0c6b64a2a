import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

/**
 * Where Mailroom keeps the bytes of emails and attachments: content-addressed by their SHA-256, so
 * the same content is stored once, and a document refers to its files by hash (`eml_sha256`,
 * `attachments[].sha256`). Two implementations: `FsBlobStore` (a directory: one machine, or one
 * directory every process mounts) and `AzureBlobStore` (Azure Blob Storage: any number of machines).
 * Decision 0017 says how each keeps the promises below.
 */
export interface BlobStore {
  /** Said in the start line: `fs` or `azure`, and where. Never a secret. */
  readonly description: string;
  /** Stores a stream; with `expectedSize`, a short or long body is an error and nothing is stored. */
  put(source: BlobSource, expectedSize?: number): Promise<BlobRef>;
  /** `put`, and a small blob's bytes (up to `KEEP_BYTES`) come back too, so no one reads it again. */
  putKeeping(source: BlobSource, expectedSize?: number): Promise<{ ref: BlobRef; content: Buffer | null }>;
  putBuffer(buf: Buffer): Promise<BlobRef>;
  /**
   * The content, streamed. A missing blob is an error on the stream (before its first byte), as a
   * missing file is on a file's read stream.
   */
  open(sha256: string): Readable;
  exists(sha256: string): Promise<boolean>;
  /**
   * Erases a blob no document references any more (retention, decision 0012), unless it was stored
   * less than `graceMs` before `now`: every `put` counts as storing it again, even of bytes already
   * there, so an ingestion about to reference the same bytes keeps them.
   */
  eraseUnlessFresh(sha256: string, graceMs: number, now?: number): Promise<EraseOutcome>;
  /**
   * A page of the blobs stored (their SHA-256, temporary files left out), from `cursor` (none: the
   * first page), and the cursor of the next page (none: this was the last). For the orphan sweep.
   */
  list(cursor: string | undefined, limit: number): Promise<{ shas: string[]; next: string | undefined }>;
  /**
   * Erases the temporary files a crash left behind (a write that never reached its address), once
   * untouched for `graceMs`: a write in progress touches its file as it goes. Returns how many.
   */
  eraseStaleTemporaries(graceMs: number, now?: number): Promise<number>;
}

export type BlobSource = Readable | AsyncIterable<Uint8Array>;

export interface BlobRef {
  sha256: string;
  size: number;
}

export type EraseOutcome = 'erased' | 'fresh' | 'missing';

export class BlobSizeMismatch extends Error {}

/** Blobs up to this size are gathered in memory and stored in one call (see `gatherSmall`). */
export const KEEP_BYTES = 1024 * 1024;

export const SHA256 = /^[0-9a-f]{64}$/;

/** A blob's address as a relative path, the same in both stores: `ab/cd/abcd…`. */
export function blobKey(sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error('not a sha256');
  return `${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

export function sizeMismatch(expected: number, received: number): BlobSizeMismatch {
  return new BlobSizeMismatch(`expected ${expected} bytes, received ${received}`);
}

/**
 * Reads `source` into memory while it stays within `KEEP_BYTES` (and within `expectedSize`, when
 * announced). Small: the whole content, its size checked, and its hash. Larger: a stream of the
 * same bytes (the chunks already read, then the rest), for the store's streaming path.
 */
export async function gatherSmall(
  source: BlobSource,
  expectedSize: number | undefined,
): Promise<{ small: { content: Buffer; sha256: string } } | { large: AsyncIterable<Uint8Array> }> {
  if (expectedSize !== undefined && expectedSize > KEEP_BYTES) return { large: source };
  const it = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const next = await it.next();
    if (next.done) break;
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    chunks.push(chunk);
    size += chunk.length;
    if (size > KEEP_BYTES) {
      // Larger than announced, or not announced: the rest streams.
      const rest = (async function* () {
        yield* chunks;
        for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
      })();
      return { large: rest };
    }
  }
  if (expectedSize !== undefined && size !== expectedSize) throw sizeMismatch(expectedSize, size);
  const content = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  return { small: { content, sha256: createHash('sha256').update(content).digest('hex') } };
}
