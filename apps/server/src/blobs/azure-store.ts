import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  BlobServiceClient,
  isRestError,
  type BlockBlobClient,
  type ContainerClient,
} from '@azure/storage-blob';
import {
  blobKey,
  SHA256,
  gatherSmall,
  sizeMismatch,
  type BlobRef,
  type BlobSource,
  type BlobStore,
  type EraseOutcome,
} from './store.ts';

/** Where the blobs go: the connection string (a secret: never logged) and the container's name. */
export interface AzureBlobSettings {
  readonly connectionString: string;
  readonly container: string;
}

/**
 * A failed call to Azure Blob Storage, in words: the operation, the blob, the status and Azure's
 * error code. Built from the SDK's error without keeping it, so that no request (URL with a SAS
 * token, signed headers) reaches a log through the error's properties or its cause.
 */
export class AzureBlobError extends Error {
  readonly statusCode: number | undefined;
  readonly azureCode: string | undefined;
  constructor(operation: string, err: unknown) {
    const status = isRestError(err) ? err.statusCode : undefined;
    const code = isRestError(err) ? err.code : (err as NodeJS.ErrnoException | undefined)?.code;
    // Azure's message is its first line ("The specified blob does not exist."); the request id and
    // time that follow help no one reading Mailroom's logs.
    const said = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
    const detail = [status, code].filter(Boolean).join(' ');
    super(`Azure Blob Storage: ${operation} failed${detail ? ` (${detail})` : ''}: ${said}`);
    this.statusCode = status;
    this.azureCode = code;
  }
}

/** Content given under a SHA-256 that is not its own (`putKnown`): nothing was stored. */
export class BlobHashMismatch extends Error {}

/** Per block of a streamed upload: the memory one upload holds. */
const DEFAULT_BLOCK_BYTES = 4 * 1024 * 1024;
/**
 * The SDK's retries, with a limit on each try (none by default: a connection that hangs would hold
 * an ingestion forever). The limit runs until Azure's answer starts, a block's upload included.
 */
const RETRIES = { maxTries: 4, tryTimeoutInMs: 60_000, retryDelayInMs: 500, maxRetryDelayInMs: 8_000 };
/** Uploads still being written (committed, before their copy under the hash) live under this prefix. */
export const AZURE_TEMP_PREFIX = 'tmp/';

/**
 * The If-Unmodified-Since of a delete that spares what was stored within the grace. HTTP dates count
 * whole seconds: the limit is rounded down and a second taken off, so a blob stored within the grace
 * is never deleted.
 */
const graceLimit = (now: number, graceMs: number) =>
  new Date(Math.floor((now - graceMs) / 1000) * 1000 - 1000);

const md5 = (b: Buffer) => createHash('md5').update(b).digest();
/** Block ids must all have the same length within a blob. */
const blockId = (n: number) => Buffer.from(`block-${String(n).padStart(6, '0')}`).toString('base64');

/**
 * Content-addressed blobs in one Azure Blob Storage container, under the same names as the file
 * store's paths (`ab/cd/<sha256>`), so that every process on every machine reads what any of them
 * stored. Decision 0017:
 * - Up to `KEEP_BYTES`, the content is gathered, hashed and uploaded in one call under its address
 *   (Put Blob: atomic, with its MD5 checked by Azure).
 * - Larger content streams in blocks (bounded memory) into a temporary blob while its SHA-256 is
 *   computed, each block's MD5 checked by Azure; once the hash is known the temporary blob is
 *   copied server-side to its address (or, when those bytes are there already, that blob is touched)
 *   and deleted. No partial blob ever sits under a real address.
 * - Every `put` rewrites or touches the blob, so its Last-Modified time is its last store, and
 *   retention deletes with `If-Unmodified-Since`: Azure itself refuses to delete a blob stored within
 *   the grace, with no window between a check and the delete.
 */
export class AzureBlobStore implements BlobStore {
  readonly description: string;
  private readonly container: ContainerClient;
  private readonly blockBytes: number;

