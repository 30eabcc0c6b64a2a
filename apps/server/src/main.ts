import { ConfigError, loadConfig } from './config.ts';
import { DatabaseUnavailableError } from './db/client.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { createLogger } from './logger.ts';
import { roleName } from './process-identity.ts';
import { startServer } from './server.ts';
import { JobCatalogError } from './jobs/runtime.ts';
import { VaultError } from './security/vault.ts';
import { SandboxStartError } from './sandbox/tenant.ts';
import { StartupError } from './startup-error.ts';

/** The process entry point: `npm start`. Every startup failure ends in one clear line and exit 1. */
async function main(): Promise<void> {
  // Whatever the service manager's umask, what this process creates in the data directory (PGlite's
  // folders, the emulator's state) is for its own account only: emails are stored there. (The blob
  // store and the key file set their modes themselves; PGlite chmods its files 0666 regardless.)
  process.umask(0o077);
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const logger = createLogger(config.logLevel, {
    role: roleName(config.roles),
    pretty: process.stdout.isTTY && process.env.NODE_ENV !== 'production',
  });
  const startedAt = performance.now();
  let server;
  try {
    server = await startServer(config, logger);
  } catch (err) {
    if (err instanceof DatabaseUnavailableError)
      fail(`Mailroom cannot start: ${err.message}. Is PostgreSQL running and DATABASE_URL right?`);
    if (err instanceof DataDirLockedError) fail(`Mailroom cannot start: ${err.message}.`);
    if (err instanceof VaultError) fail(`Mailroom cannot start: encryption key problem: ${err.message}.`);
    if (err instanceof JobCatalogError || err instanceof SandboxStartError || err instanceof StartupError)
      fail(`Mailroom cannot start: ${err.message}.`);
    throw err;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests and running jobs');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownGraceMs + 5_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Said once the handlers above are in place: whoever waits for this line may stop the process at once.
  logger.info(
    {
      roles: config.roles,
      database: server.database.kind,
      blobs: server.blobs.description,
      sandbox: config.sandbox,
      startupMs: Math.round(performance.now() - startedAt),
    },
    server.url ? `Mailroom is running at ${config.publicBaseUrl}` : 'Mailroom worker is running',
  );
}

function fail(line: string): never {
  process.stderr.write(line + '\n');
  process.exit(1);
}

await main();
