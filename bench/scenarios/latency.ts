// latency: MAILBOXES (200) mailboxes, emails delivered at RATE (20/s) for SECONDS (60) s, round robin;
// for each, the time from its delivery call to its document (bench/lib/arrivals.ts). Microsoft's
// notification latency (BENCH_NOTIFY_LATENCY, default its documented distribution) and Mailroom's
// hot-folder polling (BENCH_HOT, default on) say which path finds the mail.
import {
  conditions,
  hotEnv,
  hotOption,
  measureArrivals,
  ms,
  notifyModeOption,
  quantiles,
} from '../lib/arrivals.ts';
import { log, numberOption, scaled } from '../lib/options.ts';
import { round } from '../lib/report.ts';
import { withStack } from '../lib/stack.ts';
import { createMailboxes, type BenchMailbox } from '../lib/tenant.ts';
import type { ScenarioResult } from './types.ts';

export async function latency(): Promise<ScenarioResult> {
  const mailboxCount = scaled(numberOption('BENCH_LATENCY_MAILBOXES', 200), 2);
  const rate = numberOption('BENCH_LATENCY_RATE', 20);
  const seconds = scaled(numberOption('BENCH_LATENCY_SECONDS', 60), 10);
  const total = Math.round(rate * seconds);
  const notify = notifyModeOption();
  const hot = hotOption();
  // Microsoft takes up to 3 minutes to notify: wait for that, and for the 5-minute reconciliation.
  const waitMs = notify === 'microsoft' ? 330_000 : 60_000;
  let mailboxes: BenchMailbox[] = [];
  return withStack(
    {
      env: hotEnv(hot),
      prepare: async (emu) => {
        log(`latency: creating ${mailboxCount} mailboxes`);
        mailboxes = await createMailboxes(emu, 'lat', mailboxCount, 1);
      },
    },
    async (stack) => {
      const r = await measureArrivals(stack, {
        name: 'latency',
        mailboxes,
        at: Array.from({ length: total }, (_, i) => (i * 1000) / rate),
        mailboxFor: (i) => mailboxes[i % mailboxes.length]!,
        notify,
        waitMs,
      });
      const visible = quantiles(r.visibleMs);
      const p99 = r.missing ? Infinity : visible.p99;
      const recorded = quantiles(r.toRecordedMs);
      const own = quantiles(r.toDocumentMs);
      // Delta requests per mailbox per 10 minutes, as a share of Microsoft's 10,000.
      const deltaShare = r.deltaRequests / mailboxCount / (r.measuredSeconds / 600) / 10_000;
      const setting = `notifications ${notify === 'microsoft' ? 'as Microsoft documents them (median 25 s, at most 3 min)' : 'at once'}, hot-folder polling ${hot ? 'on' : 'off'}; ${conditions()}`;
      return {
        name: 'latency',
        summary: `${mailboxCount} mailboxes, ${r.delivered} emails at ${rate}/s for ${seconds} s (a quarter with attachments), ${setting}; ${r.subscriptions} subscriptions, ${r.notificationItems} notification items in ${r.notificationPosts} POSTs`,
        rows: [
          {
            measure: 'Emails delivered / documents',
            value: `${r.delivered} / ${r.documents}${r.missing ? ` (${r.missing} not there after ${waitMs / 1000} s)` : ''}`,
          },
          { measure: 'Delivery → document visible, p50', value: ms(visible.p50) },
          { measure: 'Delivery → document visible, p95', value: ms(visible.p95) },
          {
            measure: 'Delivery → document visible, p99',
            value: r.missing ? `> ${waitMs / 1000} s (${r.missing} missing)` : ms(p99),
            target: notify === 'microsoft' ? '≤ 10 s (issue 22 §2.3)' : '≤ 1 s (push path)',
            ok: p99 <= (notify === 'microsoft' ? 10_000 : 1000),
          },
          { measure: 'Max', value: ms(visible.max) },
          {
            measure:
              'Waiting for Microsoft or a polling round (delivery → work item recorded), p50 / p95 / p99',
            value: `${ms(recorded.p50)} / ${ms(recorded.p95)} / ${ms(recorded.p99)}`,
          },
          {
            measure: 'Mailroom’s own time (work item → document), p50 / p95 / p99',
            value: `${ms(own.p50)} / ${ms(own.p95)} / ${ms(own.p99)}`,
          },
          {
            measure: 'Delta requests (notifications’ rounds, polling, reconciliation) per mailbox per 10 min',
            value: `${round(r.deltaRequests / mailboxCount / (r.measuredSeconds / 600))} (${round(deltaShare * 100)} % of 10,000)`,
            target: '≤ 5 % when idle',
          },
          {
            measure: '429 answers (throttler)',
            value: String(r.graph429),
            target: '0',
            ok: r.graph429 === 0,
          },
        ],
        data: {
          mailboxes: mailboxCount,
          ratePerSecond: rate,
          seconds,
          notify,
          hot,
          ...r,
          deliverySeconds: round(r.deliverySeconds),
          visibleMs: visible,
          createdAtMs: quantiles(r.createdMs),
          deliveryToRecordedMs: recorded,
          recordedToDocumentMs: own,
        },
      };
    },
  );
}
