// latency: MAILBOXES (200) mailboxes, emails delivered at RATE (20/s) for SECONDS (60) s, round robin;
// for each email, the time from its delivery call to the emulator until its document is in Mailroom's
// database (first seen by a 100 ms poll, and documents.created_at). Push path when Mailroom holds a
// subscription per folder, otherwise reconciliation (then with SYNC_RECONCILE_SECONDS=30).
import { DEMO, type DeliveredMessage } from '@mailroom/m365-emulator';
import { connectMailboxes, monitorFolders } from '../lib/api.ts';
import { log, numberOption, scaled } from '../lib/options.ts';
import { sleep } from '../lib/process.ts';
import { percentile, round } from '../lib/report.ts';
import { foldersNeverSynced, progress, subscriptionCount, withStack } from '../lib/stack.ts';
import { attachmentMix, createMailboxes, type BenchMailbox } from '../lib/tenant.ts';
import type { ScenarioResult } from './types.ts';

export async function latency(): Promise<ScenarioResult> {
  const mailboxCount = scaled(numberOption('BENCH_LATENCY_MAILBOXES', 200), 2);
  const rate = numberOption('BENCH_LATENCY_RATE', 20);
  const seconds = scaled(numberOption('BENCH_LATENCY_SECONDS', 60), 10);
  const total = Math.round(rate * seconds);
  let mailboxes: BenchMailbox[] = [];
  return withStack(
    {
      prepare: async (emu) => {
        log(`latency: creating ${mailboxCount} mailboxes`);
        mailboxes = await createMailboxes(emu, 'lat', mailboxCount, 1);
      },
    },
    async ({ emu, sql, mailroom, ws }) => {
      const ids = await connectMailboxes(ws, mailboxes);
      await monitorFolders(ws, mailboxes, ids, new Date(Date.now() - 1000));
      log('latency: waiting for every folder’s first delta round and its subscription');
      // Up to 5 minutes; a folder still without its first round is reported (its mail may never come).
      let neverSynced = await foldersNeverSynced(sql);
      for (
        const until = Date.now() + 5 * 60_000;
        neverSynced > 0 && Date.now() < until;
        neverSynced = await foldersNeverSynced(sql)
      )
        await sleep(500);
      if (neverSynced)
        log(
          `latency: ${neverSynced} folders still without a first delta round after 5 minutes; measuring anyway`,
        );
      // Subscriptions are made on (or right after) the first round; give them time to settle.
      let subs = 0;
      for (let i = 0, same = 0; i < 60; i++) {
        const n = await subscriptionCount(emu, DEMO.customerApp.clientId);
        same = n === subs ? same + 1 : 0;
        subs = n;
        if (n >= mailboxCount || same >= 10) break;
        await sleep(1000);
      }
      const push = subs > 0;
      if (!push) {
        log('latency: no subscriptions: measuring the reconciliation path (SYNC_RECONCILE_SECONDS=30)');
        await mailroom.stop();
        mailroom.setEnv({ SYNC_RECONCILE_SECONDS: '30' });
        await mailroom.start();
      }
      const notifSeq = (await emu.control.notificationLog()).at(-1)?.seq ?? 0;
      const before = await progress(sql);

      log(
        `latency: delivering ${total} emails at ${rate}/s across ${mailboxCount} mailboxes (${push ? `push, ${subs} subscriptions` : 'reconciliation'})`,
      );
      const sentAt = new Map<string, number>();
      const seenAt = new Map<string, number>();
      const createdAt = new Map<string, number>();
      const calls: Promise<DeliveredMessage | undefined>[] = [];
      let deliveryErrors = 0;
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
      const t0 = Date.now() + 200;
      for (let i = 0; i < total; i++) {
        const due = t0 + (i * 1000) / rate;
        if (due > Date.now()) await sleep(Math.max(0, due - Date.now()));
        const mb = mailboxes[i % mailboxes.length]!;
        const sent = Date.now();
        calls.push(
          emu.control
            .deliverGenerated(mb.address, {
              folder: mb.folders[0]!.id,
              seed: 7001,
              index: i,
              ...attachmentMix(i),
            })
            .then(
              (m) => {
                sentAt.set(m.internetMessageId, sent);
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
      const deliverySeconds = (Date.now() - t0) / 1000;
      const waitMs = push ? 60_000 : 150_000;
      log(
        `latency: delivered ${delivered.length} in ${round(deliverySeconds)} s; waiting up to ${waitMs / 1000} s for the documents`,
      );
      const until = Date.now() + waitMs;
      while (Date.now() < until && delivered.some((m) => !seenAt.has(m.internetMessageId))) await sleep(200);
      polling = false;
      await poller;

      const visible: number[] = [];
      const created: number[] = [];
      for (const m of delivered) {
        const s = sentAt.get(m.internetMessageId)!;
        const v = seenAt.get(m.internetMessageId);
        if (v === undefined) continue;
        visible.push(v - s);
        created.push(createdAt.get(m.internetMessageId)! - s);
      }
      const missing = delivered.length - visible.length;
      // Where the time goes: delivery → work item recorded (notification + delta round) → document (ingestion).
      const split = await sql.query<{ mid: string; recorded: Date; created: Date }>(
        'select d.internet_message_id as mid, m.created_at as recorded, d.created_at as created from documents d join mail_messages m on m.id = d.message_id',
      );
      const toRecorded: number[] = [];
      const toDocument: number[] = [];
      for (const r of split.rows) {
        const s = sentAt.get(r.mid);
        if (s === undefined) continue;
        toRecorded.push(r.recorded.getTime() - s);
        toDocument.push(r.created.getTime() - r.recorded.getTime());
      }
      const notifications = (await emu.control.notificationLog(notifSeq)).filter(
        (r) => r.kind === 'notification',
      );
      const after = await progress(sql);
      const ms = (n: number) => (Number.isFinite(n) ? `${Math.round(n)} ms` : 'n/a');
      const p = (xs: number[], q: number) => percentile(xs, q);
      const p99 = missing ? Infinity : p(visible, 99);
      const path = push ? 'push' : 'reconciliation';
      const data = {
        path,
        mailboxes: mailboxCount,
        ratePerSecond: rate,
        seconds,
        delivered: delivered.length,
        deliveryErrors,
        deliverySeconds: round(deliverySeconds),
        documents: visible.length,
        missing,
        subscriptions: subs,
        foldersWithoutFirstRound: neverSynced,
        notificationPosts: notifications.length,
        notificationItems: notifications.reduce((a, r) => a + r.items, 0),
        notificationPostsFailed: notifications.filter((r) => !r.delivered).length,
        visibleMs: { p50: p(visible, 50), p95: p(visible, 95), p99: p(visible, 99), max: p(visible, 100) },
        createdAtMs: { p50: p(created, 50), p95: p(created, 95), p99: p(created, 99), max: p(created, 100) },
        deliveryToRecordedMs: { p50: p(toRecorded, 50), p95: p(toRecorded, 95), p99: p(toRecorded, 99) },
        recordedToDocumentMs: { p50: p(toDocument, 50), p95: p(toDocument, 95), p99: p(toDocument, 99) },
        workItems: { before, after },
      };
      return {
        name: 'latency',
        summary: `${mailboxCount} mailboxes, ${delivered.length} emails at ${rate}/s for ${seconds} s (a quarter with attachments), path: **${path}** (${subs} subscriptions, ${data.notificationItems} notification items in ${notifications.length} POSTs)`,
        rows: [
          {
            measure: 'Path measured',
            value: `${path}${neverSynced ? ` (${neverSynced} folders never had a first delta round)` : ''}`,
          },
          {
            measure: 'Emails delivered / documents',
            value: `${delivered.length} / ${visible.length}${missing ? ` (${missing} not there after ${waitMs / 1000} s)` : ''}`,
          },
          { measure: 'Delivery → document visible, p50', value: ms(p(visible, 50)) },
          { measure: 'Delivery → document visible, p95', value: ms(p(visible, 95)) },
          {
            measure: 'Delivery → document visible, p99',
            value: missing ? `> ${waitMs / 1000} s (${missing} missing)` : ms(p99),
            target: '≤ 1 s (push path)',
            ok: push && p99 <= 1000,
          },
          {
            measure: 'Delivery → documents.created_at, p50 / p99',
            value: `${ms(p(created, 50))} / ${ms(p(created, 99))}`,
          },
          { measure: 'Max', value: ms(p(visible, 100)) },
          {
            measure: 'Split, p50 / p99: delivery → work item recorded (notification + delta round)',
            value: `${ms(p(toRecorded, 50))} / ${ms(p(toRecorded, 99))}`,
          },
          {
            measure: 'Split, p50 / p99: work item → document (ingestion)',
            value: `${ms(p(toDocument, 50))} / ${ms(p(toDocument, 99))}`,
          },
        ],
        data,
      };
    },
  );
}
