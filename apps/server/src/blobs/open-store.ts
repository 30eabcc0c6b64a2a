import { mkdir } from 'node:fs/promises';
import type { BlobStoreConfig } from '../config.ts';
import { assertWritable, notWritable, PRIVATE_DIR_MODE } from '../data-dir.ts';
import { StartupError } from '../startup-error.ts';
import { AzureBlobError, AzureBlobStore } from './azure-store.ts';
import { FsBlobStore } from './fs-store.ts';
import type { BlobStore } from './store.ts';

/**
 * The blob store the configuration names (`BLOB_STORE`), checked before anything else uses it: a
 * directory this process can write, or an Azure container it can reach with the connection string
 * (made when missing). A store that cannot be used is a `StartupError` saying why and what to set.
 */
export async function openBlobStore(config: BlobStoreConfig): Promise<BlobStore> {
  if (config.kind === 'fs') {
    const elsewhere = 'or set MAILROOM_BLOB_DIR to a folder it can write';
    await mkdir(config.dir, { recursive: true, mode: PRIVATE_DIR_MODE }).catch((err: unknown) => {
      throw notWritable('the blob directory', config.dir, err, elsewhere);
    });
    await assertWritable('the blob directory', config.dir, elsewhere);
    return new FsBlobStore(config.dir);
  }
  try {
    return await AzureBlobStore.open(config);
  } catch (err) {
    if (!(err instanceof AzureBlobError)) throw err;
    throw new StartupError(
      `${err.message} — check AZURE_STORAGE_CONNECTION_STRING (the account, its key or SAS token, the endpoint) and that this machine reaches the account`,
    );
  }
}
