import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { openBlobStore } from './blobs/open-store.ts';
import type { BlobStore } from './blobs/store.ts';
import { ConnectorService } from './connectors/service.ts';
import { DbSlotLeases } from './db/repos/graph-slots.ts';
import { MailboxPacer } from './microsoft/pacer.ts';
import { HotFolderPoller } from './sync/hot-folders.ts';
import { KeyedCoalescer } from './lib/coalesce.ts';
import { ProbeTrigger } from './connectors/probe-trigger.ts';
import { activeFolderIdsOf } from './mailboxes/lookup.ts';
import { MailClient } from './microsoft/mail-client.ts';
import { WebhookDispatcher } from './webhooks/dispatcher.ts';
import { WEBHOOK_WAKE_CHANNEL } from './webhooks/fan-out.ts';
import { WebhookSender } from './webhooks/sender.ts';
import { SyncEngine } from './sync/engine.ts';
import { PushService } from './sync/push-service.ts';
import { OutflowRunner } from './documents/outflow-runner.ts';
import { InflowRouter } from './documents/inflow.ts';
import { OutlookWriter } from './microsoft/outlook-write.ts';
import { SubscriptionClient } from './microsoft/subscriptions.ts';
import { openDatabase, type Database } from './db/client.ts';
import { cloudSettings } from './microsoft/settings.ts';
import { startSandboxTenant, type SandboxTenant } from './sandbox/tenant.ts';
import type { MicrosoftSettings } from './microsoft/settings.ts';
import { buildHttpApp } from './http/app.ts';
import { startMetricsServer, type MetricsServer } from './metrics/server.ts';
import { jobCatalog } from './jobs/catalog.ts';
import { jobHandlers } from './jobs/registry.ts';
import { startJobs, type JobRuntime, type SendManyItem } from './jobs/runtime.ts';
import { openVault } from './security/vault-keys.ts';
import { checkVaultKeys } from './security/key-check.ts';
import { prepareDataDir } from './data-dir.ts';
import { StartupError } from './startup-error.ts';
import type { Vault } from './security/vault.ts';

export interface RunningServer {
  readonly config: Config;
  readonly database: Database;
  readonly vault: Vault;
  readonly jobs: JobRuntime;
  readonly connectors: ConnectorService;
  readonly sync: SyncEngine;
  readonly push: PushService;
  readonly outflow: OutflowRunner;
  readonly blobs: BlobStore;
  /** The paced Graph mail client every part shares (tests read Outlook through it). */
  readonly mail: MailClient;
  /** The inflow router ingestion and reprocessing share. */
  readonly inflow: InflowRouter;
  readonly microsoft: MicrosoftSettings;
  /** The built-in Microsoft 365 emulator, in sandbox mode. */
  readonly sandbox: SandboxTenant | undefined;
  /** Present when the process has the `api` role. */
  readonly http: FastifyInstance | undefined;
  /** The address it listens on, e.g. http://127.0.0.1:3000. */
  readonly url: string | undefined;
  /** Where this process's own `/metrics` is served with METRICS_PORT set (any role), e.g. http://127.0.0.1:9464. */
  readonly metricsUrl: string | undefined;
  /** Graceful stop: no new requests, running jobs finish (up to the grace period), database closed. */
  close(): Promise<void>;
}

