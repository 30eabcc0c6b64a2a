// New mail → document, measured per email: the `latency` and `hot` scenarios. Mailboxes are warmed up
// first (one email each, recorded by the folders' first rounds, as in a mailbox that was receiving
// mail before the measurement: its folder is "hot", decision 0021), then emails are delivered on a
// schedule and each is timed from its delivery call to its document.
import { MICROSOFT_NOTIFICATION_LATENCY, type DeliveredMessage } from '@mailroom/m365-emulator';
import { connectMailboxes, monitorFolders } from './api.ts';
import { GraphMeter, diffTally, throttleTotals } from './graph-meter.ts';
import { log } from './options.ts';
import { sleep } from './process.ts';
import { percentile } from './report.ts';
import { progress, settleSubscriptions, type Stack } from './stack.ts';
import { attachmentMix, type BenchMailbox } from './tenant.ts';

/** How Microsoft's notifications are timed: its documented distribution (median 25 s, at most 3 min) or at once. */
export type NotifyMode = 'microsoft' | 'instant';

export function notifyModeOption(): NotifyMode {
  const v = process.env.BENCH_NOTIFY_LATENCY ?? 'microsoft';
  if (v !== 'microsoft' && v !== 'instant')
    throw new Error(`BENCH_NOTIFY_LATENCY must be microsoft or instant (got ${JSON.stringify(v)})`);
  return v;
}

/** Hot-folder polling in Mailroom (on by default; off: SYNC_HOT_MINUTES=0, push and reconciliation only). */
export function hotOption(): boolean {
  const v = process.env.BENCH_HOT ?? 'on';
  if (v !== 'on' && v !== 'off') throw new Error(`BENCH_HOT must be on or off (got ${JSON.stringify(v)})`);
  return v === 'on';
}

/** The emulator's and the rules' settings that change these numbers, for the tables' summaries. */
export function conditions(): string {
  const service = process.env.BENCH_SERVICE_TIME_MS ?? '0';
  const scope = process.env.BENCH_CONCURRENCY_SCOPE ?? 'perMailbox';
  return `Graph service time ${service} ms, concurrency ${scope}, processed marker ${process.env.BENCH_MARKER === 'off' ? 'off' : 'on'}`;
}

/** Mailroom's environment for a hot-polling setting. */
export const hotEnv = (hot: boolean): Record<string, string> => (hot ? {} : { SYNC_HOT_MINUTES: '0' });

export interface ArrivalStats {
  delivered: number;
  deliveryErrors: number;
  deliverySeconds: number;
  documents: number;
  missing: number;
  waitMs: number;
  subscriptions: number;
  foldersWithoutFirstRound: number;
  notificationPosts: number;
  notificationItems: number;
  /** Delivery call → document seen by a 100 ms poll. */
  visibleMs: number[];
  /** The same per email in delivery order (null: no document, or the delivery failed). */
  visibleByIndex: (number | null)[];
  /** Delivery call → `documents.created_at`. */
  createdMs: number[];
  /** Delivery → work item recorded: waiting for Microsoft's notification, or for a polling round. */
  toRecordedMs: number[];
  /** Work item → document: Mailroom's own time (ingestion). */
  toDocumentMs: number[];
  /** The two above per email in delivery order (null: no document). */
  toRecordedByIndex: (number | null)[];
  toDocumentByIndex: (number | null)[];
  /**
   * Of Mailroom's own time, the part its `message.ingest` job waited to be taken by a poller (pg-boss's
   * `created_on` → `started_on`; the last attempt's start), per email in delivery order.
   */
  queuedByIndex: (number | null)[];
  /** Delta requests during the measurement (notifications' rounds, polling rounds, reconciliation). */
  deltaRequests: number;
  /** Every Graph request Microsoft counts during the measurement, and its 429s. */
  graphCounted: number;
  graph429: number;
  measuredSeconds: number;
}

/**
 * Connects `mailboxes`, warms each up with one email, waits for the folders' first rounds and their
 * subscriptions, sets the emulator's notification latency, then delivers `at.length` emails — the
 * i-th at `at[i]` ms after the start, into `mailboxFor(i)` — and times each to its document.
 */
