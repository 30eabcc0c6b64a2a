// scale: FOLDERS (10,000) monitored folders (100 per mailbox), all idle. After every folder's first
// delta round and subscription, Mailroom idles for IDLE_SECONDS (300): its RSS and CPU, the Graph
// requests it makes, and subscription renewals. Then a renewal storm: every subscription gets a
// `reauthorizationRequired` lifecycle event (BENCH_SCALE_REAUTHORIZE=off to skip) and the time until
// each got a renew/reauthorize/recreate call is measured.
import { DEMO } from '@mailroom/m365-emulator';
import { connectMailboxes, monitorFolders } from '../lib/api.ts';
import { GraphMeter, diffTally } from '../lib/graph-meter.ts';
import { log, numberOption, scaled } from '../lib/options.ts';
import { sleep } from '../lib/process.ts';
import { mib, round } from '../lib/report.ts';
import { foldersNeverSynced, subscriptionCount, withStack } from '../lib/stack.ts';
import { createMailboxes, type BenchMailbox } from '../lib/tenant.ts';
import type { ScenarioResult } from './types.ts';

const GiB = 2 ** 30;

export async function scale(): Promise<ScenarioResult> {
  const folderCount = scaled(numberOption('BENCH_SCALE_FOLDERS', 10_000), 10);
  const perMailbox = Math.min(100, folderCount);
  const mailboxCount = Math.ceil(folderCount / perMailbox);
  const idleSeconds = scaled(numberOption('BENCH_SCALE_IDLE_SECONDS', 300), 30);
  const reauthorize = process.env.BENCH_SCALE_REAUTHORIZE !== 'off';
  let mailboxes: BenchMailbox[] = [];
  return withStack(
    {
      prepare: async (emu) => {
        log(`scale: ${mailboxCount} mailboxes × ${perMailbox} folders`);
        mailboxes = await createMailboxes(emu, 'sc', mailboxCount, perMailbox, 16);
      },
    },
    async ({ emu, sql, mailroom, ws }) => {
      const app = DEMO.customerApp.clientId;
      const ids = await connectMailboxes(ws, mailboxes);
      const meter = new GraphMeter(emu);
      await meter.start();
      const tSetup = Date.now();
      await monitorFolders(ws, mailboxes, ids, new Date(Date.now() - 1000));
      log(`scale: ${folderCount} folders monitored; waiting for first delta rounds`);
      const setupMinutes = numberOption('BENCH_SCALE_SETUP_MINUTES', 20);
      let left = await foldersNeverSynced(sql);
      for (
        let i = 1;
        left > 0 && Date.now() - tSetup < setupMinutes * 60_000;
        i++, left = await foldersNeverSynced(sql)
      ) {
        if (i % 30 === 0) log(`scale: ${left} folders without a first round`);
        await sleep(1000);
      }
      if (left)
        log(
          `scale: ${left} folders still without a first round after ${setupMinutes} minutes; idling anyway`,
        );
      const firstRoundsSeconds = (Date.now() - tSetup) / 1000;
      let subs = 0;
      // Until every folder has one, or the count stops moving for 30 s (at most 5 minutes).
      for (
        let same = 0, until = Date.now() + 5 * 60_000;
        same < 30 && subs < folderCount && Date.now() < until;
      ) {
        const n = await subscriptionCount(emu, app);
        same = n === subs ? same + 1 : 0;
        subs = n;
        await sleep(1000);
      }
      const settledSeconds = (Date.now() - tSetup) / 1000;
      const setupTally = await meter.snapshot();
      log(
        `scale: first rounds in ${round(firstRoundsSeconds)} s, ${subs} subscriptions after ${round(settledSeconds)} s; idling ${idleSeconds} s`,
      );

      const subsBefore = (await emu.control.subscriptions()).filter((s) => s.appId === app);
      const expiry0 = new Map(subsBefore.map((s) => [s.id, Date.parse(s.expirationDateTime)]));
      const start = mailroom.stats()!;
      const samples: { t: number; rssBytes: number; cpuSeconds: number }[] = [];
      const t0 = Date.now();
      while (Date.now() - t0 < idleSeconds * 1000) {
        const st = mailroom.stats();
        if (!st) throw new Error(`Mailroom exited while idle: ${mailroom.log.slice(-2000)}`);
        samples.push({ t: (Date.now() - t0) / 1000, ...st });
        await sleep(5000);
      }
      const end = mailroom.stats()!;
      const idleSecondsMeasured = (Date.now() - t0) / 1000;
      const afterIdle = await meter.snapshot();
      const idleTally = diffTally(setupTally, afterIdle);
      const peakRss = Math.max(...samples.map((s) => s.rssBytes), end.rssBytes);
      const cpuShare = (end.cpuSeconds - start.cpuSeconds) / idleSecondsMeasured;

      // The renewal storm: every subscription is told to reauthorize; wait until each got a call (≤ 5 min).
      let lifecycleSent = 0;
      let stormSeconds = NaN;
      let stormPeakRss = 0;
      let storm = diffTally(afterIdle, afterIdle);
      if (reauthorize && expiry0.size) {
        log(`scale: reauthorizationRequired to ${expiry0.size} subscriptions`);
        const ts = Date.now();
        const list = [...expiry0.keys()];
        let next = 0;
        await Promise.all(
          Array.from({ length: 16 }, async () => {
            while (next < list.length) {
              const id = list[next++]!;
              if (
                (
                  await emu.control
                    .sendLifecycleEvent(id, 'reauthorizationRequired')
                    .catch(() => ({ sent: false }))
                ).sent
              )
                lifecycleSent++;
            }
          }),
        );
        for (;;) {
          storm = diffTally(afterIdle, await meter.snapshot());
          stormPeakRss = Math.max(stormPeakRss, mailroom.stats()?.rssBytes ?? 0);
          const handled =
            storm.subscriptions.renew + storm.subscriptions.reauthorize + storm.subscriptions.create;
          if (handled >= lifecycleSent) {
            stormSeconds = (Date.now() - ts) / 1000;
            break;
          }
          if (Date.now() - ts > 5 * 60_000) break;
          await sleep(1000);
        }
      }
      meter.stop();
      const after = (await emu.control.subscriptions()).filter((s) => s.appId === app);
      const extended = after.filter(
        (s) => (expiry0.get(s.id) ?? Infinity) < Date.parse(s.expirationDateTime),
      ).length;
      const handled =
        storm.subscriptions.renew + storm.subscriptions.reauthorize + storm.subscriptions.create;
      const data = {
        folders: folderCount,
        mailboxes: mailboxCount,
        idleSeconds,
        firstRoundsSeconds: round(firstRoundsSeconds),
        foldersWithoutFirstRound: left,
        subscriptionsAtStart: subs,
        subscriptionsAtEnd: after.length,
        setupGraphRequests: setupTally,
        rssStartMiB: mib(start.rssBytes),
        rssEndMiB: mib(end.rssBytes),
        rssPeakMiB: mib(peakRss),
        cpuCoresAvg: round(cpuShare, 3),
        idleGraphRequests: idleTally,
        reauthorizationEventsSent: lifecycleSent,
        stormSubscriptionCalls: storm.subscriptions,
        stormGraphRequests: storm,
        stormSeconds: round(stormSeconds),
        stormPeakRssMiB: mib(stormPeakRss),
        subscriptionsExtended: extended,
        samples,
      };
      return {
        name: 'scale',
        summary: `${folderCount} monitored folders (${mailboxCount} mailboxes × ${perMailbox}), idle ${idleSeconds} s after setup; ${subs} subscriptions; Mailroom defaults (SYNC_RECONCILE_SECONDS=300)`,
        rows: [
          {
            measure: 'First delta round of every folder done after',
            value: left
              ? `not done: ${left} folders without one after ${round(firstRoundsSeconds)} s`
              : `${round(firstRoundsSeconds)} s`,
          },
          { measure: 'Subscriptions (at start of idle / at end)', value: `${subs} / ${after.length}` },
          {
            measure: 'RSS while idle (start / peak / end)',
            value: `${mib(start.rssBytes)} / ${mib(peakRss)} / ${mib(end.rssBytes)} MiB`,
            target: '≤ 1 GiB',
            ok: peakRss <= GiB && subs >= folderCount,
          },
          { measure: 'CPU while idle (avg cores)', value: String(round(cpuShare, 3)) },
          {
            measure: 'Graph HTTP requests while idle (by kind)',
            value: `${idleTally.http} (${
              Object.entries(idleTally.byKind)
                .filter(([, n]) => n)
                .map(([k, n]) => `${k} ${n}`)
                .join(', ') || 'none'
            })`,
          },
          {
            measure: 'Subscription renewals while idle (renew / reauthorize / recreate)',
            value: `${idleTally.subscriptions.renew} / ${idleTally.subscriptions.reauthorize} / ${idleTally.subscriptions.create}`,
          },
          {
            measure:
              'Renewal storm: reauthorizationRequired sent / handled (renew+reauthorize+recreate calls), time, peak RSS',
            value: reauthorize
              ? `${lifecycleSent} / ${handled} (renew ${storm.subscriptions.renew}, reauthorize ${storm.subscriptions.reauthorize}, recreate ${storm.subscriptions.create}; ${extended} expiries extended) in ${Number.isFinite(stormSeconds) ? `${round(stormSeconds)} s` : '> 300 s'}, ${mib(stormPeakRss)} MiB; ${storm.byKind.delta} delta requests`
              : 'skipped',
            ...(reauthorize && lifecycleSent ? { target: 'all handled', ok: handled >= lifecycleSent } : {}),
          },
        ],
        data,
      };
    },
  );
}
