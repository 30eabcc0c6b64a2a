// `node bench/inbox.ts` (or `npm run bench:inbox`): the inbox list and search at a million documents.
// Not a test. Creates (or reuses, BENCH_REUSE=1) the PostgreSQL database BENCH_INBOX_DATABASE
// (postgres://postgres@127.0.0.1:5432/mailroom_bench_inbox), fills it with BENCH_DOCUMENTS (1,000,000)
// documents in 5 inboxes, 4 mailboxes, with types, tags, statuses and a year of received times, then
// measures the real HTTP route over loopback HTTP (session, inbox access, SQL, JSON) for list, filter and search queries:
// p50 / p95 / max over BENCH_RUNS (40) runs each. Results: stdout and bench/results/inbox.json.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  api,
  type DocumentList,
  type ManagedInbox,
  type DocumentType,
  type SessionInfo,
} from '@mailroom/contracts';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../apps/server/src/config.ts';
import { startServer } from '../apps/server/src/server.ts';
import { ApiClient } from './lib/api-client.ts';

const N = Number(process.env.BENCH_DOCUMENTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const url = process.env.BENCH_INBOX_DATABASE ?? 'postgres://postgres@127.0.0.1:5432/mailroom_bench_inbox';
const reuse = process.env.BENCH_REUSE === '1';
const dbName = new URL(url).pathname.slice(1);
const log = (s: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

if (!reuse) {
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.query(`create database ${dbName}`);
  await admin.end();
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-bench-inbox-'));
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  MAILROOM_DATA_DIR: dataDir,
  MAILROOM_SANDBOX_PORT: '0',
  LOG_LEVEL: 'silent',
  DATABASE_URL: url,
  MAILROOM_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
});
const server = await startServer(config, pino({ level: 'silent' }), { webDist: null });
const raw = new pg.Client({ connectionString: url });
await raw.connect();
const client = new ApiClient(server.url!);
try {
  await client.session();
  const email = 'bench@example.com';
  const password = 'bench password long enough';
  let ws: string;
  if (!reuse) {
    const r = await client.ok<SessionInfo>('POST', api.setup, {
      name: 'Bench',
      email,
      password,
      workspaceName: 'Bench',
    });
    client.csrf = r.csrfToken;
    ws = r.workspaces[0]!.id;
    await fill(ws);
  } else {
    const r = await client.ok<SessionInfo>('POST', api.login, { email, password });
    client.csrf = r.csrfToken;
    ws = r.workspaces[0]!.id;
  }
  const results = await measure(ws);
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'inbox.json'), JSON.stringify({ documents: N, runs: RUNS, results }, null, 2));
  console.log(
    `\n| query (${N.toLocaleString('en')} documents, PostgreSQL) | rows | p50 ms | p95 ms | max ms |`,
  );
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of results) console.log(`| ${r.name} | ${r.rows} | ${r.p50} | ${r.p95} | ${r.max} |`);
} finally {
  await raw.end();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
}

