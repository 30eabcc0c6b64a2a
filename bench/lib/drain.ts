// Waits until Mailroom has turned `expected` preloaded emails into documents, sampling its CPU and
// RSS and the emulator's throttling counters along the way.
import type { Emulator } from '@mailroom/m365-emulator';
import type pg from 'pg';
import { log } from './options.ts';
import { cpuSecondsOf, machineCpu, sleep, type MailroomProcess } from './process.ts';
import { progress } from './stack.ts';

export interface DrainResult {
  seconds: number;
  documents: number;
  failed: number;
  pending: number;
  timedOut: boolean;
  /** Peak over the run, per mailbox: requests counted in the throttling window, and concurrent requests. */
  peakRequestsInWindow: number;
  peakInFlight: number;
  mailroomCpuSeconds: number;
  /** The kernel's part of `mailroomCpuSeconds` (creating the blob files shows here). */
  mailroomSystemCpuSeconds: number;
  mailroomPeakRssBytes: number;
  /** This process (the emulator and the measuring), user + system CPU seconds. */
  benchCpuSeconds: number;
  /** Every `postgres` process on this machine (the bench's database server is local). */
  postgresCpuSeconds: number;
  /** Share of the machine's CPU time (all cores) that was idle during the drain. */
  machineIdleShare: number;
}

export async function drain(opts: {
  emu: Emulator;
  sql: pg.Pool;
  mailroom: MailroomProcess;
  expected: number;
  mailboxIds: Set<string>;
  t0: number;
  timeoutMs: number;
  label: string;
}): Promise<DrainResult> {
  const { emu, sql, mailroom, expected, mailboxIds, t0 } = opts;
  const start = mailroom.stats();
  const cpu0 = start?.cpuSeconds ?? 0;
  const sys0 = start?.systemCpuSeconds ?? 0;
  const benchCpu0 = process.cpuUsage();
  const pgCpu0 = cpuSecondsOf('postgres');
  const machine0 = machineCpu();
  let peakWindow = 0;
  let peakInFlight = 0;
  let peakRss = 0;
  let lastLog = Date.now();
  let state: Awaited<ReturnType<typeof progress>>;
  let timedOut = false;
  for (let i = 0; ; i++) {
    state = await progress(sql);
    const st = mailroom.stats();
    if (st) peakRss = Math.max(peakRss, st.rssBytes);
    if (i % 4 === 0) {
      const { counters } = await emu.control.throttling();
      for (const c of counters) {
        if (!mailboxIds.has(c.mailboxId)) continue;
        peakWindow = Math.max(peakWindow, c.requestsInWindow);
        peakInFlight = Math.max(peakInFlight, c.maxInFlight);
      }
    }
    if (state.documents + state.failed >= expected && state.pending === 0) break;
    if (Date.now() - t0 > opts.timeoutMs) {
      timedOut = true;
      break;
    }
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      log(
        `${opts.label}: ${Math.round((Date.now() - t0) / 1000)} s: ${state.documents}/${expected} documents, ${state.pending} pending, ${state.failed} failed`,
      );
    }
    // Counting costs PostgreSQL a scan of both tables: twice a second is enough, as the end time
    // comes from the last document itself.
    await sleep(500);
  }
  const cpu = process.cpuUsage(benchCpu0);
  const end = mailroom.stats();
  const pgCpu = cpuSecondsOf('postgres') - pgCpu0;
  const machine = machineCpu();
  const lastDocument = await sql.query<{ ms: string | null }>(
    'select (extract(epoch from max(created_at)) * 1000)::text as ms from documents',
  );
  const lastMs = Number(lastDocument.rows[0]?.ms ?? NaN);
  const seconds = (timedOut || !(lastMs > t0) ? Date.now() - t0 : lastMs - t0) / 1000;
  return {
    seconds,
    documents: state.documents,
    failed: state.failed,
    pending: state.pending,
    timedOut,
    peakRequestsInWindow: peakWindow,
    peakInFlight,
    mailroomCpuSeconds: (end?.cpuSeconds ?? cpu0) - cpu0,
    mailroomSystemCpuSeconds: (end?.systemCpuSeconds ?? sys0) - sys0,
    mailroomPeakRssBytes: peakRss,
    benchCpuSeconds: (cpu.user + cpu.system) / 1e6,
    postgresCpuSeconds: pgCpu,
    machineIdleShare: (machine.idle - machine0.idle) / Math.max(1e-9, machine.total - machine0.total),
  };
}

/**
 * Waits (up to `timeoutMs`) until every processed message has its hidden marker: the markers of the
 * last documents go out after them, and a request count per email must include them. Returns how
 * many are still missing, and how long it waited (the markers' drain time when none is).
 */
export async function markersSettled(
  sql: pg.Pool,
  timeoutMs: number,
): Promise<{ missing: number; seconds: number }> {
  const started = Date.now();
  const until = started + timeoutMs;
  for (let logged = started; ;) {
    const { rows } = await sql.query<{ n: string }>(
      `select count(*) as n from mail_messages where state = 'done' and not marker_written`,
    );
    const missing = Number(rows[0]?.n ?? 0);
    if (missing === 0 || Date.now() > until) return { missing, seconds: (Date.now() - started) / 1000 };
    // A long drain shows its pace in the log, a line a minute.
    if (Date.now() - logged >= 60_000) {
      logged = Date.now();
      log(
        `markers: ${missing} not written yet, ${Math.round((logged - started) / 1000)} s after the last document`,
      );
    }
    await sleep(500);
  }
}