/** Starts everything this process's roles ask for. Throws with a clear message when it cannot. */
export async function startServer(
  config: Config,
  logger: Logger,
  opts: { webDist?: string | null } = {},
): Promise<RunningServer> {
  const dataDir = await prepareDataDir(config.dataDir);
  if (dataDir.otherAccountsMode !== undefined) {
    logger.warn(
      { dir: config.dataDir, mode: dataDir.otherAccountsMode.toString(8) },
      'other accounts can look into the data directory and Mailroom cannot change that (another account owns it): chmod 700 it',
    );
  }
  const { vault, source: keySource, generatedKeyFile } = await openVault(config);
  if (generatedKeyFile)
    logger.warn(
      { file: generatedKeyFile },
      'generated a new encryption key for secrets at rest; back this file up',
    );

  // Every process must read what any other stored: one directory they all mount, or Azure (decision
  // 0017). Checked before anything is started, so that a store out of reach fails the boot at once.
  const blobs = await openBlobStore(config.blobStore);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  let jobs: JobRuntime | undefined;
  let http: FastifyInstance | undefined;
  let metrics: MetricsServer | undefined;
  let sandbox: SandboxTenant | undefined;
  try {
    // Before anything reads a secret: a wrong key stops the boot here, with one clear line.
    await checkVaultKeys(database.db, vault, keySource);
    sandbox = config.sandbox ? await startSandboxTenant(config, logger) : undefined;
    const microsoft = sandbox?.settings ?? cloudSettings(config);
    const send = async (
      name: string,
      payload: object,
      o: { singletonKey?: string; startAfterSeconds?: number },
    ) => {
      await jobs!.send(name, payload, o);
    };
    const sendMany = (name: string, items: SendManyItem<object>[]) => jobs!.sendMany(name, items);
    const connectors = new ConnectorService({
      db: database.db,
      vault,
      settings: microsoft,
      logger,
      publicBaseUrl: config.publicBaseUrl,
      healthIntervalMs: config.connectorHealthIntervalMs,
      transientAlarmMs: config.connectorTransientAlarmMs,
      enqueue: (name, connectorId, startAfterSeconds) =>
        send(
          name,
          { connectorId },
          { singletonKey: connectorId, ...(startAfterSeconds ? { startAfterSeconds } : {}) },
        ),
      // Back from a loss of access: read at once what arrived while its rounds were held (decision 0015).
      onRecovered: async (connectorId) => {
        const ids = await activeFolderIdsOf(database.db, connectorId);
        if (ids.length)
          await sendMany(
            'folder.sync',
            ids.map((folderId) => ({ payload: { folderId }, singletonKey: folderId })),
          );
      },
    });
    // Microsoft's 4 concurrent requests per mailbox hold across processes: slots are leased in the database.
    const leases = new DbSlotLeases(database.db);
    await leases.reclaimDead();
    const pacer = new MailboxPacer(
      leases,
      {},
      {
        onSlowAdmission: (wait) => logger.debug(wait, 'a Graph request waited over a second for its slot'),
        onLimitLowered: (lowered) =>
          logger.info(lowered, 'Microsoft refused requests for concurrency: fewer at once from now on'),
      },
    );
    const mail = new MailClient(microsoft, pacer);
    const markers = new KeyedCoalescer(
      1000,
      (folderId) => send('folder.markers', { folderId }, { singletonKey: folderId }),
      (folderId, err) =>
        logger.warn({ folderId, err }, 'could not queue the marker round; the next delta round will'),
    );
    // Sync's signs of lost access (a refused token, a 401 or 403) probe the connector at once, one
    // probe per connector per 30 s however many rounds fail (issue 19 §4).
    const probes = new ProbeTrigger({
      delayMs: 1000,
      minGapMs: 30_000,
      probe: (connectorId) => connectors.probe(connectorId),
      onError: (connectorId, err) =>
        logger.warn({ connectorId, err }, 'the probe sync asked for failed; the probe chain checks later'),
    });
    let url: string | undefined;
    const push = new PushService({
      db: database.db,
      broker: connectors.broker,
      client: new SubscriptionClient(mail),
      logger,
      enabled: config.push,
      // Without PUBLIC_BASE_URL, the address this process listens on (tests and `npm start` with the sandbox).
      baseUrl: () => (config.publicBaseUrlSet || !url ? config.publicBaseUrl : url),
      send,
      sendMany,
      retryAfterFailureMs: config.syncReconcileMs,
    });
    const outflow = new OutflowRunner({
      db: database.db,
      logger,
      token: (connectorId) => connectors.broker.graphToken(connectorId),
      writer: new OutlookWriter(mail),
      retryBaseSeconds: config.outflowRetryBaseSeconds,
      enqueue: async (runIds, startAfterSeconds) => {
        if (startAfterSeconds) {
          for (const runId of runIds)
            await send('outflow.run', { runId }, { singletonKey: runId, startAfterSeconds });
        } else
          await jobs!.sendMany(
            'outflow.run',
            runIds.map((runId) => ({ payload: { runId }, singletonKey: runId })),
          );
      },
    });
    // One inflow router (it caches tenant domains): ingestion applies folder rules with it, reprocessing too.
    const inflow = new InflowRouter({ db: database.db, blobs, mail });
    const documentActions = {
      db: database.db,
      inflow,
      token: (connectorId: string) => connectors.broker.graphToken(connectorId),
      enqueueOutflow: (runIds: string[]) => outflow.queue(runIds),
    };
    const sync = new SyncEngine({
      db: database.db,
      broker: connectors.broker,
      mail,
      blobs,
      inflow,
      logger,
      enqueueIngest: async (ids, mailboxId) => {
        // Workers take jobs by priority first: the n-th message of every recorded page has the same
        // one, so a backlog is worked through page by page side by side, every mailbox (each capped at
        // 4 requests in flight) busy at once, instead of one mailbox's page at a time. A new email
        // (alone in its page) comes first of all: push latency does not wait for a backfill.
        await jobs!.sendMany(
          'message.ingest',
          ids.map((messageId, i) => ({
            payload: { messageId },
            singletonKey: messageId,
            priority: -i,
            group: mailboxId,
          })),
        );
      },
      // A second's wait lets the markers of a burst of documents go out in one $batch, and costs one
      // queued job per folder instead of one per document.
      enqueueMarkers: async (folderId) => markers.call(folderId),
      enqueueOutflow: (runIds) => outflow.queue(runIds),
      accessSignal: (connectorId) => probes.signal(connectorId),
      ...(config.hotPolling.windowMs > 0 ? { hotPollMinMs: config.hotPolling.minMs } : {}),
      onNewMail: () => hotFolders.wake(),
    });
    jobs = await startJobs({
      database,
      catalog: jobCatalog,
      handlers: jobHandlers,
      work: config.roles.includes('worker'),
      context: {
        db: database.db,
        logger,
        now: () => new Date(),
        connectors,
        send,
        healthIntervalMs: config.connectorHealthIntervalMs,
        sendMany,
        sync,
        push,
        outflow,
        reconcileIntervalMs: config.syncReconcileMs,
        blobs,
      },
      logger,
    });
    const mailboxes = {
      db: database.db,
      broker: connectors.broker,
      mail,
      push,
      reconcileMs: config.syncReconcileMs,
      syncFolder: (folderId: string) => send('folder.sync', { folderId }, { singletonKey: folderId }),
      syncFolders: (folderIds: string[]) =>
        sendMany(
          'folder.sync',
          folderIds.map((folderId) => ({ payload: { folderId }, singletonKey: folderId })),
        ),
      retryMessage: (messageId: string) => sync.retry(messageId),
    };
    if (config.roles.includes('api')) {
      http = await buildHttpApp(
        {
          config,
          database,
          vault,
          logger,
          sessionPolicy: { idleMs: config.sessionIdleMs, absoluteMs: config.sessionAbsoluteMs },
          connectors,
          sandbox,
          sync,
          push,
          outflow,
          documentActions,
          mailboxes,
          blobs,
          send,
          sendMany,
        },
        opts,
      );
      url = await listen(http, config);
    }
    // This process's own metrics on a port of their own: a worker has no API to serve them.
    if (config.metricsPort !== undefined)
      metrics = await listening(config, 'METRICS_PORT', config.metricsPort, () =>
        startMetricsServer({
          port: config.metricsPort!,
          host: config.host,
          token: config.metricsToken,
          db: database.db,
          logger,
        }),
      );
    // The sandbox tenant keeps no subscriptions across restarts: forget ours and make new ones now.
    if (sandbox && config.push && config.roles.includes('worker')) {
      const known = (await sandbox.control.subscriptions()).map((x) => x.id);
      await push.forgetAllBut(known);
      await push.sweep();
    }
    // Webhook deliveries (decision 0010): the worker role sends them from their table, the queue.
    const webhookSender = new WebhookSender({
      allowPrivate: config.webhookAllowPrivate,
      timeoutMs: config.webhookTimeoutMs,
    });
    const webhooks = new WebhookDispatcher({
      db: database.db,
      vault,
      sender: webhookSender,
      logger,
      firstRetryMs: config.webhookFirstRetryMs,
      disableAfterMs: config.webhookDisableAfterMs,
      concurrency: config.webhookConcurrency,
      perEndpoint: config.webhookEndpointConcurrency,
    });
    if (config.roles.includes('worker')) {
      webhooks.start();
      // New deliveries wake the dispatcher at their commit, in whichever process queued them.
      await jobs.listen(WEBHOOK_WAKE_CHANNEL, () => webhooks.wake());
    }
    // Folders with recent mail get a delta round every few seconds, ahead of Microsoft's notification.
    const hotFolders = new HotFolderPoller({
      db: database.db,
      polling: config.hotPolling,
      queueRounds: (folderIds) => mailboxes.syncFolders(folderIds),
      logger,
    });
    // Last: every handler's dependencies exist now (`jobs` included). A job queued before this start
    // once ran while `jobs` was still unassigned and failed for good (issue 23).
    await jobs.startWorkers();
    if (config.roles.includes('worker')) hotFolders.start();
    const started = {
      http,
      metrics,
      jobs,
      sandbox,
      microsoft,
      pacer,
      leases,
      markers,
      probes,
      webhooks,
      webhookSender,
      hotFolders,
    };
    let closing: Promise<void> | undefined;
    return {
      config,
      database,
      vault,
      jobs,
      connectors,
      sync,
      push,
      outflow,
      blobs,
      mail,
      inflow,
      microsoft,
      sandbox,
      http,
      url,
      metricsUrl: metrics?.url,
      close() {
        closing ??= (async () => {
          await started.http?.close();
          await started.metrics?.close();
          await started.hotFolders.stop();
          await started.jobs.stop(config.shutdownGraceMs);
          await started.webhooks.stop();
          await started.webhookSender.close();
          started.pacer.close();
          started.markers.close();
          started.probes.close();
          // Given back only when no Graph request of this process is still running (a job past the grace
          // period): given back under one, another process took the slot while it ran (5 in flight).
          // Kept, they come back when this process has exited (`reclaimDead`) or when they lapse.
          if (started.pacer.inFlight() === 0) await started.leases.releaseAll().catch(() => undefined);
          await started.sandbox?.close();
          if (!started.sandbox) await started.microsoft.http.close();
          await database.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    // Nothing stays started: the process may go on (tests), and a clear line is all main prints.
    await http?.close().catch(() => undefined);
    await metrics?.close().catch(() => undefined);
    await jobs?.stop(1000).catch(() => undefined);
    await sandbox?.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    throw err;
  }
}

/** Listens on HOST:PORT; an address someone else holds, or one that cannot be had, is a StartupError. */
async function listen(http: FastifyInstance, config: Config): Promise<string> {
  return listening(config, 'PORT', config.port, () => http.listen({ port: config.port, host: config.host }));
}

/** Runs `start` (listening on `port`), turning the usual reasons it cannot into a StartupError. */
async function listening<T>(
  config: Config,
  setting: 'PORT' | 'METRICS_PORT',
  port: number,
  start: () => Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = `port ${port} on ${config.host}`;
    if (code === 'EADDRINUSE')
      throw new StartupError(
        `${where} is already in use by another program: stop it, or set ${setting} to a free port`,
      );
    if (code === 'EACCES')
      throw new StartupError(
        `${where} needs privileges this account does not have (EACCES): set ${setting} to 1024 or above`,
      );
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new StartupError(
        `HOST ${config.host} is not an address of this machine (${code}): set HOST to one of its addresses, e.g. 127.0.0.1 or 0.0.0.0`,
      );
    throw err;
  }
}