  constructor(container: ContainerClient, opts: { blockBytes?: number } = {}) {
    this.container = container;
    this.blockBytes = opts.blockBytes ?? DEFAULT_BLOCK_BYTES;
    // The account's address and the container: never the key or a SAS token.
    const url = new URL(container.url);
    this.description = `azure ${url.origin}${url.pathname}`;
  }

  /**
   * The store of `settings`; its container is made when missing. A connection string Azure refuses,
   * or an account that cannot be reached, is an `AzureBlobError` (the boot turns it into one line).
   */
  static async open(
    settings: AzureBlobSettings,
    opts: { blockBytes?: number } = {},
  ): Promise<AzureBlobStore> {
    let container: ContainerClient;
    try {
      container = BlobServiceClient.fromConnectionString(settings.connectionString, {
        retryOptions: RETRIES,
      }).getContainerClient(settings.container);
    } catch (err) {
      // The SDK's message says which part of the string is wrong; the string itself is not repeated.
      throw new AzureBlobError('reading AZURE_STORAGE_CONNECTION_STRING', err);
    }
    try {
      await container.createIfNotExists();
    } catch (err) {
      // A SAS scoped to the container may neither create it nor read its properties, yet read and
      // write its blobs: reading a blob that is not there proves the container and the access (a GET:
      // the answer to a HEAD may not say whether the blob or the container is missing).
      const probe = await container
        .getBlobClient(`${AZURE_TEMP_PREFIX}access-check`)
        .download(0, 1)
        .then(
          () => undefined,
          (e: unknown) =>
            isRestError(e) && e.statusCode === 404 && e.code === 'BlobNotFound' ? undefined : e,
        );
      if (probe !== undefined) {
        const missing = isRestError(probe) && probe.code === 'ContainerNotFound';
        throw new AzureBlobError(`opening container ${settings.container}`, missing ? probe : err);
      }
    }
    return new AzureBlobStore(container, opts);
  }

  private blob(sha256: string): BlockBlobClient {
    return this.container.getBlockBlobClient(blobKey(sha256));
  }

  async put(source: BlobSource, expectedSize?: number): Promise<BlobRef> {
    return (await this.putKeeping(source, expectedSize)).ref;
  }

  async putKeeping(
    source: BlobSource,
    expectedSize?: number,
  ): Promise<{ ref: BlobRef; content: Buffer | null }> {
    const gathered = await gatherSmall(source, expectedSize);
    if ('large' in gathered) return { ref: await this.putLarge(gathered.large, expectedSize), content: null };
    const { content, sha256 } = gathered.small;
    const hash = md5(content);
    try {
      await this.blob(sha256).upload(content, content.length, {
        transactionalContentMD5: hash,
        blobHTTPHeaders: { blobContentType: 'application/octet-stream', blobContentMD5: hash },
      });
    } catch (err) {
      throw new AzureBlobError(`storing ${sha256}`, err);
    }
    return { ref: { sha256, size: content.length }, content };
  }

  async putBuffer(buf: Buffer): Promise<BlobRef> {
    return this.put(Readable.from([buf]));
  }

  /**
   * Stores content whose hash the caller knows already (the copy from a file store): streamed in
   * blocks straight under its address, the hash computed on the way, and committed only if it is
   * `sha256` and the size is `size` — otherwise nothing becomes visible (Azure discards uncommitted
   * blocks after a week).
   */
  async putKnown(sha256: string, source: BlobSource, size: number): Promise<void> {
    const target = this.blob(sha256);
    const staged = await this.stageBlocks(target, source, `storing ${sha256}`);
    if (staged.size !== size) throw sizeMismatch(size, staged.size);
    if (staged.sha256 !== sha256)
      throw new BlobHashMismatch(`content named ${sha256} hashes to ${staged.sha256}`);
    await this.commit(target, staged, `storing ${sha256}`);
  }

