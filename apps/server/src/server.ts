import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/client.ts';
import { buildHttpApp } from './http/app.ts';
import { jobCatalog } from './jobs/catalog.ts';
import { jobHandlers } from './jobs/handlers.ts';
import { startJobs, type JobRuntime } from './jobs/runtime.ts';
import { openVault } from './security/vault-keys.ts';
import type { Vault } from './security/vault.ts';

export interface RunningServer {
  readonly config: Config;
  readonly database: Database;
  readonly vault: Vault;
  readonly jobs: JobRuntime;
  /** Present when the process has the `api` role. */
  readonly http: FastifyInstance | undefined;
  /** The address it listens on, e.g. http://127.0.0.1:3000. */
  readonly url: string | undefined;
  /** Graceful stop: no new requests, running jobs finish (up to the grace period), database closed. */
  close(): Promise<void>;
}

/** Starts everything this process's roles ask for. Throws with a clear message when it cannot. */
export async function startServer(config: Config, logger: Logger, opts: { webDist?: string | null } = {}): Promise<RunningServer> {
  const { vault, generatedKeyFile } = await openVault(config);
  if (generatedKeyFile) logger.warn({ file: generatedKeyFile }, 'generated a new encryption key for secrets at rest; back this file up');

  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  let jobs: JobRuntime | undefined;
  let http: FastifyInstance | undefined;
  try {
    jobs = await startJobs({
      database,
      catalog: jobCatalog,
      handlers: jobHandlers,
      work: config.roles.includes('worker'),
      context: { db: database.db, logger, now: () => new Date() },
      logger,
    });
    let url: string | undefined;
    if (config.roles.includes('api')) {
      http = await buildHttpApp({ config, database, vault, logger, sessionPolicy: { idleMs: config.sessionIdleMs, absoluteMs: config.sessionAbsoluteMs } }, opts);
      url = await http.listen({ port: config.port, host: config.host });
    }
    const started = { http, jobs };
    let closing: Promise<void> | undefined;
    return {
      config,
      database,
      vault,
      jobs,
      http,
      url,
      close() {
        closing ??= (async () => {
          await started.http?.close();
          await started.jobs.stop(config.shutdownGraceMs);
          await database.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await http?.close().catch(() => undefined);
    await jobs?.stop(1000).catch(() => undefined);
    await database.close().catch(() => undefined);
    throw err;
  }
}
