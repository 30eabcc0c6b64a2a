// One benchmark environment: a fresh PostgreSQL database, the emulator (in this process) and Mailroom
// (a child process) set up through its API. Everything is torn down afterwards, whatever happens.
import { DEMO, type Emulator, type ThrottleConfig } from '@mailroom/m365-emulator';
import pg from 'pg';
import { setupWorkspace, type Workspace } from './api.ts';
import { adminDatabaseUrl, log, mailroomLogLevel, throttlingFromEnv } from './options.ts';
import { createDatabase, type BenchDatabase } from './postgres.ts';
import { MailroomProcess, sleep } from './process.ts';
import { startEmulator } from './tenant.ts';

export interface Stack {
  emu: Emulator;
  db: BenchDatabase;
  /** A pool on Mailroom's database, for measuring (documents, work items, folders). */
  sql: pg.Pool;
  mailroom: MailroomProcess;
  ws: Workspace;
}

export interface StackOptions {
  throttling?: Partial<ThrottleConfig>;
  /** Extra Mailroom environment (SYNC_RECONCILE_SECONDS, …). */
  env?: Record<string, string>;
  /** Runs after the emulator starts and before Mailroom does (mailboxes, preloaded mail). */
  prepare?: (emu: Emulator) => Promise<void>;
}

/** Teardown steps of the running stack, run also on Ctrl-C / SIGTERM (no database or child left behind). */
const active: (() => Promise<unknown>)[] = [];
let signalled = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (signalled) return;
    signalled = true;
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void (async () => {
      for (const c of active.reverse()) await c().catch(() => undefined);
      process.exit(130);
    })();
  });
}

export async function withStack<T>(opts: StackOptions, fn: (s: Stack) => Promise<T>): Promise<T> {
  const cleanup = active;
  cleanup.length = 0;
  try {
    // BENCH_CONCURRENCY_SCOPE / BENCH_SERVICE_TIME_MS, under what the scenario itself sets.
    const emu = await startEmulator({ ...throttlingFromEnv(), ...opts.throttling });
    cleanup.push(() => emu.close());
    if (opts.prepare) await opts.prepare(emu);
    const db = await createDatabase(adminDatabaseUrl);
    // BENCH_KEEP_DATABASE=1 leaves the run's database behind for analysis (its name is logged).
    if (process.env.BENCH_KEEP_DATABASE === '1') process.stderr.write(`keeping database ${db.name}\n`);
    else cleanup.push(() => db.drop());
    const sql = new pg.Pool({ connectionString: db.url, max: 4 });
    cleanup.push(() => sql.end());
    const mailroom = await MailroomProcess.create({
      databaseUrl: db.url,
      emulator: { url: emu.url, caFile: emu.caFile },
      logLevel: mailroomLogLevel,
      ...(opts.env ? { env: opts.env } : {}),
    });
    cleanup.push(() => mailroom.dispose());
    await mailroom.start();
    const ws = await setupWorkspace(mailroom.base);
    return await fn({ emu, db, sql, mailroom, ws });
  } finally {
    while (cleanup.length) await cleanup.pop()!().catch((err: unknown) => console.error('cleanup:', err));
  }
}

/** Number of documents, and work items by state. */
export async function progress(
  sql: pg.Pool,
): Promise<{ documents: number; pending: number; failed: number; done: number; gone: number }> {
  const { rows } = await sql.query<{ state: string; n: string }>(
    'select state, count(*)::text as n from mail_messages group by state',
  );
  const docs = await sql.query<{ n: string }>('select count(*)::text as n from documents');
  const by = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  return {
    documents: Number(docs.rows[0]!.n),
    pending: by.pending ?? 0,
    failed: by.failed ?? 0,
    done: by.done ?? 0,
    gone: by.gone ?? 0,
  };
}

/** Active folders that have not finished their first delta round yet. */
export async function foldersNeverSynced(sql: pg.Pool): Promise<number> {
  const { rows } = await sql.query<{ n: string }>(
    'select count(*)::text as n from monitored_folders where active and last_sync_at is null',
  );
  return Number(rows[0]!.n);
}

/** Subscriptions the emulator holds for the customer app (all mailboxes). */
export async function subscriptionCount(emu: Emulator, appId: string): Promise<number> {
  return (await emu.control.subscriptions()).filter((s) => s.appId === appId).length;
}

/** Documents made per mailbox address (fairness between mailboxes). */
export async function documentsPerMailbox(sql: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await sql.query<{ address: string; n: number }>(
    'select mb.address, count(d.id)::int as n from mailboxes mb join monitored_folders f on f.mailbox_id = mb.id left join mail_messages m on m.folder_id = f.id left join documents d on d.message_id = m.id group by 1 order by 1',
  );
  return Object.fromEntries(rows.map((r) => [r.address, r.n]));
}

/** Waits for every folder's first delta round (≤ 5 min) and the subscriptions (≤ 60 s); answers how many. */
export async function settleSubscriptions(
  name: string,
  emu: Emulator,
  sql: pg.Pool,
  mailboxCount: number,
): Promise<{ subs: number; neverSynced: number }> {
  let neverSynced = await foldersNeverSynced(sql);
  for (
    const until = Date.now() + 5 * 60_000;
    neverSynced > 0 && Date.now() < until;
    neverSynced = await foldersNeverSynced(sql)
  )
    await sleep(500);
  if (neverSynced)
    log(
      `${name}: ${neverSynced} folders still without a first delta round after 5 minutes; measuring anyway`,
    );
  let subs = 0;
  for (let i = 0, same = 0; i < 60; i++) {
    const n = await subscriptionCount(emu, DEMO.customerApp.clientId);
    same = n === subs ? same + 1 : 0;
    subs = n;
    if (n >= mailboxCount || same >= 10) break;
    await sleep(1000);
  }
  return { subs, neverSynced };
}
