// throughput: throttling off; MESSAGES (10,000) emails spread over MAILBOXES (10) mailboxes, a quarter
// with attachments, already there when the folders are monitored → emails/s end to end (from the
// moment the folders are switched on until the last document exists).
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
  const perMailbox = Math.max(10, Math.round(scaled(numberOption('BENCH_THROUGHPUT_MESSAGES', 10_000), 100) / mailboxCount));
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
      const d = await drain({ emu, sql, mailroom, expected: total, mailboxIds: new Set(mailboxes.map((m) => m.id)), t0, timeoutMs, label: 'throughput' });
      const tally = diffTally(tally0, await meter.snapshot());
      meter.stop();
      const rate = d.documents / d.seconds;
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
          { measure: 'Documents / failed', value: `${d.documents} / ${d.failed}${d.timedOut ? ` (timed out, ${d.pending} pending)` : ''}` },
          { measure: 'Time', value: `${round(d.seconds)} s` },
          { measure: 'Emails/s end to end', value: String(round(rate)), target: '≥ 500', ok: rate >= 500 && !d.timedOut },
          cpuRow('Mailroom', d.mailroomCpuSeconds),
          cpuRow('Emulator + bench', d.benchCpuSeconds),
          cpuRow('PostgreSQL', d.postgresCpuSeconds),
          { measure: 'Machine idle', value: `${round(d.machineIdleShare * 100)} %` },
          { measure: 'Mailroom peak RSS', value: `${mib(d.mailroomPeakRssBytes)} MiB` },
          { measure: 'Graph HTTP requests per document', value: String(round(tally.http / Math.max(1, d.documents), 2)) },
        ],
        data: { mailboxes: mailboxCount, messagesPerMailbox: perMailbox, messages: total, ...d, emailsPerSecond: round(rate), mailroomCores: round(cores, 2), graphHttpRequests: tally.http, graphHttpByKind: tally.byKind },
      };
    },
  );
}
