// webhooks (issue 21, decision 0010): two measurements, each on its own fresh stack with
// WEBHOOK_ALLOW_PRIVATE=true so that Mailroom may post to a receiver on 127.0.0.1.
//  1. Deliveries per second: DELIVERIES (20,000) "send test event" deliveries queued through the API
//     while Mailroom runs with ROLES=api (no worker: a deploy, an outage), then Mailroom restarted with
//     its worker: the real dispatcher drains the backlog — claim, sign, POST, record — into a receiver
//     that answers 204 at once and verifies a sample of signatures with the `standardwebhooks` package.
//  2. End to end: emails delivered at RATE (20/s) over MAILBOXES (200) for SECONDS (60), push on (as in
//     the latency scenario); for each, delivery call → document visible in the database (the
//     document's own latency) and → its `document.created` webhook received.
import { type DeliveredMessage, type Emulator } from '@mailroom/m365-emulator';
import { api, type WebhookEndpointWithSecret } from '@mailroom/contracts';
import type pg from 'pg';
import { connectMailboxes, monitorFolders, type Workspace } from '../lib/api.ts';
import { deliverOnSchedule } from '../lib/arrivals.ts';
import { log, numberOption, scaled } from '../lib/options.ts';
import { cpuSecondsOf, machineCpu, sleep, type MailroomProcess } from '../lib/process.ts';
import { mib, percentile, round, type Row } from '../lib/report.ts';
import { settleSubscriptions, withStack } from '../lib/stack.ts';
import { createMailboxes, type BenchMailbox } from '../lib/tenant.ts';
import { WebhookReceiver } from '../lib/webhook-receiver.ts';
import type { ScenarioResult } from './types.ts';

const WEBHOOK_ENV = { WEBHOOK_ALLOW_PRIVATE: 'true' };
const ms = (n: number) => (Number.isFinite(n) ? `${Math.round(n)} ms` : 'n/a');
const pcts = (xs: number[]) => ({
  p50: percentile(xs, 50),
  p95: percentile(xs, 95),
  p99: percentile(xs, 99),
  max: percentile(xs, 100),
});
const trio = (xs: number[]) =>
  `${ms(percentile(xs, 50))} / ${ms(percentile(xs, 95))} / ${ms(percentile(xs, 99))}`;

export async function webhooks(): Promise<ScenarioResult> {
  const parts = (process.env.BENCH_WEBHOOKS_PARTS ?? 'rate,latency').split(',').map((s) => s.trim());
  const rows: Row[] = [];
  const data: Record<string, unknown> = {};
  const summary: string[] = [];
  if (parts.includes('rate')) {
    const r = await deliveryRate();
    rows.push(...r.rows);
    data.rate = r.data;
    summary.push(r.summary);
  }
  if (parts.includes('latency')) {
    const r = await endToEnd();
    rows.push(...r.rows);
    data.latency = r.data;
    summary.push(r.summary);
  }
  return { name: 'webhooks', summary: summary.join('; '), rows, data };
}

/** An endpoint for the receiver (its secret goes to the receiver, which verifies with it). */
async function addEndpoint(ws: Workspace, receiver: WebhookReceiver, eventTypes?: string[]): Promise<string> {
  const e = await ws.client.ok<WebhookEndpointWithSecret>('POST', api.webhooks(ws.workspaceId), {
    url: receiver.url,
    description: 'bench receiver',
    ...(eventTypes ? { eventTypes } : {}),
  });
  receiver.setSecret(e.secret);
  return e.id;
}

