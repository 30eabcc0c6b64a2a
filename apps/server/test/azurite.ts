import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';

/**
 * Microsoft's Azure Storage emulator (Azurite, from npm) for the tests of the Azure blob store: its
 * blob service alone, as a child process on a free port, in memory, without telemetry. The child
 * runs in a temporary working directory (removed on stop), so nothing is written into the
 * repository, and it exits by itself (its folder removed) when the test process goes, even killed:
 * its standard input is a pipe from this process, and its end stops it.
 */
export interface Azurite {
  /** A connection string for Azurite's well-known development account. */
  readonly connectionString: string;
  /**
   * A connection string with a SAS token for one container only (made here, as an operator would
   * beforehand): no account key, no right to create containers or read their properties.
   */
  containerSasConnectionString(container: string): Promise<string>;
  /** A container name no other test uses. */
  container(): string;
  stop(): Promise<void>;
}

/** Azurite's fixed development account (public: the same in every Azurite, documented by Microsoft). */
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export async function startAzurite(): Promise<Azurite> {
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'mailroom-azurite-'));
  // Azurite reads its options from process.argv after the script's path: the script path stands in
  // argv[1] as if it had been run directly.
  const bootstrap = [
    // Its parent gone (a finished or killed test run): its working directory goes, and so does it.
    "const bye = () => { require('node:fs').rmSync(process.cwd(), { recursive: true, force: true }); process.exit(0); };",
    "process.stdin.on('end', bye).on('error', bye).resume();",
    `process.argv.splice(1, 0, ${JSON.stringify(main)});`,
    `require(${JSON.stringify(main)});`,
  ].join('\n');
  const flags = [
    ...['--blobHost', '127.0.0.1', '--blobPort', '0'],
    '--inMemoryPersistence',
    ...['--extentMemoryLimit', '512'],
    '--disableTelemetry',
    // The SDK may be newer than the Azurite release: its API version is accepted all the same.
    '--skipApiVersionCheck',
    '--silent',
  ];
  const child = spawn(process.execPath, ['-e', bootstrap, '--', ...flags], {
    cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let port: number;
  try {
    port = await listeningPort(child);
  } catch (err) {
    child.kill('SIGKILL');
    await rm(cwd, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${port}/${ACCOUNT}`;
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=${endpoint};`,
    async containerSasConnectionString(container) {
      const credential = new StorageSharedKeyCredential(ACCOUNT, KEY);
      await new BlobServiceClient(endpoint, credential).getContainerClient(container).create();
      const sas = generateBlobSASQueryParameters(
        {
          containerName: container,
          permissions: ContainerSASPermissions.parse('racwd'),
          expiresOn: new Date(Date.now() + 86_400_000),
        },
        credential,
      ).toString();
      return `BlobEndpoint=${endpoint};SharedAccessSignature=${sas}`;
    },
    container: () => `test-${randomBytes(6).toString('hex')}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      await rm(cwd, { recursive: true, force: true });
    },
  };
}

/** Azurite says "… successfully listens on http://127.0.0.1:PORT" once it accepts requests. */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Azurite did not start in 30 s: ${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listens on https?:\/\/[^:\s]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        // Keep draining its output: a full pipe would stall it.
        child.stdout!.resume();
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited (${code}) before listening: ${out}`));
    });
  });
}
