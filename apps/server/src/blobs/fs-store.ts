import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  blobKey,
  gatherSmall,
  SHA256,
  sizeMismatch,
  type BlobRef,
  type BlobSource,
  type BlobStore,
  type EraseOutcome,
} from './store.ts';

export { BlobSizeMismatch, type BlobRef } from './store.ts';

/**
 * Emails and their attachments are for Mailroom's eyes only, whatever the umask and however the data
 * directory was made (an operator's `mkdir` gives 0755, and blobs were then 0644 to every local user).
 * A umask can only take bits away, so these modes hold under any umask.
 */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/**
 * Content-addressed blobs on the filesystem (`<dir>/ab/cd/<sha256>`). Writes stream through a hash
 * into a temporary file that is renamed into place, so a crash never leaves a partial blob under a
 * real address, and the same content is stored once.
 */
export class FsBlobStore implements BlobStore {
  readonly dir: string;
  readonly description: string;
  /** Directories known to exist: every file-system call counts at thousands of blobs a second. */
  private readonly made = new Set<string>();
  constructor(dir: string) {
    this.dir = dir;
    this.description = `fs ${dir}`;
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.made.has(dir)) return;
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    this.made.add(dir);
  }

  pathOf(sha256: string): string {
    return path.join(this.dir, blobKey(sha256));
  }

  /** Stores a stream; with `expectedSize`, a short or long body is an error and nothing is stored. */
  async put(source: BlobSource, expectedSize?: number): Promise<BlobRef> {
    return (await this.putKeeping(source, expectedSize)).ref;
  }

  /**
   * `put`, and a small blob's bytes come back too, so that whoever reads it next (the MIME parser)
   * does not open the file again. Up to `KEEP_BYTES` the content is gathered in memory and written in
   * one call: each file-system call is a round trip to libuv's thread pool, and the chunk-by-chunk
   * write stream plus the read back made about a dozen of them per email (a fifth of the ingestion's
   * CPU in the throughput benchmark). Larger bodies stream through a temporary file as before.
   */
  async putKeeping(
    source: BlobSource,
    expectedSize?: number,
  ): Promise<{ ref: BlobRef; content: Buffer | null }> {
    const gathered = await gatherSmall(source, expectedSize);
    if ('large' in gathered)
      return { ref: await this.putStream(gathered.large, expectedSize), content: null };
    const { content, sha256 } = gathered.small;
    await this.place(async (tmp) => {
      await writeFile(tmp, content, { mode: FILE_MODE });
      return sha256;
    });
    return { ref: { sha256, size: content.length }, content };
  }

  private async putStream(source: BlobSource, expectedSize?: number): Promise<BlobRef> {
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const sha256 = await this.place(async (tmp) => {
      await pipeline(source, meter, createWriteStream(tmp, { mode: FILE_MODE }));
      if (expectedSize !== undefined && size !== expectedSize) {
        throw sizeMismatch(expectedSize, size);
      }
      return hash.digest('hex');
    });
    return { sha256, size };
  }

  /**
   * Writes a blob into a temporary file (`write`, which returns its sha256: a streamed blob's is
   * only known once written), then renames it to that address, so that a crash never leaves a
   * partial blob under a real address. Returns the address.
   */
  private async place(write: (tmp: string) => Promise<string>): Promise<string> {
    const tmpDir = path.join(this.dir, 'tmp');
    await this.ensureDir(tmpDir);
    const tmp = path.join(tmpDir, randomUUID());
    let placed = false;
    try {
      const sha256 = await write(tmp);
      const final = this.pathOf(sha256);
      // Renamed first, its directory made only when missing: with 65,536 directories, asking for
      // the directory before every blob was one more file-system call per blob for a long time.
      await rename(tmp, final).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        await mkdir(path.dirname(final), { recursive: true, mode: DIR_MODE });
        await rename(tmp, final);
      });
      placed = true;
      return sha256;
    } catch (err) {
      // A directory removed behind our back (a restore, a clean-up) is made again on the retry.
      this.made.clear();
      throw err;
    } finally {
      if (!placed) await rm(tmp, { force: true });
    }
  }

  async putBuffer(buf: Buffer): Promise<BlobRef> {
    return this.put(
      (async function* () {
        yield buf;
      })(),
    );
  }

  /**
   * Erases a blob that no document references any more (retention, `documents/retention.ts`), unless
   * its file was written less than `graceMs` ago. Answers what happened.
   *
   * The race this guards against: ingestion stores an email's bytes (`put`) a moment before the
   * transaction that saves the document referencing them commits. Retention, meanwhile, may erase
   * the last *old* document with the same bytes, find no reference, and delete the file — and the
   * new document would point at nothing. Every `put` writes a temporary file and renames it over the
   * address, even when the same bytes are already there, so a file's mtime is the time of its last
   * `put`: the "touch" that says someone is about to reference it. Retention deletes only files
   * older than the grace (an hour, far longer than an ingestion attempt may run: `message.ingest`
   * expires after 15 minutes), so a referencing document commits before its blob may go.
   *
   * The file is first renamed away (atomic), then its mtime read: a `put` landing between a check
   * and a delete would otherwise lose its fresh file. If the file moved away turns out fresh it is put
   * back — whatever sits at the address by then has the same bytes, since the address is their hash.
   */
  async eraseUnlessFresh(sha256: string, graceMs: number, now = Date.now()): Promise<EraseOutcome> {
    const file = this.pathOf(sha256);
    const tmpDir = path.join(this.dir, 'tmp');
    await this.ensureDir(tmpDir);
    const doomed = path.join(tmpDir, `erase-${randomUUID()}`);
    try {
      await rename(file, doomed);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw err;
    }
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(doomed)).mtimeMs;
    } catch (err) {
      await rename(doomed, file);
      throw err;
    }
    if (now - mtimeMs < graceMs) {
      await rename(doomed, file);
      return 'fresh';
    }
    await rm(doomed, { force: true });
    return 'erased';
  }

  async exists(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(
      () => true,
      () => false,
    );
  }

  open(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }

  /**
   * The files of `tmp/`: a write's file before its rename, or a blob renamed away to be erased. A
   * rename changes a file's ctime and a write its mtime, so the later of the two says when anyone
   * last touched it.
   */
  async eraseStaleTemporaries(graceMs: number, now = Date.now()): Promise<number> {
    const tmpDir = path.join(this.dir, 'tmp');
    let erased = 0;
    for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
      const file = path.join(tmpDir, name);
      const st = await stat(file).catch(() => undefined);
      if (!st?.isFile() || now - Math.max(st.mtimeMs, st.ctimeMs) < graceMs) continue;
      await rm(file, { force: true });
      erased++;
    }
    return erased;
  }

  /**
   * In address order (`ab/cd/abcd…`); the cursor is the last address given, so a page starts after it
   * and no directory before it is read again.
   */
  async list(
    cursor: string | undefined,
    limit: number,
  ): Promise<{ shas: string[]; next: string | undefined }> {
    const after = cursor ?? '';
    const shas: string[] = [];
    const names = async (dir: string, pattern: RegExp) =>
      (await readdir(dir).catch(() => [] as string[])).filter((n) => pattern.test(n)).sort();
    for (const top of await names(this.dir, HEX2)) {
      if (top < after.slice(0, 2)) continue;
      for (const mid of await names(path.join(this.dir, top), HEX2)) {
        if (top + mid < after.slice(0, 4)) continue;
        for (const sha of await names(path.join(this.dir, top, mid), SHA256)) {
          if (sha <= after || !sha.startsWith(top + mid)) continue;
          shas.push(sha);
          if (shas.length === limit) return { shas, next: sha };
        }
      }
    }
    return { shas, next: undefined };
  }
}

const HEX2 = /^[0-9a-f]{2}$/;