  /** The blob's size and the MD5 Azure keeps for it, or null when there is no such blob. */
  async properties(sha256: string): Promise<{ size: number; md5: Buffer | null } | null> {
    try {
      const p = await this.blob(sha256).getProperties();
      return { size: p.contentLength ?? 0, md5: p.contentMD5 ? Buffer.from(p.contentMD5) : null };
    } catch (err) {
      if (isRestError(err) && err.statusCode === 404) return null;
      throw new AzureBlobError(`reading the properties of ${sha256}`, err);
    }
  }

  private async putLarge(source: AsyncIterable<Uint8Array>, expectedSize?: number): Promise<BlobRef> {
    const temp = this.container.getBlockBlobClient(`${AZURE_TEMP_PREFIX}${randomUUID()}`);
    const staged = await this.stageBlocks(temp, source, 'storing a streamed blob');
    if (expectedSize !== undefined && staged.size !== expectedSize)
      throw sizeMismatch(expectedSize, staged.size);
    const { sha256 } = staged;
    const target = this.blob(sha256);
    try {
      await this.commit(temp, staged, `storing ${sha256}`);
      // The same bytes may be there already (the same attachment in another email): then a write
      // of the blob's metadata is the "store" that retention's grace counts from, and no copy runs.
      const touched = await target.setMetadata({}).then(
        () => true,
        (err: unknown) => {
          if (isRestError(err) && err.statusCode === 404) return false;
          throw new AzureBlobError(`storing ${sha256}`, err);
        },
      );
      if (!touched) {
        try {
          const copy = await target.beginCopyFromURL(temp.url);
          const done = await copy.pollUntilDone();
          if (done.copyStatus !== 'success')
            throw new Error(`the copy ended ${done.copyStatus ?? 'unknown'}`);
        } catch (err) {
          throw err instanceof AzureBlobError ? err : new AzureBlobError(`storing ${sha256}`, err);
        }
      }
    } finally {
      // A temporary blob left by a crash just before this line is harmless (decision 0017).
      await temp.deleteIfExists().catch(() => undefined);
    }
    return { sha256, size: staged.size };
  }

  /**
   * Streams `source` into uncommitted blocks of `target`, `blockBytes` at a time, each with its MD5
   * for Azure to check; the whole content's SHA-256 and MD5 computed on the way.
   */
  private async stageBlocks(
    target: BlockBlobClient,
    source: AsyncIterable<Uint8Array>,
    operation: string,
  ): Promise<{ ids: string[]; size: number; sha256: string; md5: Buffer }> {
    const sha = createHash('sha256');
    const whole = createHash('md5');
    const ids: string[] = [];
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let size = 0;
    const stage = async (block: Buffer) => {
      const id = blockId(ids.length);
      try {
        await target.stageBlock(id, block, block.length, { transactionalContentMD5: md5(block) });
      } catch (err) {
        throw new AzureBlobError(operation, err);
      }
      ids.push(id);
    };
    for await (const chunk of source) {
      const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      sha.update(b);
      whole.update(b);
      size += b.length;
      pending.push(b);
      pendingBytes += b.length;
      while (pendingBytes >= this.blockBytes) {
        const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        await stage(all.subarray(0, this.blockBytes));
        const rest = all.subarray(this.blockBytes);
        pending = rest.length ? [rest] : [];
        pendingBytes = rest.length;
      }
    }
    if (pendingBytes || !ids.length) await stage(Buffer.concat(pending, pendingBytes));
    return { ids, size, sha256: sha.digest('hex'), md5: whole.digest() };
  }

  private async commit(
    target: BlockBlobClient,
    staged: { ids: string[]; md5: Buffer },
    operation: string,
  ): Promise<void> {
    try {
      await target.commitBlockList(staged.ids, {
        blobHTTPHeaders: { blobContentType: 'application/octet-stream', blobContentMD5: staged.md5 },
      });
    } catch (err) {
      throw new AzureBlobError(operation, err);
    }
  }