async function dbCounters(sql: pg.Pool) {
  const { rows } = await sql.query<{
    commits: string;
    rollbacks: string;
    inserted: string;
    updated: string;
    fetched: string;
    returned: string;
  }>(
    `select xact_commit::text as commits, xact_rollback::text as rollbacks, tup_inserted::text as inserted, tup_updated::text as updated, tup_fetched::text as fetched, tup_returned::text as returned
       from pg_stat_database where datname = current_database()`,
  );
  const r = rows[0]!;
  return {
    commits: Number(r.commits),
    rollbacks: Number(r.rollbacks),
    inserted: Number(r.inserted),
    updated: Number(r.updated),
    fetched: Number(r.fetched),
    returned: Number(r.returned),
  };
}

// ---------------------------------------------------------------------------------------------
// 1. Deliveries per second

async function deliveryRate(): Promise<{ summary: string; rows: Row[]; data: Record<string, unknown> }> {
  const total = scaled(numberOption('BENCH_WEBHOOKS_DELIVERIES', 20_000), 200);
  const timeoutMs = numberOption('BENCH_WEBHOOKS_TIMEOUT_MINUTES', 10) * 60_000;
  const receiver = await new WebhookReceiver({ verifyEvery: 50 }).start();
  try {
    return await withStack({ env: WEBHOOK_ENV }, async ({ sql, mailroom, ws }) => {
      const endpointId = await addEndpoint(ws, receiver);
      // The backlog: test events queued through the API while no worker runs (a deploy, an outage).
      await mailroom.stop();
      mailroom.setEnv({ ROLES: 'api' });
      await mailroom.start();
      log(`webhooks: queueing ${total} test deliveries through the API (no worker running)`);
      const q0 = Date.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < total) {
            next++;
            await ws.client.ok('POST', api.webhookTest(ws.workspaceId, endpointId));
          }
        }),
      );
      const queueSeconds = (Date.now() - q0) / 1000;
      log(
        `webhooks: queued in ${round(queueSeconds)} s (${round(total / queueSeconds)}/s); starting the worker`,
      );
      await mailroom.stop();
      mailroom.setEnv({ ROLES: 'api,worker' });
      await sleep(2000); // the statistics collector catches up before the snapshot
      const db0 = await dbCounters(sql);
      const started = Date.now();
      await mailroom.start();
      // The drain is timed from the first request at the receiver (not the process's start-up).
      while (receiver.requests === 0 && Date.now() - started < 60_000) await sleep(2);
      const before = {
        mailroom: mailroom.stats(),
        bench: process.cpuUsage(),
        pg: cpuSecondsOf('postgres'),
        machine: machineCpu(),
      };
      const t0 = Date.now();
      let peakRss = 0;
      let lastLog = Date.now();
      let timedOut = false;
      while (receiver.acceptedIds < total) {
        if (Date.now() - t0 > timeoutMs) {
          timedOut = true;
          break;
        }
        peakRss = Math.max(peakRss, mailroom.stats()?.rssBytes ?? 0);
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          log(
            `webhooks: ${Math.round((Date.now() - t0) / 1000)} s: ${receiver.acceptedIds}/${total} received`,
          );
        }
        await sleep(50);
      }
      const wall = (Date.now() - t0) / 1000;
      const after = {
        mailroom: mailroom.stats(),
        bench: process.cpuUsage(before.bench),
        pg: cpuSecondsOf('postgres'),
        machine: machineCpu(),
      };
      await sleep(2000);
      const db1 = await dbCounters(sql);

      const firsts = [...receiver.byId.values()].map((w) => w.acceptedAt ?? w.firstAt).sort((a, b) => a - b);
      const received = receiver.acceptedIds;
      const first = [...receiver.byId.values()].reduce((a, w) => Math.min(a, w.firstAt), Infinity);
      const seconds = timedOut ? wall : (firsts.at(-1)! - first) / 1000;
      const rate = received / seconds;
      // The steady rate, without the start (first claim after the PATCH) and the tail: 10 % → 90 %.
      const at = (q: number) => firsts[Math.min(firsts.length - 1, Math.floor(q * firsts.length))]!;
      const steady = firsts.length >= 100 ? (0.8 * firsts.length) / ((at(0.9) - at(0.1)) / 1000) : NaN;

      // Where a delivery's time goes, from what Mailroom recorded: last_attempt_at is the claim
      // statement's now() (one value per claim, so distinct values count claims), attempts.at the
      // record transaction's start, duration_ms the HTTP request.
      const states = await sql.query<{ state: string; n: number; attempts: number }>(
        `select state, count(*)::int as n, sum(attempts)::int as attempts from webhook_deliveries group by 1`,
      );
      const claims = await sql.query<{ n: number }>(
        `select count(distinct last_attempt_at)::int as n from webhook_deliveries`,
      );
      const split = await sql.query<{ id: string; claimed: Date; recorded: Date; http: number }>(
        `select 'msg_' || d.event_id as id, d.last_attempt_at as claimed, a.at as recorded, a.duration_ms as http
           from webhook_deliveries d join webhook_attempts a on a.delivery_id = d.id`,
      );
      const claimToArrival: number[] = [];
      const httpMs: number[] = [];
      const claimToRecorded: number[] = [];
      for (const r of split.rows) {
        const w = receiver.byId.get(r.id);
        if (w) claimToArrival.push(w.firstAt - r.claimed.getTime());
        httpMs.push(r.http);
        claimToRecorded.push(r.recorded.getTime() - r.claimed.getTime());
      }
      const byState = Object.fromEntries(states.rows.map((r) => [r.state, r.n]));
      const attemptsMade = states.rows.reduce((a, r) => a + r.attempts, 0);
      const duplicates = [...receiver.byId.values()].reduce((a, w) => a + Math.max(0, w.accepted - 1), 0);
      const mailroomCpu = (after.mailroom?.cpuSeconds ?? 0) - (before.mailroom?.cpuSeconds ?? 0);
      const mailroomSys = (after.mailroom?.systemCpuSeconds ?? 0) - (before.mailroom?.systemCpuSeconds ?? 0);
      const benchCpu = (after.bench.user + after.bench.system) / 1e6;
      const pgCpu = after.pg - before.pg;
      const idle =
        (after.machine.idle - before.machine.idle) /
        Math.max(1e-9, after.machine.total - before.machine.total);
      const perDelivery = (x: number) => round(x / Math.max(1, received), 2);
      const cpuRow = (who: string, s: number): Row => ({
        measure: `${who} CPU (avg cores) / CPU ms per delivery`,
        value: `${round(s / wall, 2)} / ${round((s * 1000) / Math.max(1, received), 2)}`,
      });
      const dbDelta = {
        commits: db1.commits - db0.commits,
        inserted: db1.inserted - db0.inserted,
        updated: db1.updated - db0.updated,
        fetched: db1.fetched - db0.fetched,
      };
      const claimCount = claims.rows[0]?.n ?? 0;
      const data = {
        deliveries: total,
        received,
        timedOut,
        seconds: round(seconds, 2),
        deliveriesPerSecond: round(rate),
        steadyPerSecond: round(steady),
        queuedPerSecond: round(total / queueSeconds),
        byState,
        attemptsMade,
        duplicates,
        signaturesVerified: receiver.verified,
        badSignatures: receiver.badSignatures,
        problems: receiver.problems,
        claims: claimCount,
        deliveriesPerClaim: round(received / Math.max(1, claimCount), 2),
        claimToArrivalMs: pcts(claimToArrival),
        httpMs: pcts(httpMs),
        claimToRecordedMs: pcts(claimToRecorded),
        cpu: {
          mailroomSeconds: mailroomCpu,
          mailroomSystemSeconds: mailroomSys,
          benchSeconds: benchCpu,
          postgresSeconds: pgCpu,
          machineIdleShare: idle,
          wallSeconds: wall,
        },
        mailroomPeakRssBytes: peakRss,
        database: {
          ...dbDelta,
          perDelivery: {
            commits: perDelivery(dbDelta.commits),
            inserted: perDelivery(dbDelta.inserted),
            updated: perDelivery(dbDelta.updated),
          },
        },
      };
      const rows: Row[] = [
        {
          measure: 'Rate: deliveries received / queued',
          value: `${received} / ${total}${timedOut ? ` (timed out after ${timeoutMs / 60_000} min)` : ''}; ${byState.succeeded ?? 0} succeeded, ${attemptsMade} attempts, ${duplicates} received twice`,
        },
        {
          measure: 'Rate: deliveries/s (first → last received)',
          value: `${round(rate)} in ${round(seconds, 1)} s (worker start → first request ${round((first - started) / 1000, 1)} s)`,
          target: '≥ 1,000/s',
          ok: !timedOut && rate >= 1000,
        },
        { measure: 'Rate: deliveries/s, steady (10 % → 90 %)', value: String(round(steady)) },
        {
          measure: 'Rate: signatures verified with standardwebhooks (1 in 50) / bad',
          value: `${receiver.verified} / ${receiver.badSignatures}`,
        },
        {
          measure: 'Rate: claim statements / deliveries per claim',
          value: `${claimCount} / ${data.deliveriesPerClaim}`,
        },
        { measure: 'Rate: claim → request at the receiver, p50 / p95 / p99', value: trio(claimToArrival) },
        { measure: 'Rate: HTTP request (as Mailroom timed it), p50 / p95 / p99', value: trio(httpMs) },
        { measure: 'Rate: claim → attempt recorded, p50 / p95 / p99', value: trio(claimToRecorded) },
        {
          measure: 'Rate: database transactions / rows inserted / rows updated, per delivery',
          value: `${data.database.perDelivery.commits} / ${data.database.perDelivery.inserted} / ${data.database.perDelivery.updated}`,
        },
        cpuRow('Rate: Mailroom', mailroomCpu),
        {
          measure: 'Rate: of which in the kernel (avg cores) / CPU ms per delivery',
          value: `${round(mailroomSys / wall, 2)} / ${round((mailroomSys * 1000) / Math.max(1, received), 2)}`,
        },
        cpuRow('Rate: receiver (bench process)', benchCpu),
        cpuRow('Rate: PostgreSQL', pgCpu),
        {
          measure: 'Rate: machine idle / Mailroom peak RSS',
          value: `${round(idle * 100)} % / ${mib(peakRss)} MiB`,
        },
      ];
      return {
        summary: `${total} test deliveries queued through the API (${round(total / queueSeconds)}/s) while no worker ran, then drained by the dispatcher of one worker into a 204 receiver`,
        rows,
        data,
      };
    });
  } finally {
    await receiver.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Email delivered → webhook received

async function endToEnd(): Promise<{ summary: string; rows: Row[]; data: Record<string, unknown> }> {
  const mailboxCount = scaled(numberOption('BENCH_WEBHOOKS_MAILBOXES', 200), 2);
  const rate = numberOption('BENCH_WEBHOOKS_RATE', 20);
  const seconds = scaled(numberOption('BENCH_WEBHOOKS_SECONDS', 60), 10);
  const total = Math.round(rate * seconds);
  let mailboxes: BenchMailbox[] = [];
  const receiver = await new WebhookReceiver({ verifyEvery: 1 }).start();
  /** Document id → when its document.created webhook was first received. */
  const hookAt = new Map<string, number>();
  receiver.onAccepted = (w) => {
    if (w.type === 'document.created' && typeof w.data.documentId === 'string')
      hookAt.set(w.data.documentId, w.firstAt);
  };
  try {
    return await withStack(
      {
        env: WEBHOOK_ENV,
        prepare: async (emu) => {
          log(`webhooks: creating ${mailboxCount} mailboxes`);
          mailboxes = await createMailboxes(emu, 'wh', mailboxCount, 1);
        },
      },
      async ({ emu, sql, mailroom, ws }) => {
        await addEndpoint(ws, receiver, ['document.created']);
        const ids = await connectMailboxes(ws, mailboxes);
        await monitorFolders(ws, mailboxes, ids, new Date(Date.now() - 1000));
        log('webhooks: waiting for every folder’s first delta round and its subscription');
        const { subs, neverSynced } = await settleSubscriptions('webhooks', emu, sql, mailboxCount);
        const push = subs > 0;
        if (!push) await reconciliationPath(mailroom);
        return measureEndToEnd({
          emu,
          sql,
          mailboxes,
          rate,
          seconds,
          total,
          push,
          subs,
          neverSynced,
          receiver,
          hookAt,
        });
      },
    );
  } finally {
    await receiver.close();
  }
}

async function reconciliationPath(mailroom: MailroomProcess): Promise<void> {
  log('webhooks: no subscriptions: measuring the reconciliation path (SYNC_RECONCILE_SECONDS=30)');
  await mailroom.stop();
  mailroom.setEnv({ SYNC_RECONCILE_SECONDS: '30' });
  await mailroom.start();
}

async function measureEndToEnd(o: {
  emu: Emulator;
  sql: pg.Pool;
  mailboxes: BenchMailbox[];
  rate: number;
  seconds: number;
  total: number;
  push: boolean;
  subs: number;
  neverSynced: number;
  receiver: WebhookReceiver;
  hookAt: Map<string, number>;
}): Promise<{ summary: string; rows: Row[]; data: Record<string, unknown> }> {
  const { emu, sql, mailboxes, rate, total, push, receiver, hookAt } = o;
  log(
    `webhooks: delivering ${total} emails at ${rate}/s across ${mailboxes.length} mailboxes (${push ? `push, ${o.subs} subscriptions` : 'reconciliation'})`,
  );
  /** internet message id → document id, when first seen, documents.created_at. */
  const seen = new Map<string, { id: string; at: number; created: number }>();
  let polling = true;
  const poller = (async () => {
    let since = new Date(Date.now() - 60_000);
    while (polling) {
      const { rows } = await sql.query<{ id: string; mid: string; created: Date }>(
        'select id, internet_message_id as mid, created_at as created from documents where created_at >= $1',
        [since],
      );
      const now = Date.now();
      for (const r of rows)
        if (!seen.has(r.mid)) seen.set(r.mid, { id: r.id, at: now, created: r.created.getTime() });
      since = new Date(now - 30_000); // created_at is the transaction's start: a document may commit later than a newer one
      await sleep(100);
    }
  })();
  const { delivered, sentAt, deliveryErrors } = await deliverOnSchedule(emu, {
    at: Array.from({ length: total }, (_, i) => (i * 1000) / rate),
    mailboxFor: (i) => mailboxes[i % mailboxes.length]!,
    seed: 7101,
  });
  const waitMs = push ? 60_000 : 150_000;
  log(
    `webhooks: delivered ${delivered.length}; waiting up to ${waitMs / 1000} s for the documents and their webhooks`,
  );
  const done = (m: DeliveredMessage) => {
    const s = seen.get(m.internetMessageId);
    return !!s && hookAt.has(s.id);
  };
  for (const until = Date.now() + waitMs; Date.now() < until && !delivered.every(done);) await sleep(200);
  polling = false;
  await poller;

  const visible: number[] = [];
  const created: number[] = [];
  const hook: number[] = [];
  const hookAfterCreated: number[] = [];
  const hookAfterVisible: number[] = [];
  let noDocument = 0;
  let noHook = 0;
  for (const m of delivered) {
    const s = sentAt.get(m.internetMessageId)!;
    const d = seen.get(m.internetMessageId);
    if (!d) {
      noDocument++;
      continue;
    }
    visible.push(d.at - s);
    created.push(d.created - s);
    const h = hookAt.get(d.id);
    if (h === undefined) {
      noHook++;
      continue;
    }
    hook.push(h - s);
    hookAfterCreated.push(h - d.created);
    hookAfterVisible.push(h - d.at);
  }
  // The webhook's own path, from what Mailroom recorded: document transaction → claimed (the delivery
  // row is made in the document's transaction: its created_at is that transaction's start).
  const split = await sql.query<{ id: string; queued: Date; claimed: Date; http: number; attempts: number }>(
    `select d.document_id as id, d.created_at as queued, d.last_attempt_at as claimed, d.attempts, (select min(a.duration_ms) from webhook_attempts a where a.delivery_id = d.id) as http
       from webhook_deliveries d where d.event_type = 'document.created'`,
  );
  const queuedToClaimed: number[] = [];
  const httpMs: number[] = [];
  let retried = 0;
  for (const r of split.rows) {
    if (r.attempts > 1) retried++;
    else queuedToClaimed.push(r.claimed.getTime() - r.queued.getTime());
    if (r.http !== null) httpMs.push(r.http);
  }
  const missing = noDocument + noHook;
  const p99Over = percentile(hookAfterCreated, 99);
  const path = push ? 'push' : 'reconciliation';
  const data = {
    path,
    mailboxes: mailboxes.length,
    ratePerSecond: rate,
    seconds: o.seconds,
    delivered: delivered.length,
    deliveryErrors,
    documents: visible.length,
    webhooks: hook.length,
    noDocument,
    noWebhook: noHook,
    subscriptions: o.subs,
    foldersWithoutFirstRound: o.neverSynced,
    signaturesVerified: receiver.verified,
    badSignatures: receiver.badSignatures,
    problems: receiver.problems,
    retriedDeliveries: retried,
    documentVisibleMs: pcts(visible),
    documentCreatedAtMs: pcts(created),
    webhookReceivedMs: pcts(hook),
    webhookAfterCreatedAtMs: pcts(hookAfterCreated),
    webhookAfterVisibleMs: pcts(hookAfterVisible),
    queuedToClaimedMs: pcts(queuedToClaimed),
    httpMs: pcts(httpMs),
  };
  const rows: Row[] = [
    {
      measure: 'Latency: path / emails delivered / documents / webhooks',
      value: `${path}${o.neverSynced ? ` (${o.neverSynced} folders never had a first round)` : ''} / ${delivered.length} / ${visible.length} / ${hook.length}${missing ? ` (${missing} missing after ${waitMs / 1000} s)` : ''}`,
    },
    {
      measure: 'Latency: delivery → document visible (its own latency), p50 / p95 / p99',
      value: trio(visible),
    },
    { measure: 'Latency: delivery → documents.created_at, p50 / p95 / p99', value: trio(created) },
    { measure: 'Latency: delivery → webhook received, p50 / p95 / p99', value: trio(hook) },
    {
      measure: 'Latency: documents.created_at → webhook received (on top of the document), p50 / p95 / p99',
      value: trio(hookAfterCreated),
      target: 'p99 ≤ 1 s',
      ok: push && !missing && p99Over <= 1000,
    },
    {
      measure: 'Latency: document visible (100 ms poll) → webhook received, p50 / p95 / p99',
      value: trio(hookAfterVisible),
    },
    {
      measure: 'Latency: document transaction → delivery claimed, p50 / p95 / p99 (first attempts)',
      value: trio(queuedToClaimed),
    },
    {
      measure: 'Latency: HTTP request, p50 / p99; retried deliveries; signatures verified / bad',
      value: `${ms(percentile(httpMs, 50))} / ${ms(percentile(httpMs, 99))}; ${retried}; ${receiver.verified} / ${receiver.badSignatures}`,
    },
  ];
  return {
    summary: `${mailboxes.length} mailboxes, ${delivered.length} emails at ${rate}/s, path **${path}**, an endpoint for document.created`,
    rows,
    data,
  };
}
