// Where the latency tail of a chaos run comes from (issue 23, item 4): the timeline of the slowest
// emails, from delivery to document, beside the run's kills and restarts. Per email: the change
// notifications Microsoft posted for its mailbox (and what the API answered), the folder.sync jobs
// that ran meanwhile, when its work item was recorded, its message.ingest jobs (created, started,
// completed, attempts) and which process made the document. Times in seconds since the run began.
import type { Emulator } from '@mailroom/m365-emulator';
import type pg from 'pg';

export interface TailInput {
  sql: pg.Pool;
  emu: Emulator;
  /** The run's start (ms): every time is relative to it. */
  t0: number;
  /** Delivered emails: internet message id → delivery time (ms), immutable Graph id, mailbox id. */
  emails: Map<string, { at: number; immutableId: string; mailboxId: string }>;
  /** host:pid → which process it was (`worker 2`, `API 1`). */
  processes: Map<string, string>;
  /** How many of the slowest to explain. */
  count: number;
}

const s = (t0: number, d: Date | string | number | null | undefined) =>
  d === null || d === undefined ? null : Math.round(new Date(d).getTime() - t0) / 1000;

export async function tailTimelines(input: TailInput) {
  const { sql, emu, t0, emails } = input;
  const docs = await sql.query<{
    mid: string;
    wid: string;
    folder: string;
    recorded: Date;
    created: Date;
    process: string | null;
  }>(
    `select d.internet_message_id as mid, m.id as wid, m.folder_id as folder, m.created_at as recorded,
            d.created_at as created, h.details->>'process' as process
       from documents d join mail_messages m on m.id = d.message_id
       left join document_history h on h.document_id = d.id and h.kind = 'ingested'`,
  );
  const slow = docs.rows
    .filter((r) => emails.has(r.mid))
    .map((r) => ({ ...r, ms: r.created.getTime() - emails.get(r.mid)!.at }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, input.count);
  if (!slow.length) return [];
  const ingests = await sql.query<{
    key: string;
    id: string;
    state: string;
    retry: number;
    created: Date;
    started: Date | null;
    completed: Date | null;
    output: { message?: string } | null;
  }>(
    `select singleton_key as key, id, state, retry_count as retry, created_on as created,
            started_on as started, completed_on as completed, output
       from pgboss.job where name = 'message.ingest' and singleton_key = any($1)`,
    [slow.map((r) => r.wid)],
  );
  const syncs = await sql.query<{
    folder: string;
    state: string;
    retry: number;
    created: Date;
    started: Date | null;
    completed: Date | null;
    output: { message?: string } | null;
  }>(
    `select singleton_key as folder, state, retry_count as retry, created_on as created,
            started_on as started, completed_on as completed, output
       from pgboss.job where name = 'folder.sync' and singleton_key = any($1)`,
    [[...new Set(slow.map((r) => r.folder))]],
  );
  const subscriptions = new Map((await emu.control.subscriptions()).map((x) => [x.id, x.mailboxId]));
  const posts = (await emu.control.notificationLog()).filter((n) => n.kind === 'notification');
  const who = (p: string | null) => (p ? (input.processes.get(p) ?? p) : null);
  return slow.map((r) => {
    const email = emails.get(r.mid)!;
    const from = email.at;
    const until = r.created.getTime();
    const within = (a: Date | null, b: Date | null) =>
      (a?.getTime() ?? Infinity) <= until && (b?.getTime() ?? Infinity) >= from;
    return {
      email: r.mid,
      latencyMs: r.ms,
      delivered: s(t0, from),
      notifications: posts
        .filter(
          (n) =>
            n.subscriptionIds.some((id) => subscriptions.get(id) === email.mailboxId) &&
            Date.parse(n.time) >= from &&
            Date.parse(n.time) <= until,
        )
        .map((n) => ({ at: s(t0, n.time), attempt: n.attempt, result: n.result })),
      folderSyncs: syncs.rows
        .filter((j) => j.folder === r.folder && within(j.created, j.completed))
        .map((j) => ({
          created: s(t0, j.created),
          started: s(t0, j.started),
          completed: s(t0, j.completed),
          state: j.state,
          retry: j.retry,
          ...(j.output?.message ? { error: j.output.message } : {}),
        })),
      recorded: s(t0, r.recorded),
      ingests: ingests.rows
        .filter((j) => j.key === r.wid)
        .map((j) => ({
          created: s(t0, j.created),
          started: s(t0, j.started),
          completed: s(t0, j.completed),
          state: j.state,
          retry: j.retry,
          ...(j.output?.message ? { error: j.output.message } : {}),
        })),
      document: s(t0, r.created),
      process: who(r.process),
    };
  });
}