  /**
   * Deletes the blob only if Azure has not seen it stored since `now - graceMs` (If-Unmodified-Since:
   * Azure checks and deletes in one step; see `graceLimit`).
   */
  async eraseUnlessFresh(sha256: string, graceMs: number, now = Date.now()): Promise<EraseOutcome> {
    const limit = graceLimit(now, graceMs);
    try {
      await this.blob(sha256).delete({ conditions: { ifUnmodifiedSince: limit } });
      return 'erased';
    } catch (err) {
      if (isRestError(err) && err.statusCode === 404) return 'missing';
      if (isRestError(err) && err.statusCode === 412) return 'fresh';
      throw new AzureBlobError(`erasing ${sha256}`, err);
    }
  }

  /**
   * In Azure's order (the names, `ab/cd/abcd…`), with Azure's continuation token as the cursor.
   * Needs the list permission: a SAS without it is refused (403), and the error says so.
   */
  async list(
    cursor: string | undefined,
    limit: number,
  ): Promise<{ shas: string[]; next: string | undefined }> {
    try {
      const pages = this.container
        .listBlobsFlat()
        .byPage({ maxPageSize: limit, ...(cursor ? { continuationToken: cursor } : {}) });
      const page = (await pages.next()).value as
        { segment: { blobItems: { name: string }[] }; continuationToken?: string } | undefined;
      // Blobs under their address only: temporary blobs (`AZURE_TEMP_PREFIX`) are not content.
      const shas = (page?.segment.blobItems ?? []).flatMap((b) => {
        const sha = b.name.slice(b.name.lastIndexOf('/') + 1);
        return SHA256.test(sha) && b.name === blobKey(sha) ? [sha] : [];
      });
      return { shas, next: page?.continuationToken || undefined };
    } catch (err) {
      throw new AzureBlobError('listing the blobs', err);
    }
  }

  /**
   * The blobs under `AZURE_TEMP_PREFIX` (a large upload's staging blob, committed then copied) that a
   * crash left, deleted on the condition that nobody wrote them since the grace began.
   */
  async eraseStaleTemporaries(graceMs: number, now = Date.now()): Promise<number> {
    const limit = graceLimit(now, graceMs);
    let erased = 0;
    try {
      for await (const b of this.container.listBlobsFlat({ prefix: AZURE_TEMP_PREFIX })) {
        if (b.properties.lastModified > limit) continue;
        const deleted = await this.container
          .getBlobClient(b.name)
          .delete({ conditions: { ifUnmodifiedSince: limit } })
          .then(
            () => true,
            (err: unknown) => {
              if (isRestError(err) && (err.statusCode === 404 || err.statusCode === 412)) return false;
              throw err;
            },
          );
        if (deleted) erased++;
      }
    } catch (err) {
      throw err instanceof AzureBlobError ? err : new AzureBlobError('erasing stale temporary blobs', err);
    }
    return erased;
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      return await this.blob(sha256).exists();
    } catch (err) {
      throw new AzureBlobError(`looking for ${sha256}`, err);
    }
  }

  /**
   * The blob, streamed as Azure sends it (a dropped connection is resumed where it stopped, up to 5
   * times). Nothing is asked of Azure until the stream is read; destroying the stream aborts the
   * download.
   */
  open(sha256: string): Readable {
    const client = this.blob(sha256);
    const abort = new AbortController();
    async function* chunks(): AsyncGenerator<Buffer> {
      let body: NodeJS.ReadableStream | undefined;
      try {
        const res = await client.download(0, undefined, { abortSignal: abort.signal, maxRetryRequests: 5 });
        body = res.readableStreamBody;
        if (!body) throw new Error('no body');
        for await (const chunk of body) yield chunk as Buffer;
      } catch (err) {
        if (abort.signal.aborted) return;
        throw new AzureBlobError(`reading ${sha256}`, err);
      }
    }
    const stream = Readable.from(chunks(), { objectMode: false });
    stream.once('close', () => abort.abort());
    return stream;
  }
}