/** Inboxes, types, tags through the API; mail and documents in SQL batches (what ingestion would write). */
async function fill(ws: string) {
  const inboxes: string[] = [];
  for (const name of ['Claims', 'Production', 'Motor', 'Property', 'Liability'])
    inboxes.push((await client.ok<ManagedInbox>('POST', api.inboxes(ws), { name })).id);
  const types: string[] = [];
  for (const name of ['Claim', 'Policy change', 'Invoice', 'Correspondence'])
    types.push((await client.ok<DocumentType>('POST', api.documentTypes(ws), { name })).id);
  const tags: string[] = [];
  for (const name of ['email', 'urgent', 'broker', 'expert', 'photos', 'legal'])
    tags.push((await client.ok<DocumentType>('POST', api.tags(ws), { name })).id);
  const { rows: conn } = await raw.query(
    `insert into connectors (workspace_id, name, type) values ($1, 'Bench', 'microsoft365') returning id`,
    [ws],
  );
  const folders: { folder: string; mailbox: string }[] = [];
  for (const address of ['claims', 'production', 'motor', 'property']) {
    const { rows: mb } = await raw.query(
      `insert into mailboxes (workspace_id, connector_id, graph_user_id, address, display_name, kind, access)
       values ($1, $2, $3, $4, $4, 'shared', 'readable') returning id`,
      [ws, conn[0].id, `u-${address}`, `${address}@contoso-insurance.com`],
    );
    const { rows: f } = await raw.query(
      `insert into monitored_folders (workspace_id, mailbox_id, graph_folder_id, display_name, inbox_id, process_from)
       values ($1, $2, $3, 'Inbox', $4, now() - interval '2 years') returning id`,
      [ws, mb[0].id, `inbox-${address}`, inboxes[0]],
    );
    folders.push({ folder: f[0].id, mailbox: mb[0].id });
  }
  const batch = 100_000;
  const t0 = performance.now();
  for (let start = 1; start <= N; start += batch) {
    const end = Math.min(N, start + batch - 1);
    // One statement per batch: work items, then their documents, with the same words ingestion writes.
    await raw.query(
      `with src as (
         select n,
           (array['water','fire','theft','glass','storm','flood','motor','liability','hail','subsidence'])[1 + n % 10] as peril,
           (array['gmail.com','outlook.com','harborbrokers.example','alderfinch.example','northgate-risk.example','example.be'])[1 + n % 6] as domain,
           ($3::uuid[])[1 + n % 4] as folder_id, ($4::uuid[])[1 + n % 4] as mailbox_id,
           ($5::uuid[])[1 + (n * 7) % 5] as inbox_id
         from generate_series($1::int, $2::int) n),
       msgs as (
         insert into mail_messages (workspace_id, folder_id, graph_message_id, subject, state, received_at, processed_at)
         select $6, folder_id, 'bench-' || n, 'Claim ' || n, 'done', now() - n * interval '30 seconds', now() from src
         returning id, graph_message_id)
       insert into documents (workspace_id, inbox_id, message_id, mailbox_id, subject, from_address, from_name, "to", cc,
         received_at, body_text, eml_sha256, eml_size, attachments, status, document_type_id, tag_ids, search_text)
       select $6, s.inbox_id, m.id, s.mailbox_id,
         'Claim ' || s.n || ' ' || s.peril || ' damage',
         'sender' || (s.n % 50000) || '@' || s.domain, 'Sender ' || (s.n % 50000), '[]', '[]',
         now() - s.n * interval '30 seconds', 'Body', repeat('0', 64), 1000,
         jsonb_build_array(jsonb_build_object('name', 'claim_form_' || s.n || '.pdf', 'contentType', 'application/pdf', 'size', 1000, 'kind', 'file')),
         (array['new','new','new','new','new','new','new','approved','approved','bounced','deleted','filtered'])[1 + s.n % 12],
         ($7::uuid[])[1 + s.n % 4],
         case when s.n % 3 = 0 then array[($8::uuid[])[1 + s.n % 6]] else array[($8::uuid[])[1 + s.n % 6], ($8::uuid[])[1 + (s.n / 7) % 6]] end,
         concat_ws(' ', 'Claim ' || s.n || ' ' || s.peril || ' damage', 'Sender ' || (s.n % 50000),
           'sender' || (s.n % 50000) || '@' || s.domain, 'sender' || (s.n % 50000) || ' ' || replace(s.domain, '.', ' '),
           'claim_form_' || s.n || '.pdf', 'claim form ' || s.n || ' pdf')
       from src s join msgs m on m.graph_message_id = 'bench-' || s.n`,
      [start, end, folders.map((f) => f.folder), folders.map((f) => f.mailbox), inboxes, ws, types, tags],
    );
    log(`${end.toLocaleString('en')} documents (${Math.round((performance.now() - t0) / 1000)} s)`);
  }
  log('vacuum analyze');
  await raw.query('vacuum analyze documents');
  await raw.query('vacuum analyze mail_messages');
  log(`filled in ${Math.round((performance.now() - t0) / 1000)} s`);
}

