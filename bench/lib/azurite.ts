// Microsoft's Azure Storage emulator (Azurite, from npm) for `CHAOS_BLOB_STORE=azure`: its blob
// service alone, as a child process on a free port, its blobs on disk in a temporary directory
// (thousands of emails outgrow its in-memory store), removed on stop. The tests start theirs in
// apps/server/test/azurite.ts; this is the benchmark's own, as bench/ keeps to bench/lib.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** Azurite's fixed development account (public: the same in every Azurite, documented by Microsoft). */
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export async function startAzurite(): Promise<{
  connectionString: string;
  container: string;
  stop: () => Promise<void>;
}> {
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-chaos-azurite-'));
  // Azurite reads its options from process.argv after the script's path; it exits when this process
  // goes (its standard input, a pipe from here, ends).
  const bootstrap = [
    "process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0)).resume();",
    `process.argv.splice(1, 0, ${JSON.stringify(main)});`,
    `require(${JSON.stringify(main)});`,
  ].join('\n');
  const child = spawn(
    process.execPath,
    [
      '-e',
      bootstrap,
      '--',
      ...['--blobHost', '127.0.0.1', '--blobPort', '0', '--location', dir],
      ...['--disableTelemetry', '--skipApiVersionCheck', '--silent'],
    ],
    { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Azurite did not start in 60 s: ${out}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listens on https?:\/\/[^:\s]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited (${code}) before listening: ${out}`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:${port}/${ACCOUNT};`,
    container: `chaos-${randomBytes(6).toString('hex')}`,
    stop,
  };
}