export async function measureArrivals(
  { emu, sql, ws }: Stack,
  opts: {
    name: string;
    mailboxes: BenchMailbox[];
    at: number[];
    mailboxFor: (i: number) => BenchMailbox;
    notify: NotifyMode;
    waitMs: number;
  },
): Promise<ArrivalStats> {
  const { name, mailboxes } = opts;
  // Mail before the measurement, read by the first rounds (it is newer than their start date).
  const start = new Date(Date.now() - 60_000);
  for (const [i, mb] of mailboxes.entries())
    await emu.control.deliverGenerated(mb.address, { folder: mb.folders[0]!.id, seed: 7000, index: i });
  const ids = await connectMailboxes(ws, mailboxes);
  // BENCH_MARKER=off: the rules write no processed marker (one request less per email, issue 22 §2.6).
  const marker = process.env.BENCH_MARKER !== 'off';
  await monitorFolders(ws, mailboxes, ids, start, 4, marker ? {} : { writeMarker: false });
  log(`${name}: waiting for every folder’s first delta round and its subscription`);
  const { subs, neverSynced } = await settleSubscriptions(name, emu, sql, mailboxes.length);
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(500))
    if ((await progress(sql)).documents >= mailboxes.length) break;
  await emu.control.setNotificationSettings(
    opts.notify === 'microsoft' ? MICROSOFT_NOTIFICATION_LATENCY : { latencyMedianMs: 0 },
  );
  const notifSeq = (await emu.control.notificationLog()).at(-1)?.seq ?? 0;
  const meter = new GraphMeter(emu);
  await meter.start();
  const before = await meter.snapshot();
  const mailboxIds = new Set(mailboxes.map((m) => m.id));
  const counted0 = await throttleTotals(emu, mailboxIds);

  log(
    `${name}: delivering ${opts.at.length} emails over ${mailboxes.length} mailboxes (notifications ${opts.notify}, ${subs} subscriptions)`,
  );
  const seenAt = new Map<string, number>();
  const createdAt = new Map<string, number>();
  let polling = true;
  const poller = (async () => {
    let since = new Date(Date.now() - 60_000);
    while (polling) {
      const { rows } = await sql.query<{ mid: string; created: Date }>(
        'select internet_message_id as mid, created_at as created from documents where created_at >= $1',
        [since],
      );
      const now = Date.now();
      for (const r of rows) {
        if (seenAt.has(r.mid)) continue;
        seenAt.set(r.mid, now);
        createdAt.set(r.mid, r.created.getTime());
      }
      // created_at is the transaction's start: a document may commit later than a newer one.
      since = new Date(now - 30_000);
      await sleep(100);
    }
  })();
  const { delivered, sentAt, indexOf, deliveryErrors, t0 } = await deliverOnSchedule(emu, {
    at: opts.at,
    mailboxFor: opts.mailboxFor,
    seed: 7001,
  });
  const deliverySeconds = (Date.now() - t0) / 1000;
  log(
    `${name}: delivered ${delivered.length} in ${deliverySeconds.toFixed(1)} s; waiting up to ${opts.waitMs / 1000} s`,
  );
  const until = Date.now() + opts.waitMs;
  while (Date.now() < until && delivered.some((m) => !seenAt.has(m.internetMessageId))) await sleep(200);
  polling = false;
  await poller;
  const measuredSeconds = (Date.now() - t0) / 1000;
  const tally = diffTally(before, await meter.snapshot());
  meter.stop();
  const counted = await throttleTotals(emu, mailboxIds);

  const visibleMs: number[] = [];
  const visibleByIndex: (number | null)[] = opts.at.map(() => null);
  const createdMs: number[] = [];
  for (const m of delivered) {
    const v = seenAt.get(m.internetMessageId);
    if (v === undefined) continue;
    const s = sentAt.get(m.internetMessageId)!;
    visibleMs.push(v - s);
    visibleByIndex[indexOf.get(m.internetMessageId)!] = v - s;
    createdMs.push(createdAt.get(m.internetMessageId)! - s);
  }
  const split = await sql.query<{ mid: string; recorded: Date; created: Date; queued: number | null }>(
    `select d.internet_message_id as mid, m.created_at as recorded, d.created_at as created,
       (extract(epoch from j.started - j.created) * 1000)::float8 as queued
     from documents d join mail_messages m on m.id = d.message_id
     left join (select data->>'messageId' as message_id, min(created_on) as created, min(started_on) as started
                from pgboss.job where name = 'message.ingest' group by 1) j on j.message_id = m.id::text`,
  );
  const toRecordedByIndex: (number | null)[] = opts.at.map(() => null);
  const toDocumentByIndex: (number | null)[] = opts.at.map(() => null);
  const queuedByIndex: (number | null)[] = opts.at.map(() => null);
  for (const r of split.rows) {
    const s = sentAt.get(r.mid);
    if (s === undefined) continue;
    const i = indexOf.get(r.mid)!;
    toRecordedByIndex[i] = r.recorded.getTime() - s;
    toDocumentByIndex[i] = r.created.getTime() - r.recorded.getTime();
    queuedByIndex[i] = r.queued;
  }
  const measured = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
  const notifications = (await emu.control.notificationLog(notifSeq)).filter(
    (r) => r.kind === 'notification',
  );
  return {
    delivered: delivered.length,
    deliveryErrors,
    deliverySeconds,
    documents: visibleMs.length,
    missing: delivered.length - visibleMs.length,
    waitMs: opts.waitMs,
    subscriptions: subs,
    foldersWithoutFirstRound: neverSynced,
    notificationPosts: notifications.length,
    notificationItems: notifications.reduce((a, r) => a + r.items, 0),
    visibleMs,
    visibleByIndex,
    createdMs,
    toRecordedMs: measured(toRecordedByIndex),
    toDocumentMs: measured(toDocumentByIndex),
    toRecordedByIndex,
    toDocumentByIndex,
    queuedByIndex,
    deltaRequests: tally.byKind.delta,
    graphCounted: counted.served + counted.throttled - counted0.served - counted0.throttled,
    graph429: counted.throttled - counted0.throttled,
    measuredSeconds,
  };
}

