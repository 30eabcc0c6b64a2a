import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { AzureBlobError, AzureBlobStore } from './azure-store.ts';
import { copyFsStoreToAzure, type CopyProgress } from './copy-to-azure.ts';

/**
 * `npm run blobs:copy-to-azure -w @mailroom/server [-- --from DIR] [--verify] [--concurrency N]`
 *
 * Copies the file blob store (`MAILROOM_BLOB_DIR`, else `<MAILROOM_DATA_DIR>/blobs`, or `--from`)
 * into the Azure container of `AZURE_STORAGE_CONNECTION_STRING` / `AZURE_STORAGE_CONTAINER`, the
 * same environment the server reads. Run it before switching to `BLOB_STORE=azure`, and once more
 * after the last process using the files stopped: the second run copies only what came since.
 * Exits 1 when a file could not be copied or was damaged (run again for the first; the second is
 * listed).
 */
const USAGE = 'usage: blobs:copy-to-azure [--from DIR] [--verify] [--concurrency N]';

function fail(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(2);
}

const { values: args } = (() => {
  try {
    return parseArgs({
      options: {
        from: { type: 'string' },
        verify: { type: 'boolean', default: false },
        concurrency: { type: 'string', default: '8' },
      },
    });
  } catch (err) {
    return fail(`${(err as Error).message}\n${USAGE}`);
  }
})();
const concurrency = Number(args.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
  fail(`--concurrency must be a whole number from 1 to 64\n${USAGE}`);

let config;
try {
  config = loadConfig({ ...process.env, BLOB_STORE: 'azure' });
} catch (err) {
  if (err instanceof ConfigError) fail(err.message);
  throw err;
}
if (config.blobStore.kind !== 'azure') throw new Error('unreachable');
const baseDir = process.env.INIT_CWD ?? process.cwd();
const from = path.resolve(
  baseDir,
  args.from ?? process.env.MAILROOM_BLOB_DIR ?? path.join(config.dataDir, 'blobs'),
);

let to: AzureBlobStore;
try {
  to = await AzureBlobStore.open(config.blobStore);
} catch (err) {
  if (err instanceof AzureBlobError) fail(err.message);
  throw err;
}

const line = (p: CopyProgress) =>
  `${p.found} found: ${p.copied} copied (${(p.copiedBytes / 1048576).toFixed(1)} MiB), ${p.alreadyThere} already there, ${p.damaged.length} damaged, ${p.failed.length} failed, ${p.ignored} other files ignored`;

process.stdout.write(
  `copying ${from} to ${to.description}${args.verify ? ' (verifying what is there)' : ''}\n`,
);
const stop = new AbortController();
process.once('SIGINT', () => {
  process.stdout.write('stopping after the files being copied; run again to go on\n');
  stop.abort();
});
let lastLine = Date.now();
const result = await copyFsStoreToAzure(from, to, {
  concurrency,
  verify: args.verify,
  signal: stop.signal,
  onProgress: (p) => {
    if (Date.now() - lastLine < 5000) return;
    lastLine = Date.now();
    process.stdout.write(`${line(p)}\n`);
  },
}).catch((err: unknown) => fail(`cannot read ${from}: ${(err as Error).message}`));

process.stdout.write(`${result.stopped ? 'stopped' : 'done'}: ${line(result)}\n`);
for (const sha of result.damaged)
  process.stdout.write(`damaged (its content does not hash to its name; not copied): ${sha}\n`);
for (const f of result.failed) process.stdout.write(`failed: ${f.sha256}: ${f.error}\n`);
process.exit(result.damaged.length || result.failed.length || result.stopped ? 1 : 0);
