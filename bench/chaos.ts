// `npm run chaos`: the long crash test under fault storms. Mail keeps arriving in CHAOS_MAILBOXES (10)
// mailboxes — CHAOS_MESSAGES (10,000) emails at CHAOS_RATE (25/s) — while Mailroom runs as several
// processes on one database, as on several machines (issue 23): CHAOS_WORKERS (3) with ROLES=worker and
// CHAOS_APIS (2) with ROLES=api behind a load balancer (with CHAOS_APIS=0, each worker is api+worker),
// each with its own data directory and the blobs shared (a shared directory, or the run's BLOB_STORE /
// MAILROOM_BLOB_DIR / AZURE_STORAGE_* passed through). CHAOS_KILLS (30) times, in turn, a worker is
// killed with SIGKILL (and started again CHAOS_RESTART_DELAY_SECONDS (5) later, the others taking over
// its work meanwhile) or, every third time, an API process is restarted; 10 % of Graph requests fail (429/503), 10 % of
// change notifications are dropped, duplicated or reordered, delta tokens are evicted every minute,
// and PostgreSQL (a private cluster, never the machine's shared server) is restarted once. Then it
// waits for Mailroom to settle and counts, from the database: lost (delivered, and neither a document
// nor an unfinished work item: dropped), duplicated (more than one document) and stuck (delivered, no
// document, its work item pending or failed — or never recorded while the settle time ran out). All must be 0: exit 1 otherwise.
// Microsoft's limit holds across the processes: the emulator's throttler must have answered no 429
// (the injected faults aside) and seen at most 4 requests in flight on any mailbox (its peak of
// requests attempted at once, the refused included). Delivery → document latency is printed.
// Webhooks too: a receiver on 127.0.0.1 fails CHAOS_WEBHOOK_FAIL_RATE (30 %) of the deliveries (500s, no
// answer within Mailroom's timeout, closed connections) and answers 10 % slowly; at the end every
// `document.created` event must have reached it at least once (duplicates only with the same
// webhook-id), none lost, none still retrying.
import { api, type WebhookEndpointWithSecret } from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import os from 'node:os';
import pg from 'pg';
import { connectMailboxes, monitorFolders, setupWorkspace } from './lib/api.ts';
import { graphErrorStorm, notificationStorm } from './lib/faults.ts';
import { log, numberOption } from './lib/options.ts';
import { createDatabase, PrivateCluster } from './lib/postgres.ts';
import { MailroomCluster } from './lib/cluster.ts';
import { sleep, type MailroomProcess } from './lib/process.ts';
import { environment, writeResults } from './lib/report.ts';
import { progress, subscriptionCount } from './lib/stack.ts';
import { startAzurite } from './lib/azurite.ts';
import { CpuSampler } from './lib/cpu-sampler.ts';
import { DbSampler } from './lib/db-sampler.ts';
import { tailTimelines } from './lib/tail.ts';
import { createMailboxes, startEmulator } from './lib/tenant.ts';
import { failingBehaviour, webhookChaosCounts, webhooksSettled } from './lib/webhook-chaos.ts';
import { WebhookReceiver } from './lib/webhook-receiver.ts';

const messages = Math.round(numberOption('CHAOS_MESSAGES', 10_000));
const mailboxCount = Math.round(numberOption('CHAOS_MAILBOXES', 10));
// 0: none (a control run: the same load without kills, to tell the kills' share of the latency).
const kills = Math.max(0, Math.round(Number(process.env.CHAOS_KILLS ?? 30)));
const workerCount = Math.max(1, Math.round(numberOption('CHAOS_WORKERS', 3)));
const apiCount = Math.max(0, Math.round(Number(process.env.CHAOS_APIS ?? 2)));
const restartDelayMs = numberOption('CHAOS_RESTART_DELAY_SECONDS', 5) * 1000;
const rate = numberOption('CHAOS_RATE', 25);
const faultShare = Number(process.env.CHAOS_FAULT_RATE ?? 0.1);
const settleMinutes = numberOption('CHAOS_SETTLE_MINUTES', 20);
const pgRestartMode = process.env.CHAOS_PG_RESTART_MODE === 'immediate' ? 'immediate' : 'fast';
// `off`: no PostgreSQL restart (to measure recovery from the kills alone, with CHAOS_FAULT_RATE=0).
const pgRestart = process.env.CHAOS_PG_RESTART !== 'off';
const webhookFailShare = Number(process.env.CHAOS_WEBHOOK_FAIL_RATE ?? 0.3);
// Mailroom's answer timeout and first retry wait, shortened so that retries finish within the settle time.
const webhookTimeoutSeconds = numberOption('CHAOS_WEBHOOK_TIMEOUT_SECONDS', 2);
const webhookFirstRetrySeconds = numberOption('CHAOS_WEBHOOK_RETRY_FIRST_SECONDS', 0.1);