/**
 * Delivers generated emails on a schedule — the i-th `at[i]` ms after the start (200 ms from now), into
 * `mailboxFor(i)`'s first folder — and says when each delivery call was made.
 */
export async function deliverOnSchedule(
  emu: Stack['emu'],
  opts: { at: number[]; mailboxFor: (i: number) => BenchMailbox; seed: number },
): Promise<{
  delivered: DeliveredMessage[];
  sentAt: Map<string, number>;
  indexOf: Map<string, number>;
  deliveryErrors: number;
  t0: number;
}> {
  const sentAt = new Map<string, number>();
  const indexOf = new Map<string, number>();
  const calls: Promise<DeliveredMessage | undefined>[] = [];
  let deliveryErrors = 0;
  const t0 = Date.now() + 200;
  for (const [i, offset] of opts.at.entries()) {
    const due = t0 + offset;
    if (due > Date.now()) await sleep(Math.max(0, due - Date.now()));
    const mb = opts.mailboxFor(i);
    const sent = Date.now();
    calls.push(
      emu.control
        .deliverGenerated(mb.address, {
          folder: mb.folders[0]!.id,
          seed: opts.seed,
          index: i,
          ...attachmentMix(i),
        })
        .then(
          (m) => {
            sentAt.set(m.internetMessageId, sent);
            indexOf.set(m.internetMessageId, i);
            return m;
          },
          () => {
            deliveryErrors++;
            return undefined;
          },
        ),
    );
  }
  const delivered = (await Promise.all(calls)).filter((m): m is DeliveredMessage => !!m);
  return { delivered, sentAt, indexOf, deliveryErrors, t0 };
}

/** p50 / p95 / p99 / max of a list, for the tables and the JSON. */
export function quantiles(xs: number[]): { p50: number; p95: number; p99: number; max: number } {
  return {
    p50: percentile(xs, 50),
    p95: percentile(xs, 95),
    p99: percentile(xs, 99),
    max: percentile(xs, 100),
  };
}

export const ms = (n: number): string => (Number.isFinite(n) ? `${Math.round(n)} ms` : 'n/a');