async function measure(ws: string) {
  const inboxes = (await client.ok<{ items: { id: string; name: string }[] }>('GET', api.inboxes(ws))).items;
  const claims = inboxes.find((i) => i.name === 'Claims')!.id;
  const types = (await client.ok<{ items: { id: string }[] }>('GET', api.documentTypes(ws))).items;
  const tags = (await client.ok<{ items: { id: string; name: string }[] }>('GET', api.tags(ws))).items;
  const { rows: mbs } = await raw.query(`select id from mailboxes where workspace_id = $1 order by address`, [
    ws,
  ]);
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();
  const weekAgo = new Date(Date.now() - 37 * 86_400_000).toISOString();
  const base = api.documents(ws);
  const queries: [string, string][] = [
    ['list: all my inboxes, newest first', `${base}?limit=50`],
    ['list: one inbox', `${base}?limit=50&inboxId=${claims}`],
    ['filter: inbox + status approved', `${base}?limit=50&inboxId=${claims}&status=approved`],
    ['filter: inbox + status filtered (rare)', `${base}?limit=50&inboxId=${claims}&status=filtered`],
    ['filter: document type', `${base}?limit=50&documentTypeId=${types[2]!.id}`],
    ['filter: tag', `${base}?limit=50&tagId=${tags.find((t) => t.name === 'legal')!.id}`],
    ['filter: mailbox', `${base}?limit=50&mailboxId=${mbs[1].id}`],
    ['filter: date range (one week, a month ago)', `${base}?limit=50&from=${weekAgo}&to=${monthAgo}`],
    ['search: common word ("water")', `${base}?limit=50&q=water`],
    ['search: sender ("sender4242")', `${base}?limit=50&q=sender4242`],
    ['search: attachment name ("claim_form_777777")', `${base}?limit=50&q=claim_form_777777`],
    ['search: two words ("storm northgate")', `${base}?limit=50&q=storm%20northgate`],
    ['search: one inbox + word ("water")', `${base}?limit=50&inboxId=${claims}&q=water`],
    ['search: word prefix ("subsid")', `${base}?limit=50&q=subsid`],
    ['search: two common words that never meet ("hail alderfinch")', `${base}?limit=50&q=hail%20alderfinch`],
    ['search: no match ("zzzzzz")', `${base}?limit=50&q=zzzzzz`],
  ];
  const results = [];
  for (const [name, path] of queries)
    results.push(await timed(name, () => client.call<DocumentList>('GET', path)));
  // Deep pages: follow the cursor 200 pages (10,000 documents) down; every page should cost the same.
  let cursor: string | null = null;
  let page = 0;
  const deep: number[] = [];
  for (; page < 200; page++) {
    const t = performance.now();
    const r: { body: DocumentList } = await client.call<DocumentList>(
      'GET',
      `${base}?limit=50&inboxId=${claims}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    deep.push(performance.now() - t);
    cursor = r.body.nextCursor;
    if (!cursor) break;
  }
  results.push({ name: 'keyset: pages 1–200 of one inbox', rows: 50, ...stats(deep) });
  return results;
}

async function timed(name: string, fn: () => Promise<{ status: number; body: DocumentList }>) {
  const first = await fn();
  if (first.status !== 200) throw new Error(`${name}: ${first.status} ${JSON.stringify(first.body)}`);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  log(`${name}: p95 ${stats(times).p95} ms`);
  return { name, rows: first.body.items.length, ...stats(times) };
}

function stats(times: number[]) {
  const s = [...times].sort((a, b) => a - b);
  const at = (p: number) => +s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!.toFixed(1);
  return { p50: at(0.5), p95: at(0.95), max: +s.at(-1)!.toFixed(1) };
}
