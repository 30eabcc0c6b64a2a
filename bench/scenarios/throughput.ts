// throughput: throttling off; MESSAGES (10,000) emails spread over MAILBOXES (10) mailboxes, a quarter
// with attachments, already there when the folders are monitored → emails/s end to end (from the
// moment the folders are switched on until the last document exists).
import type pg from 'pg';
import { connectMailboxes, monitorFolders } from '../lib/api.ts';
import { drain } from '../lib/drain.ts';
import { GraphMeter, diffTally } from '../lib/graph-meter.ts';
import { log, numberOption, scaled } from '../lib/options.ts';
import { mib, round } from '../lib/report.ts';
import { withStack } from '../lib/stack.ts';
import { createMailboxes, preload, type BenchMailbox } from '../lib/tenant.ts';
import type { ScenarioResult } from './types.ts';

export async function throughput(): Promise<ScenarioResult> {
  const mailboxCount = scaled(numberOption('BENCH_THROUGHPUT_MAILBOXES', 10), 1);
  const perMailbox = Math.max(
    10,
    Math.round(scaled(numberOption('BENCH_THROUGHPUT_MESSAGES', 10_000), 100) / mailboxCount),
  );
  const total = perMailbox * mailboxCount;
  const timeoutMs = numberOption('BENCH_THROUGHPUT_TIMEOUT_MINUTES', 10) * 60_000;
  let mailboxes: BenchMailbox[] = [];
  return withStack(
    {
      throttling: { enabled: false },
      prepare: async (emu) => {
        log(`throughput: ${mailboxCount} mailboxes × ${perMailbox} emails, throttling off`);
        mailboxes = await createMailboxes(emu, 'tp', mailboxCount, 1);
        await preload(emu, mailboxes, perMailbox);
      },
    },
    async ({ emu, sql, mailroom, ws }) => {
      const ids = await connectMailboxes(ws, mailboxes);
      const meter = new GraphMeter(emu);
      await meter.start();
      const tally0 = await meter.snapshot();
      const t0 = Date.now();
      await monitorFolders(ws, mailboxes, ids, new Date(Date.now() - 365 * 86_400_000));
      const d = await drain({
        emu,
        sql,
        mailroom,
        expected: total,
        mailboxIds: new Set(mailboxes.map((m) => m.id)),
        t0,
        timeoutMs,
        label: 'throughput',
      });
      const tally = diffTally(tally0, await meter.snapshot());
      meter.stop();
      const rate = d.documents / d.seconds;
      const phases = await twoPhases(sql, t0, d.seconds, d.documents);
      const cores = d.mailroomCpuSeconds / d.seconds;
      // Each party's CPU over the drain: as average cores, and per document made.
      const cpuRow = (who: string, seconds: number) => ({
        measure: `${who} CPU (avg cores) / CPU ms per email`,
        value: `${round(seconds / d.seconds, 2)} / ${round((seconds * 1000) / Math.max(1, d.documents), 1)}`,
      });
      return {
        name: 'throughput',
        summary: `${mailboxCount} mailboxes × ${perMailbox} emails (${total}, a quarter with attachments), throttling off, PostgreSQL`,
        rows: [
          {
            measure: 'Documents / failed',
            value: `${d.documents} / ${d.failed}${d.timedOut ? ` (timed out, ${d.pending} pending)` : ''}`,
          },
          { measure: 'Time', value: `${round(d.seconds)} s` },
          {
            measure: 'Emails/s end to end',
            value: String(round(rate)),
            target: '≥ 500',
            ok: rate >= 500 && !d.timedOut,
          },
          {
            measure: 'Emails/s while the delta rounds record work items / after',
            value: `${round(phases.during.rate)} (first ${round(phases.recordedAfter)} s, ${phases.during.documents} documents) / ${round(phases.after.rate)}`,
          },
          cpuRow('Mailroom', d.mailroomCpuSeconds),
          {
            // File-system and socket calls: where creating the blob files shows (bench/README.md).
            measure: 'of which in the kernel (avg cores) / CPU ms per email',
            value: `${round(d.mailroomSystemCpuSeconds / d.seconds, 2)} / ${round((d.mailroomSystemCpuSeconds * 1000) / Math.max(1, d.documents), 1)}`,
          },
          cpuRow('Emulator + bench', d.benchCpuSeconds),
          cpuRow('PostgreSQL', d.postgresCpuSeconds),
          { measure: 'Machine idle', value: `${round(d.machineIdleShare * 100)} %` },
          { measure: 'Mailroom peak RSS', value: `${mib(d.mailroomPeakRssBytes)} MiB` },
          {
            measure: 'Graph HTTP requests per document',
            value: String(round(tally.http / Math.max(1, d.documents), 2)),
          },
        ],
        data: {
          mailboxes: mailboxCount,
          messagesPerMailbox: perMailbox,
          messages: total,
          ...d,
          emailsPerSecond: round(rate),
          phases,
          mailroomCores: round(cores, 2),
          graphHttpRequests: tally.http,
          graphHttpByKind: tally.byKind,
        },
      };
    },
  );
}

/**
 * The drain in two parts: until the delta rounds have recorded the last work item (they compete
 * with ingestion for the same two cores), and after. Seconds from `t0`; `documents`: the drain's count;
 * rates in documents per second.
 */
async function twoPhases(sql: pg.Pool, t0: number, seconds: number, documents: number) {
  const { rows } = await sql.query<{ recorded_ms: string | null; before: string }>(
    `with w as (select max(created_at) as at from mail_messages)
     select (extract(epoch from w.at) * 1000)::text as recorded_ms, (select count(*) from documents, w where documents.created_at <= w.at)::text as before from w`,
  );
  const recordedAfter = Math.min(seconds, Math.max(0, (Number(rows[0]?.recorded_ms ?? t0) - t0) / 1000));
  const before = Number(rows[0]?.before ?? 0);
  const rateOf = (n: number, s: number) => ({ documents: n, rate: s > 0 ? n / s : 0 });
  return {
    recordedAfter,
    during: rateOf(before, recordedAfter),
    after: rateOf(documents - before, seconds - recordedAfter),
  };
}
