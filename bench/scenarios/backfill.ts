// backfill: MAILBOXES (10) × PER_MAILBOX (5,000) emails already in the mailboxes (a quarter with
// attachments), throttling at Microsoft's limits. Mailroom monitors the folders and imports them:
// messages/s, Graph requests per message, 429s, and the share of the throttling ceiling used
// (10,000 requests per 10 minutes per app per mailbox).
import { DEFAULT_THROTTLE } from '@mailroom/m365-emulator';
import { connectMailboxes, monitorFolders } from '../lib/api.ts';
import { drain, markersSettled } from '../lib/drain.ts';
import { GraphMeter, diffTally, throttleTotals } from '../lib/graph-meter.ts';
import { log, numberOption, scaled, throttlingFromEnv } from '../lib/options.ts';
import { mib, round } from '../lib/report.ts';
import { documentsPerMailbox, withStack } from '../lib/stack.ts';
import { createMailboxes, preload, type BenchMailbox } from '../lib/tenant.ts';
import type { ScenarioResult } from './types.ts';

export async function backfill(): Promise<ScenarioResult> {
  const mailboxCount = scaled(numberOption('BENCH_BACKFILL_MAILBOXES', 10), 1);
  const perMailbox = scaled(numberOption('BENCH_BACKFILL_MESSAGES', 5000), 20);
  const total = mailboxCount * perMailbox;
  const timeoutMs = numberOption('BENCH_BACKFILL_TIMEOUT_MINUTES', 15) * 60_000;
  // `off`: the folders' rules write no processed marker (issue 22 §2.6): what Microsoft counts per email.
  const marker = process.env.BENCH_BACKFILL_MARKER !== 'off';
  // The emulator's concurrency model (BENCH_CONCURRENCY_SCOPE, BENCH_SERVICE_TIME_MS): 429s while the
  // pacer learns a lower limit are counted apart from those after (the steady state).
  const throttling = { ...DEFAULT_THROTTLE, ...throttlingFromEnv() };
  const learnMs = numberOption('BENCH_BACKFILL_LEARN_SECONDS', 30) * 1000;
  // How long to wait for the processed markers after the last document (they drain after the import).
  const markerWaitMinutes = numberOption('BENCH_BACKFILL_MARKER_WAIT_MINUTES', 3);
  let mailboxes: BenchMailbox[] = [];
  return withStack(
    {
      prepare: async (emu) => {
        log(`backfill: ${mailboxCount} mailboxes × ${perMailbox} emails`);
        mailboxes = await createMailboxes(emu, 'bf', mailboxCount, 1);
        await preload(emu, mailboxes, perMailbox);
      },
    },
    async ({ emu, sql, mailroom, ws }) => {
      const ids = await connectMailboxes(ws, mailboxes);
      const mailboxIds = new Set(mailboxes.map((m) => m.id));
      const meter = new GraphMeter(emu);
      await meter.start();
      const tally0 = await meter.snapshot();
      const thr0 = await throttleTotals(emu, mailboxIds);
      const t0 = Date.now();
      let learnt: Promise<number> | undefined;
      const learnTimer = setTimeout(() => {
        learnt = throttleTotals(emu, mailboxIds).then((t) => t.throttled - thr0.throttled);
      }, learnMs);
      await monitorFolders(ws, mailboxes, ids, new Date(Date.now() - 365 * 86_400_000), 4, {
        ...(marker ? {} : { writeMarker: false }),
      });
      const d = await drain({
        emu,
        sql,
        mailroom,
        expected: total,
        mailboxIds,
        t0,
        timeoutMs,
        label: 'backfill',
      });
      // The share of the ceiling is the rate while documents were being made…
      const thr1 = await throttleTotals(emu, mailboxIds);
      clearTimeout(learnTimer);
      // …and the requests per email include the markers of the last ones, written just after.
      const markers = marker ? await markersSettled(sql, markerWaitMinutes * 60_000) : undefined;
      const tally = diffTally(tally0, await meter.snapshot());
      meter.stop();
      const thr2 = await throttleTotals(emu, mailboxIds);
      const counted = thr2.served - thr0.served;
      const throttled = thr2.throttled - thr0.throttled;
      // 429s within the first `learnMs` (all of them if the import was shorter) and after.
      const learning = learnt ? await learnt : throttled;
      const steady429 = throttled - learning;
      // How much of the concurrency ceiling was used, estimated: requests × mean service time ÷ time ÷
      // the slots Microsoft allows (4 per mailbox, or 4 for the app under the per-app reading).
      const meanServiceS = (throttling.serviceTimeMinMs + throttling.serviceTimeMaxMs) / 2000;
      const ceilingSlots =
        throttling.concurrency * (throttling.concurrencyScope === 'perApp' ? 1 : mailboxCount);
      const concurrencyShare =
        meanServiceS > 0
          ? ((thr1.served - thr0.served) * meanServiceS) / d.seconds / ceilingSlots
          : undefined;
      const ceilingPerSecond = DEFAULT_THROTTLE.requestsPerWindow / DEFAULT_THROTTLE.windowSeconds;
      // Share of the ceiling: the request rate each mailbox sustained over the whole import.
      const shares = mailboxes.map(
        (m) =>
          ((thr1.perMailbox.get(m.id)?.served ?? 0) - (thr0.perMailbox.get(m.id)?.served ?? 0)) /
          d.seconds /
          ceilingPerSecond,
      );
      const share = shares.reduce((a, b) => a + b, 0) / shares.length;
      // Per document made (all of them unless the import timed out).
      const made = Math.max(1, d.documents);
      const perMsg = counted / made;
      // What an email without attachments costs: everything but the attachment calls (the delta
      // pages, its MIME, its marker, subscriptions), over every email.
      const withoutAttachments = (tally.http - tally.byKind.attachments) / made;
      const countedWithoutAttachments =
        (counted - tally.byKind.attachments - tally.inBatchByKind.attachments) / made;
      const rate = d.documents / d.seconds;
      const perMailboxDocs = Object.values(await documentsPerMailbox(sql));
      const data = {
        mailboxes: mailboxCount,
        messagesPerMailbox: perMailbox,
        messages: total,
        ...d,
        messagesPerSecond: round(rate),
        graphHttpRequests: tally.http,
        graphHttpByKind: tally.byKind,
        graphInBatchByKind: tally.inBatchByKind,
        graphRequestsCountedPerMessageWithoutAttachmentCalls: round(countedWithoutAttachments, 3),
        graphRequestsCounted: counted,
        ...(markers
          ? { markersMissing: markers.missing, markersSettledSeconds: round(markers.seconds, 1) }
          : {}),
        graphRequestsPerMessage: round(perMsg, 3),
        graphHttpRequestsPerMessage: round(tally.http / made, 3),
        graphHttpRequestsPerMessageWithoutAttachmentCalls: round(withoutAttachments, 3),
        http429: tally.http429,
        samples429: meter.samples429,
        perMinute429: Object.fromEntries(meter.perMinute429),
        throttled429: throttled,
        throttled429Learning: learning,
        throttled429Steady: steady429,
        learnSeconds: learnMs / 1000,
        concurrencyScope: throttling.concurrencyScope,
        serviceTimeMs: [throttling.serviceTimeMinMs, throttling.serviceTimeMaxMs],
        ...(concurrencyShare !== undefined ? { concurrencyShare: round(concurrencyShare, 3) } : {}),
        http5xx: tally.http5xx,
        ceilingRequestsPerSecondPerMailbox: round(ceilingPerSecond, 2),
        ceilingShare: round(share, 3),
        ceilingShareMin: round(Math.min(...shares), 3),
        ceilingShareMax: round(Math.max(...shares), 3),
        ceilingSharePerMailbox: shares.map((x) => round(x, 3)),
        documentsPerMailbox: perMailboxDocs,
        peakWindowShare: round(d.peakRequestsInWindow / DEFAULT_THROTTLE.requestsPerWindow, 3),
      };
      const pct = (x: number) => `${round(x * 100)} %`;
      return {
        name: 'backfill',
        summary: `${mailboxCount} mailboxes × ${perMailbox} emails (${total}, a quarter with a PDF and a JPEG), throttling at Microsoft's limits (4 concurrent ${throttling.concurrencyScope === 'perApp' ? 'per app, across its mailboxes' : 'per mailbox'}, 10,000 requests / 10 min per mailbox; service time ${throttling.serviceTimeMinMs}–${throttling.serviceTimeMaxMs} ms), processed marker ${marker ? 'on' : 'off'}`,
        rows: [
          {
            measure: 'Documents / failed',
            value: `${d.documents} / ${d.failed}${d.timedOut ? ` (timed out after ${Math.round(d.seconds)} s, ${d.pending} pending)` : ''}`,
          },
          { measure: 'Import time', value: `${round(d.seconds)} s` },
          {
            measure: 'Documents per mailbox (min–max)',
            value: `${Math.min(...perMailboxDocs)}–${Math.max(...perMailboxDocs)}`,
          },
          { measure: 'Messages/s', value: String(round(rate)) },
          {
            measure: 'Graph HTTP requests per email without attachments (a `$batch` once)',
            value: String(round(withoutAttachments, 2)),
            target: '≤ 1.2',
            ok: withoutAttachments <= 1.2,
          },
          {
            measure: 'HTTP requests per document, all (a quarter with attachments)',
            value: String(round(tally.http / made, 2)),
          },
          {
            measure:
              'Requests Microsoft counts per email (`$batch` inner requests each): without attachments / all',
            value: `${round(countedWithoutAttachments, 2)} / ${round(perMsg, 2)} (${marker ? 'floor 2: the MIME and the marker' : 'marker off: floor 1, the MIME'})${markerDrain(markers, markerWaitMinutes)}`,
            ...(marker ? {} : { target: '≤ 1.05', ok: countedWithoutAttachments <= 1.05 }),
          },
          {
            measure: 'HTTP requests by kind',
            value: Object.entries(tally.byKind)
              .filter(([, n]) => n)
              .map(([k, n]) => `${k} ${n}`)
              .join(', '),
          },
          {
            measure: 'Inside `$batch`es, by kind',
            value:
              Object.entries(tally.inBatchByKind)
                .filter(([, n]) => n)
                .map(([k, n]) => `${k} ${n}`)
                .join(', ') || 'none',
          },
          {
            measure: `429 answers (throttler, incl. inside \`$batch\`): all / after the first ${learnMs / 1000} s`,
            value: `${throttled} / ${steady429}`,
            target: '0 after learning',
            ok: steady429 === 0,
          },
          ...(meter.perMinute429.size
            ? [
                {
                  measure: '429 answers by minute (UTC; every one, inner ones included)',
                  value: [...meter.perMinute429].map(([m, n]) => `${m.slice(11)} ${n}`).join(', '),
                },
              ]
            : []),
          ...(concurrencyShare !== undefined
            ? [
                {
                  measure: `Share of the concurrency ceiling used (est.: requests × mean service time; ${ceilingSlots} slots)`,
                  value: pct(concurrencyShare),
                },
              ]
            : []),
          {
            measure: 'Share of the ceiling used (avg over mailboxes; min–max)',
            value: `${pct(share)} (${pct(Math.min(...shares))}–${pct(Math.max(...shares))})`,
            target: '≥ 90 % with zero 429 after learning',
            ok: share >= 0.9 && steady429 === 0,
          },
          {
            measure: 'Peak requests in a 10-min window / peak concurrency (per mailbox)',
            value: `${d.peakRequestsInWindow} / ${d.peakInFlight}`,
          },
          {
            measure: 'Mailroom CPU (avg cores) / peak RSS',
            value: `${round(d.mailroomCpuSeconds / d.seconds, 2)} / ${mib(d.mailroomPeakRssBytes)} MiB`,
          },
        ],
        data,
      };
    },
  );
}

/** How the last markers went, for the table: how many were still missing, or when the last was written. */
function markerDrain(markers: { missing: number; seconds: number } | undefined, waitMinutes: number): string {
  if (!markers) return '';
  if (markers.missing) return `; ${markers.missing} markers not written after ${waitMinutes} min`;
  return `; the last marker written ${round(markers.seconds)} s after the last document`;
}
