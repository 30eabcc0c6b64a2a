// Mailroom as several processes on one database, as on several machines (issue 23): `apis` processes
// with ROLES=api behind a load balancer (PUBLIC_BASE_URL: Microsoft's notifications and the run's own
// API calls go through it) and `workers` with ROLES=worker. Each has a data directory of its own; the
// blobs are shared — one directory every process is given (MAILROOM_BLOB_DIR), or whatever BLOB_STORE,
// MAILROOM_BLOB_DIR and AZURE_STORAGE_* say in the run's environment (passed through as they are).
// With `apis` 0, each worker is api+worker and the balancer spreads over them.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Balancer } from './balancer.ts';
import { MailroomProcess, type MailroomOptions } from './process.ts';

/** The blob store settings a run passes through to every process. */
const BLOB_ENV = [
  'BLOB_STORE',
  'MAILROOM_BLOB_DIR',
  'AZURE_STORAGE_CONNECTION_STRING',
  'AZURE_STORAGE_CONTAINER',
];

export class MailroomCluster {
  readonly apis: MailroomProcess[];
  readonly workers: MailroomProcess[];
  readonly balancer: Balancer;
  /** The shared blob directory this run made (none when the environment names the blob store). */
  private readonly blobDir: string | undefined;

  private constructor(
    apis: MailroomProcess[],
    workers: MailroomProcess[],
    balancer: Balancer,
    blobDir?: string,
  ) {
    this.apis = apis;
    this.workers = workers;
    this.balancer = balancer;
    this.blobDir = blobDir;
  }

  static async create(
    opts: Omit<MailroomOptions, 'roles' | 'encryptionKey' | 'publicBaseUrl'> & {
      apis: number;
      workers: number;
    },
  ): Promise<MailroomCluster> {
    const passed = Object.fromEntries(
      BLOB_ENV.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])),
    );
    const blobDir =
      passed.BLOB_STORE === 'azure' || passed.MAILROOM_BLOB_DIR
        ? undefined
        : await mkdtemp(path.join(os.tmpdir(), 'mailroom-chaos-blobs-'));
    const blobEnv = { ...passed, ...(blobDir ? { MAILROOM_BLOB_DIR: blobDir } : {}) };
    // One installation: one encryption key; the balancer's address is where Microsoft notifies.
    const encryptionKey = randomBytes(32).toString('base64');
    const balancer = new Balancer([]);
    await balancer.start();
    const make = (roles: MailroomOptions['roles'], logLevel: string) =>
      MailroomProcess.create({
        ...opts,
        logLevel,
        roles,
        encryptionKey,
        publicBaseUrl: balancer.url,
        env: { ...opts.env, ...blobEnv },
      });
    const apis = await Promise.all(Array.from({ length: opts.apis }, () => make('api', opts.logLevel)));
    // A worker says it is ready in an info line (it has no /readyz): at least info for workers.
    const workerLevel = ['error', 'warn', 'fatal', 'silent'].includes(opts.logLevel) ? 'info' : opts.logLevel;
    const workers = await Promise.all(
      Array.from({ length: opts.workers }, () =>
        opts.apis > 0 ? make('worker', workerLevel) : make('api,worker', opts.logLevel),
      ),
    );
    balancer.setBackends((opts.apis > 0 ? apis : workers).map((p) => p.port));
    return new MailroomCluster(apis, workers, balancer, blobDir);
  }

  get base(): string {
    return this.balancer.url;
  }

  get all(): MailroomProcess[] {
    return [...this.apis, ...this.workers];
  }

  /** Everything at once (migrations run under an advisory lock, so several starting together is safe). */
  async start(timeoutMs?: number): Promise<void> {
    await Promise.all(this.all.map((p) => p.start(timeoutMs)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((p) => p.stop()));
  }

  get unexpectedExits(): number {
    return this.all.reduce((n, p) => n + p.unexpectedExits, 0);
  }

  /** The tail of each process's output, named. */
  logTail(chars = 1500): string {
    return this.all
      .map((p, i) => `--- ${i < this.apis.length ? 'api' : 'worker'} ${p.port}:\n${p.log.slice(-chars)}`)
      .join('\n');
  }

  async dispose(): Promise<void> {
    await Promise.all(this.all.map((p) => p.dispose()));
    await this.balancer.close();
    if (this.blobDir) await rm(this.blobDir, { recursive: true, force: true });
  }
}