const t0 = Date.now();
const env0 = environment();
const events: string[] = [];
const event = (line: string) => {
  events.push(`+${Math.round((Date.now() - t0) / 1000)}s ${line}`);
  log(`chaos: ${line}`);
};

const cleanup: (() => Promise<unknown>)[] = [];
let exitCode: number;
// Ctrl-C / SIGTERM: stop Mailroom, the private cluster and the emulator before leaving.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void (async () => {
      while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
      process.exit(130);
    })();
  });
}
try {
  event(`private PostgreSQL cluster`);
  const cluster = await PrivateCluster.start();
  cleanup.push(() => cluster.stop());
  const db = await createDatabase(cluster.adminUrl, 'mailroom_chaos');
  const emu = await startEmulator();
  cleanup.push(() => emu.close());
  const mailboxes = await createMailboxes(emu, 'chaos', mailboxCount, 1);
  const receiver = await new WebhookReceiver({
    behaviour: failingBehaviour(webhookFailShare, webhookTimeoutSeconds * 1000),
  }).start();
  cleanup.push(() => receiver.close());
  // CHAOS_BLOB_STORE=azure: the blobs in Azure Blob Storage as Microsoft's emulator (Azurite, from npm)
  // serves it, on disk in a temporary directory; every process gets its connection string.
  if (process.env.CHAOS_BLOB_STORE === 'azure') {
    const azurite = await startAzurite();
    cleanup.push(() => azurite.stop());
    process.env.BLOB_STORE = 'azure';
    process.env.AZURE_STORAGE_CONNECTION_STRING = azurite.connectionString;
    process.env.AZURE_STORAGE_CONTAINER = azurite.container;
    event(`Azurite started: BLOB_STORE=azure, container ${process.env.AZURE_STORAGE_CONTAINER}`);
  }
  const mailroom = await MailroomCluster.create({
    apis: apiCount,
    workers: workerCount,
    databaseUrl: db.url,
    emulator: { url: emu.url, caFile: emu.caFile },
    logLevel: process.env.CHAOS_LOG_LEVEL ?? 'warn',
    // Dropped notifications are caught by reconciliation: once a minute (the cron's pace) in this test.
    env: {
      SYNC_RECONCILE_SECONDS: process.env.CHAOS_RECONCILE_SECONDS ?? '60',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_TIMEOUT_SECONDS: String(webhookTimeoutSeconds),
      WEBHOOK_RETRY_FIRST_SECONDS: String(webhookFirstRetrySeconds),
    },
  });
  cleanup.push(() => mailroom.dispose());
  await mailroom.start();
  /** host:pid → the process's name in this run, for the tail's timelines. */
  const processNames = new Map<string, string>();
  const named = (p: MailroomProcess) => {
    processNames.set(`${os.hostname()}:${p.pid}`, `${nameOf(p)} (pid ${p.pid})`);
    return `${nameOf(p)} pid ${p.pid}`;
  };
  const nameOf = (p: MailroomProcess) =>
    mailroom.apis.includes(p)
      ? `API ${mailroom.apis.indexOf(p) + 1}`
      : `worker ${mailroom.workers.indexOf(p) + 1}`;
  event(`started: ${mailroom.all.map(named).join(', ')}`);
  // Who had the CPU, every 2 s: a stall of every process at once is the machine's, not Mailroom's.
  const cpu = new CpuSampler(t0, () => mailroom.all);
  cpu.start();
  cleanup.push(async () => cpu.stop());
  event(
    `Mailroom: ${apiCount} API process(es) behind ${mailroom.base}, ${workerCount} worker process(es)${apiCount ? '' : ' (api+worker)'}`,
  );
  const ws = await setupWorkspace(mailroom.base);
  const endpoint = await ws.client.ok<WebhookEndpointWithSecret>('POST', api.webhooks(ws.workspaceId), {
    url: receiver.url,
    description: 'chaos receiver',
    eventTypes: ['document.created'],
  });
  receiver.setSecret(endpoint.secret);
  const ids = await connectMailboxes(ws, mailboxes);
  await monitorFolders(ws, mailboxes, ids, new Date(Date.now() - 1000));
  const sql = new pg.Pool({ connectionString: db.url, max: 3 });
  sql.on('error', () => undefined); // the restart cuts these connections too
  cleanup.push(() => sql.end());
  const dbActivity = new DbSampler(sql, new URL(db.url).pathname.slice(1), t0);
  dbActivity.start();
  cleanup.push(async () => dbActivity.stop());
  await sleep(5000);
  const subs = await subscriptionCount(emu, DEMO.customerApp.clientId);
  event(
    `${mailboxCount} mailboxes monitored; ${subs} subscriptions (${subs ? 'push + reconciliation' : 'reconciliation only'})`,
  );

  await graphErrorStorm(emu, faultShare);
  await notificationStorm(emu, faultShare);
  event(
    `storms on: ${faultShare * 100} % Graph 429/503; notifications dropped/duplicated/reordered at ${faultShare * 100} % each; webhook receiver failing ${Math.round(webhookFailShare * 100)} %`,
  );

  // Mail arrives at an even pace, round robin over the mailboxes.
  const delivered: string[] = [];
  /** Immutable Graph id of each delivered email (what mail_messages records). */
  const immutableIds = new Map<string, string>();
  /** When each email was delivered (ms), for delivery → document latency. */
  const deliveredAt = new Map<string, number>();
  const mailboxOf = new Map<string, string>();
  let deliveryErrors = 0;
  const deliveryMs = (messages / rate) * 1000;
  const delivery = (async () => {
    const start = Date.now();
    for (let i = 0; i < messages; i++) {
      const due = start + (i * 1000) / rate;
      if (due > Date.now()) await sleep(Math.max(0, due - Date.now()));
      const mb = mailboxes[i % mailboxes.length]!;
      for (let attempt = 0; ; attempt++) {
        try {
          const m = await emu.control.deliverGenerated(mb.address, {
            folder: mb.folders[0]!.id,
            seed: 4242,
            index: i,
            pdfs: i % 3 === 0 ? 1 : 0,
            jpegs: i % 4 === 0 ? 1 : 0,
          });
          delivered.push(m.internetMessageId);
          mailboxOf.set(m.internetMessageId, mb.id);
          deliveredAt.set(m.internetMessageId, Date.now());
          immutableIds.set(m.internetMessageId, m.immutableId);
          break;
        } catch (err) {
          deliveryErrors++;
          if (attempt > 5) throw err;
        }
      }
    }
  })();

  // Restarts are serialized (the kill loop and the watchdog never start two children of one process
  // at once, and one process at a time is down); a start that fails (e.g. while PostgreSQL restarts)
  // is retried.
  let lock: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = lock.then(fn, fn);
    lock = run.catch(() => undefined);
    return run;
  };
  const startProcess = async (p: MailroomProcess, name: string) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await p.start(120_000);
        event(`${named(p)} ready`);
        return;
      } catch (err) {
        event(`${name} start failed (attempt ${attempt}): ${String(err).slice(0, 300)}`);
        await p.kill();
        if (attempt >= 5) throw err;
        await sleep(2000);
      }
    }
  };

  // At random moments over the delivery, in turn: a worker killed (SIGKILL) and started again a few
  // seconds later (the other workers take over its jobs meanwhile), and every third time an API
  // process restarted (SIGTERM, then started: a rolling restart behind the balancer).
  let workerKills = 0;
  let apiRestarts = 0;
  /** When each worker was killed and each API stopped (ms): emails delivered near one are "disturbed". */
  const disturbances: number[] = [];
  const kill = (async () => {
    const start = Date.now();
    const gap = deliveryMs / (kills + 1);
    for (let k = 0; k < kills; k++) {
      const at = start + gap * (k + 0.5 + Math.random());
      if (at > Date.now()) await sleep(at - Date.now());
      const api = apiCount > 0 && k % 3 === 2;
      const target = api
        ? mailroom.apis[apiRestarts % apiCount]!
        : mailroom.workers[workerKills % workerCount]!;
      await exclusive(async () => {
        disturbances.push(Date.now());
        event(`${api ? 'stopping' : 'killing'} ${nameOf(target)} pid ${target.pid}`);
        if (api) {
          await target.stop();
          apiRestarts++;
        } else {
          await target.kill();
          workerKills++;
          await sleep(restartDelayMs);
        }
        await startProcess(target, nameOf(target));
      });
      event(
        `${api ? 'restart' : 'kill'} ${k + 1}/${kills}: ${nameOf(target)} (delivered ${delivered.length})`,
      );
    }
  })();

  // Delta tokens evicted every minute (one mailbox's; every fifth time all of them) while mail arrives.
  let evictions = 0;
  let evicting = true;
  const evict = (async () => {
    for (;;) {
      for (let t = 0; t < 60 && evicting; t++) await sleep(1000);
      if (!evicting) return;
      const mb = mailboxes[evictions % mailboxes.length]!;
      const r =
        evictions % 5 === 4
          ? await emu.control.evictDeltaTokens()
          : await emu.control.evictDeltaTokens({ mailbox: mb.address });
      evictions++;
      event(`delta tokens evicted (${evictions % 5 === 0 ? 'all mailboxes' : mb.address}: ${r.evicted})`);
    }
  })();

  // PostgreSQL restarted once, at 40 % of the delivery.
  let restarted = false;
  const restart = (async () => {
    if (!pgRestart) return;
    await sleep(deliveryMs * 0.4);
    await cluster.restart(pgRestartMode);
    restarted = true;
    event(`PostgreSQL restarted (${pgRestartMode}) after ${delivered.length} deliveries`);
  })();

  // A process exiting on its own (e.g. when the database goes away) is restarted and counted.
  let watching = true;
  const watchdog = (async () => {
    while (watching) {
      await sleep(1000);
      for (const p of mailroom.all) {
        if (!watching || !p.crashed) continue;
        await exclusive(async () => {
          if (!p.crashed) return;
          event(
            `${nameOf(p)} exited on its own (${p.unexpectedExits}): ${p.log.slice(-300).replace(/\s+/g, ' ')}; restarting`,
          );
          await startProcess(p, nameOf(p)).catch((err: unknown) => event(`restart failed: ${String(err)}`));
        });
      }
    }
  })();

  await Promise.all([delivery, kill, restart]);
  evicting = false;
  await evict;
  event(
    `delivery done: ${delivered.length} emails (${deliveryErrors} control retries); settling (up to ${settleMinutes} min)`,
  );

  // Settle: everything delivered has a document, nothing is pending and every document.created event
  // reached the receiver, stable for 3 polls.
  const settleUntil = Date.now() + settleMinutes * 60_000;
  let lastLog = 0;
  for (let stable = 0; Date.now() < settleUntil && stable < 3;) {
    const p = await progress(sql).catch(() => undefined);
    const w = await webhooksSettled(sql, receiver).catch(() => undefined);
    if (p && w && p.documents >= delivered.length && p.pending === 0 && w.settled) stable++;
    else stable = 0;
    if (Date.now() - lastLog > 30_000 && p) {
      lastLog = Date.now();
      event(
        `settling: ${p.documents}/${delivered.length} documents, ${p.pending} pending, ${p.failed} failed; webhooks ${w ? `${w.reached}/${w.events} reached, ${w.pending} deliveries pending` : '?'}`,
      );
    }
    await sleep(2000);
  }
  watching = false;
  await watchdog;

  // Every process reads what any other stored (issue 23 §3): the API processes serve the .eml of
  // documents that the workers stored, through the balancer, from the run's blob store.
  const sample = await sql.query<{ id: string }>('select id from documents order by random() limit 200');
  let blobReads = 0;
  const blobReadFailures: string[] = [];
  for (const { id } of sample.rows) {
    const r = await ws.client
      .call<string>('GET', api.documentEml(ws.workspaceId, id))
      .catch((err: unknown) => ({
        status: 0,
        body: String(err),
      }));
    blobReads++;
    if (r.status !== 200 || !r.body.length) blobReadFailures.push(`${id}: ${r.status}`);
  }
  event(`blob store: ${blobReads} .eml read through the API processes, ${blobReadFailures.length} failed`);

  // Count from the database, with Mailroom stopped so that the numbers are one consistent snapshot.
  await mailroom.stop();
  const docs = await sql.query<{ mid: string; n: number; first: Date }>(
    'select internet_message_id as mid, count(*)::int as n, min(created_at) as first from documents group by 1',
  );
  // Delivery → document (its first one), for the emails that got one.
  const timed = docs.rows.flatMap((r) =>
    deliveredAt.has(r.mid)
      ? [{ mid: r.mid, at: deliveredAt.get(r.mid)!, ms: r.first.getTime() - deliveredAt.get(r.mid)! }]
      : [],
  );
  const percentiles = (list: number[]) => {
    const sorted = [...list].sort((a, b) => a - b);
    const pct = (q: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
    return { n: sorted.length, p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), max: sorted.at(-1) ?? NaN };
  };
  const latency = percentiles(timed.map((t) => t.ms));
  // Delivered from 30 s before a kill or API stop to 30 s after it, or away from all of them.
  const near = (at: number) => disturbances.some((d) => at > d - 30_000 && at < d + 30_000);
  const latencyNearKills = percentiles(timed.filter((t) => near(t.at)).map((t) => t.ms));
  const latencyAwayFromKills = percentiles(timed.filter((t) => !near(t.at)).map((t) => t.ms));
  // Where a slow median comes from: the latency by the minute of delivery (a lasting slowdown after
  // one event, or spread evenly) and by mailbox (one mailbox held back, or all).
  const firstAt = timed.reduce((min, t) => Math.min(min, t.at), Infinity);
  const latencyBy = (key: (t: { at: number; mid: string }) => string) => {
    const groups = new Map<string, number[]>();
    for (const t of timed) {
      const k = key(t);
      const list = groups.get(k) ?? [];
      list.push(t.ms);
      groups.set(k, list);
    }
    return Object.fromEntries([...groups].map(([k, list]) => [k, percentiles(list)]));
  };
  const latencyByMinute = latencyBy((t) => String(Math.floor((t.at - firstAt) / 60_000)));
  const latencyByMailbox = latencyBy((t) => mailboxOf.get(t.mid) ?? '?');
  // What the emulator's throttler saw of these mailboxes (the customer app): Microsoft's own counts.
  const mailboxIds = new Set(mailboxes.map((m) => m.id));
  const throttle = (await emu.control.throttling()).counters.filter(
    (c) => mailboxIds.has(c.mailboxId) && c.appId === DEMO.customerApp.clientId,
  );
  const throttled429 = throttle.reduce((n, c) => n + c.throttled, 0);
  const peakInFlight = throttle.reduce((n, c) => Math.max(n, c.peakAttempted), 0);
  const byMid = new Map(docs.rows.map((r) => [r.mid, r.n]));
  const items = await sql.query<{ gid: string; state: string }>(
    'select graph_message_id as gid, state from mail_messages',
  );
  const itemState = new Map(items.rows.map((r) => [r.gid, r.state]));
  const undocumented = delivered.filter((m) => !byMid.has(m));
  // Without a document: still being worked on (pending/failed work item) is stuck; anything else is lost.
  const stuckItems = undocumented.filter((m) =>
    ['pending', 'failed'].includes(itemState.get(immutableIds.get(m)!) ?? ''),
  );
  const notRecorded = undocumented.filter((m) => !itemState.has(immutableIds.get(m)!));
  const accounted = new Set([...stuckItems, ...notRecorded]);
  const lost = undocumented.filter((m) => !accounted.has(m));
  const duplicated = docs.rows.filter((r) => r.n > 1).map((r) => r.mid);
  const deliveredSet = new Set(delivered);
  const unexpected = docs.rows.filter((r) => !deliveredSet.has(r.mid)).map((r) => r.mid);
  const work = await progress(sql);
  // The slowest 1 % (at least 20, at most 200) explained, one timeline each.
  const tail = await tailTimelines({
    sql,
    emu,
    t0,
    emails: new Map(
      delivered.map((m) => [
        m,
        { at: deliveredAt.get(m)!, immutableId: immutableIds.get(m)!, mailboxId: mailboxOf.get(m)! },
      ]),
    ),
    processes: processNames,
    count: Math.min(200, Math.max(20, Math.ceil(delivered.length / 100))),
  }).catch((err: unknown) => [{ error: String(err) }]);
  const webhooks = await webhookChaosCounts(sql, receiver);
  // Never recorded by the end of the settle time: counted as stuck (not lost) — the delta query still has it.
  const stuck = stuckItems.length + notRecorded.length;
  const faults = await emu.control.faults();
  const notifications = await emu.control.notificationLog();
  const report = {
    messages: delivered.length,
    mailboxes: mailboxCount,
    kills,
    workers: workerCount,
    apis: apiCount,
    workerKills,
    apiRestarts,
    blobStore:
      process.env.CHAOS_BLOB_STORE === 'azure'
        ? 'azure (Azurite)'
        : (process.env.BLOB_STORE ?? 'fs (one shared directory)'),
    blobReads,
    blobReadFailures: blobReadFailures.length,
    throttled429,
    peakInFlightPerMailbox: peakInFlight,
    peakInFlightByMailbox: Object.fromEntries(throttle.map((c) => [c.mailboxId, c.peakAttempted])),
    latencyMs: latency,
    latencyNearKillsMs: latencyNearKills,
    latencyAwayFromKillsMs: latencyAwayFromKills,
    latencyByDeliveryMinuteMs: latencyByMinute,
    latencyByMailboxMs: latencyByMailbox,
    unexpectedExits: mailroom.unexpectedExits,
    postgresRestarts: restarted ? 1 : 0,
    postgresRestartMode: pgRestartMode,
    deltaTokenEvictions: evictions,
    subscriptions: subs,
    graphFaultsInjected: faults.requests.reduce((a, r) => a + r.hits, 0),
    notificationFaults: Object.fromEntries(faults.notifications.map((f) => [f.kind, f.hits])),
    notificationPosts: notifications.filter((n) => n.kind === 'notification').length,
    documents: work.documents,
    lost: lost.length,
    duplicated: duplicated.length,
    stuck,
    stuckPending: work.pending,
    stuckFailed: work.failed,
    stuckNotRecorded: notRecorded.length,
    workItemsNotDone: work.pending + work.failed,
    unexpectedDocuments: unexpected.length,
    webhooks,
    seconds: Math.round((Date.now() - t0) / 1000),
    examples: {
      lost: lost.slice(0, 20),
      notRecorded: notRecorded.slice(0, 20),
      duplicated: duplicated.slice(0, 20),
      unexpected: unexpected.slice(0, 20),
      blobReadFailures: blobReadFailures.slice(0, 20),
    },
  };
  const webhooksOk =
    webhooks.events > 0 &&
    webhooks.reached === webhooks.events &&
    webhooks.lost === 0 &&
    webhooks.stuck === 0 &&
    webhooks.duplicatedUnderAnotherId === 0 &&
    webhooks.unexpected === 0 &&
    webhooks.documentsWithoutEvent === 0 &&
    webhooks.badSignatures === 0;
  const ok =
    report.lost === 0 &&
    report.duplicated === 0 &&
    report.stuck === 0 &&
    report.workItemsNotDone === 0 &&
    report.unexpectedDocuments === 0 &&
    throttled429 === 0 &&
    peakInFlight <= 4 &&
    blobReadFailures.length === 0 &&
    webhooksOk;
  if (!ok) event(`Mailroom log tails:\n${mailroom.logTail()}`);
  const file = writeResults('chaos', {
    environment: env0,
    database: 'postgres (private cluster)',
    ...report,
    events,
    tail,
    cpu: cpu.samples,
    db: dbActivity.samples,
  });
  console.log(
    [
      `| Chaos (${report.messages} emails, ${mailboxCount} mailboxes, ${workerCount} workers / ${apiCount} APIs, ${workerKills} worker kills + ${apiRestarts} API restarts, ${report.graphFaultsInjected} Graph faults, ${report.postgresRestarts} PostgreSQL restart, ${evictions} evictions) | Count |`,
      '| --- | --- |',
      `| Lost | ${report.lost} |`,
      `| Duplicated | ${report.duplicated} |`,
      `| Stuck (no document yet: work item pending ${report.stuckPending} / failed ${report.stuckFailed}, not recorded yet ${report.stuckNotRecorded}) | ${report.stuck} |`,
      `| Documents for mail never delivered | ${report.unexpectedDocuments} |`,
      `| 429s from the emulator's throttler (Microsoft's limits; injected faults not counted) | ${throttled429} |`,
      `| Peak requests in flight on one mailbox, as the emulator counts them (≤ 4) | ${peakInFlight} |`,
      `| Blob store (${report.blobStore}): .eml read through the API processes / failed | ${blobReads} / ${blobReadFailures.length} |`,
      `| Delivery → document, ms: p50 / p95 / p99 / max | ${latency.p50} / ${latency.p95} / ${latency.p99} / ${latency.max} |`,
      `| … delivered within 30 s of a kill or API stop (${latencyNearKills.n}) / away from them (${latencyAwayFromKills.n}): p50 / p99 | ${latencyNearKills.p50} / ${latencyNearKills.p99} — ${latencyAwayFromKills.p50} / ${latencyAwayFromKills.p99} |`,
      `| … by minute of delivery, p50 / p99 (s) | ${Object.entries(latencyByMinute)
        .map(([k, l]) => `${k}: ${(l.p50 / 1000).toFixed(1)}/${(l.p99 / 1000).toFixed(1)}`)
        .join(', ')} |`,
      `| … by mailbox, p50 / p99 (s) | ${Object.values(latencyByMailbox)
        .map((l) => `${(l.p50 / 1000).toFixed(1)}/${(l.p99 / 1000).toFixed(1)}`)
        .join(', ')} |`,
      `| Webhooks: document.created events / reached the receiver (a 2xx at least once) | ${webhooks.events} / ${webhooks.reached} |`,
      `| Webhooks lost (not reached, nothing retrying: delivery failed, missing or "succeeded" without a 2xx) | ${webhooks.lost} |`,
      `| Webhooks stuck (not reached yet, still retrying when the settle time ran out) | ${webhooks.stuck} |`,
      `| Webhooks received again with the same webhook-id (ids / extra copies) | ${webhooks.duplicatedIds} / ${webhooks.extraCopies} |`,
      `| Webhooks: a document's event under another webhook-id / ids not in the outbox | ${webhooks.duplicatedUnderAnotherId} / ${webhooks.unexpected} |`,
      `| Documents in an inbox without a document.created event | ${webhooks.documentsWithoutEvent} |`,
      `| Webhook signatures verified (standardwebhooks) / bad | ${webhooks.signaturesVerified} / ${webhooks.badSignatures} |`,
      '',
      `Receiver: ${webhooks.requests} requests — ${webhooks.answers.ok} 204, ${webhooks.answers.slow} slow 204, ${webhooks.answers.error} 500, ${webhooks.answers.timeout} no answer, ${webhooks.answers.reset} closed; Mailroom recorded ${webhooks.attemptsRecorded} attempts, deliveries ${JSON.stringify(webhooks.deliveriesByState)}.`,
      `Notification faults: ${JSON.stringify(report.notificationFaults)}; Mailroom exits on its own: ${report.unexpectedExits}; ${report.seconds} s. Results: ${file}`,
      ok ? 'chaos: every email exactly once, every document.created webhook at least once' : 'chaos: FAILED',
    ].join('\n'),
  );
  exitCode = ok ? 0 : 1;
} catch (err) {
  console.error('chaos: error:', err);
  exitCode = 2;
} finally {
  while (cleanup.length) await cleanup.pop()!().catch((err: unknown) => console.error('cleanup:', err));
}
process.exit(exitCode);
