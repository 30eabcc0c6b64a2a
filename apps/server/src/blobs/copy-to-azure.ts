import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BlobHashMismatch, type AzureBlobStore } from './azure-store.ts';
import { BlobSizeMismatch } from './store.ts';

/**
 * Copies a file blob store (`<dir>/ab/cd/<sha256>`) into Azure Blob Storage, once, when an
 * installation moves to `BLOB_STORE=azure` (decision 0017). Idempotent and resumable: a blob Azure
 * already holds with the same size is left as it is (its name is its hash, and the Azure store makes
 * a blob visible only once its hash was checked), so a run stopped halfway is simply run again.
 * Verified: each file is hashed while it is uploaded and committed only if its SHA-256 is its name;
 * a file that is not (a damaged disk) is reported and not copied. With `verify`, files Azure already
 * holds are read again and checked against their name and the MD5 Azure keeps.
 */
export interface CopyOptions {
  /** Files copied at once. */
  concurrency?: number;
  /** Also re-read the files Azure already holds, and compare. */
  verify?: boolean;
  /** Stops starting new files (a resumed run goes on from what is there). */
  signal?: AbortSignal;
  /** After each file, with the totals so far. */
  onProgress?: (progress: CopyProgress) => void;
}

export interface CopyProgress {
  /** Blob files found so far (everything under `ab/cd/` named by its SHA-256). */
  found: number;
  copied: number;
  /** Already in Azure with the same size (and, with `verify`, the same content). */
  alreadyThere: number;
  copiedBytes: number;
  /** Files whose content does not hash to their name: not copied. */
  damaged: string[];
  /** Files that could not be copied (Azure or disk errors): run again. */
  failed: { sha256: string; error: string }[];
  /** Files in the directory that are not blobs (temporary files of interrupted writes, strays). */
  ignored: number;
  /** The run stopped on its signal before every file was looked at. */
  stopped: boolean;
}

const SHA256 = /^[0-9a-f]{64}$/;

export async function copyFsStoreToAzure(
  dir: string,
  to: AzureBlobStore,
  options: CopyOptions = {},
): Promise<CopyProgress> {
  const concurrency = options.concurrency ?? 8;
  const progress: CopyProgress = {
    found: 0,
    copied: 0,
    alreadyThere: 0,
    copiedBytes: 0,
    damaged: [],
    failed: [],
    ignored: 0,
    stopped: false,
  };
  // One walk shared by the workers: the directory is read as it goes, never listed whole in memory
  // (a store holds millions of files).
  const blobs = walkBlobs(dir, progress);
  const worker = async () => {
    for (;;) {
      if (options.signal?.aborted) {
        progress.stopped = true;
        return;
      }
      const next = await blobs.next();
      if (next.done) return;
      const sha256 = next.value;
      try {
        await copyOne(dir, sha256, to, progress, options.verify ?? false);
      } catch (err) {
        if (err instanceof BlobHashMismatch || err instanceof BlobSizeMismatch) progress.damaged.push(sha256);
        else progress.failed.push({ sha256, error: err instanceof Error ? err.message : String(err) });
      }
      options.onProgress?.(progress);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return progress;
}

async function copyOne(
  dir: string,
  sha256: string,
  to: AzureBlobStore,
  progress: CopyProgress,
  verify: boolean,
): Promise<void> {
  const file = path.join(dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  const { size } = await stat(file);
  const there = await to.properties(sha256);
  if (there && there.size === size) {
    if (!verify) {
      progress.alreadyThere++;
      return;
    }
    const local = await hashFile(file);
    if (local.sha256 !== sha256)
      throw new BlobHashMismatch(`content named ${sha256} hashes to ${local.sha256}`);
    if (there.md5?.equals(local.md5)) {
      progress.alreadyThere++;
      return;
    }
    // Azure holds something else under this name (or no MD5 to tell): it is stored again below.
  }
  await to.putKnown(sha256, createReadStream(file), size);
  progress.copied++;
  progress.copiedBytes += size;
}

async function hashFile(file: string): Promise<{ sha256: string; md5: Buffer }> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  await pipeline(createReadStream(file), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      sha.update(chunk);
      md5.update(chunk);
    }
  });
  return { sha256: sha.digest('hex'), md5: md5.digest() };
}

/**
 * The blobs of a file store (`ab/cd/<sha256>`), in order, one directory at a time; every other file
 * (`tmp/`, strays) counted as ignored. Generators run one step at a time, so workers may share it.
 */
async function* walkBlobs(dir: string, progress: CopyProgress): AsyncGenerator<string> {
  const entries = async (d: string) =>
    (await readdir(d, { withFileTypes: true })).sort((x, y) => (x.name < y.name ? -1 : 1));
  for (const a of await entries(dir)) {
    if (!a.isDirectory() || !/^[0-9a-f]{2}$/.test(a.name)) {
      progress.ignored += a.isDirectory() ? await countFiles(path.join(dir, a.name)) : 1;
      continue;
    }
    for (const b of await entries(path.join(dir, a.name))) {
      if (!b.isDirectory() || !/^[0-9a-f]{2}$/.test(b.name)) {
        progress.ignored += b.isDirectory() ? await countFiles(path.join(dir, a.name, b.name)) : 1;
        continue;
      }
      for (const f of await entries(path.join(dir, a.name, b.name))) {
        if (f.isFile() && SHA256.test(f.name) && f.name.startsWith(a.name + b.name)) {
          progress.found++;
          yield f.name;
        } else progress.ignored++;
      }
    }
  }
}

async function countFiles(dir: string): Promise<number> {
  const all = await readdir(dir, { recursive: true, withFileTypes: true });
  return all.filter((e) => e.isFile()).length;
}
