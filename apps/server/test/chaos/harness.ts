import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  api,
  type DirectoryList,
  type Document,
  type DocumentList,
  type FolderTree,
  type Mailbox,
  type MailboxList,
  type SessionInfo,
} from '@mailroom/contracts';
import { createEmulator, DEMO } from '@mailroom/m365-emulator';
import pg from 'pg';
import { ApiClient } from '../../../../bench/lib/api-client.ts';

const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.ts');

export interface ChaosOptions {
  /** How many times the Mailroom process is killed with SIGKILL (and restarted). */
  kills: number;
  /** How many emails are delivered while it runs. */
  messages: number;
  /**
   * Outflow too: every document gets a category and is forwarded, set off by `document.created`; at
   * the end each email must have been forwarded exactly once and carry the category.
   */
  outflow?: boolean;
  log?: (line: string) => void;
}

export interface ChaosReport {
  kills: number;
  delivered: number;
  documents: number;
  distinctDocuments: number;
  missing: string[];
  duplicates: string[];
  pending: number;
  failed: number;
  /** With `outflow`: emails not forwarded, forwarded more than once, without the category; runs not done. */
  outflow?: { notForwarded: string[]; forwardedTwice: string[]; uncategorised: string[]; unfinished: number };
  seconds: number;
}

const FORWARD_TO = 'chaos-check@loss-adjusters.example';
const CATEGORY = 'Chaos: in Mailroom';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The crash test: Mailroom runs as a child process against a Microsoft 365 emulator that lives in
 * this process; mail keeps arriving while the child is killed with SIGKILL at random moments and
 * restarted. At the end, the documents must be exactly the delivered messages.
 */
export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-chaos-'));
  const emu = await createEmulator({ seed: 'demo' });
  // Push is part of what gets killed: Mailroom listens on plain http here.
  await emu.control.setNotificationSettings({ allowHttp: true });
  // No background mail from the seed: only what this run delivers counts.
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let database: { url: string; drop: () => Promise<void> } | undefined;
  if (process.env.TEST_DATABASE_URL) {
    const name = `mailroom_chaos_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const u = new URL(process.env.TEST_DATABASE_URL);
    u.pathname = `/${name}`;
    database = {
      url: u.toString(),
      drop: async () => {
        const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      },
    };
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: base,
    MAILROOM_DATA_DIR: dataDir,
    MAILROOM_SANDBOX: 'false',
    MICROSOFT_AUTHORITY_HOST: emu.url,
    MICROSOFT_GRAPH_URL: emu.url,
    MICROSOFT_CA_FILE: emu.caFile,
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
    SHUTDOWN_GRACE_SECONDS: '2',
    ...(database
      ? { DATABASE_URL: database.url, MAILROOM_ENCRYPTION_KEY: randomBytes(32).toString('base64') }
      : {}),
  };

  let child: ChildProcess | undefined;
  let childLog = '';
  const start = async () => {
    child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => (childLog = (childLog + d.toString()).slice(-20_000)));
    // Up to 2 minutes: a first start creates the embedded database, slow on a loaded 2-core machine.
    for (let i = 0; i < 2400; i++) {
      if (child.exitCode !== null)
        throw new Error(`Mailroom exited with ${child.exitCode}: ${childLog.slice(-2000)}`);
      const ok = await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await sleep(50);
    }
    throw new Error(`Mailroom did not become ready: ${childLog.slice(-2000)}`);
  };
  const kill = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };

  const client = new ApiClient(base);
  try {
    await start();
    await client.session();
    const setup = await client.call<SessionInfo>('POST', api.setup, {
      name: 'Chaos',
      email: 'chaos@example.com',
      password: 'chaos monkey password',
      workspaceName: 'Chaos',
    });
    client.csrf = setup.body.csrfToken;
    const ws = setup.body.workspaces[0]!.id;
    const connector = await client.call<{ id: string }>('POST', api.connectors(ws), {
      name: 'Claims',
      type: 'microsoft365',
    });
    const id = connector.body.id;
    // The admin granted what outflow needs (the sandbox's own app lacks Mail.Send).
    if (opts.outflow)
      await emu.control.grantConsent(DEMO.contoso.domain, DEMO.customerApp.clientId, {
        application: ['Mail.Send', 'MailboxSettings.ReadWrite'],
      });
    const own = await client.call('POST', api.connectOwnApp(ws, id), {
      tenant: DEMO.contoso.domain,
      clientId: DEMO.customerApp.clientId,
      clientSecret: DEMO.customerApp.clientSecret,
      secretExpiresAt: '2099-12-31',
    });
    if (own.status !== 200) throw new Error(`connect failed: ${JSON.stringify(own.body)}`);
    const address = DEMO.contoso.sharedMailboxes[0];
    const dir = await client.call<DirectoryList>('GET', `${api.directory(ws, id)}?search=claims`);
    const mb = await client.call<MailboxList>('PUT', api.mailboxes(ws, id), {
      mailboxes: dir.body.items.filter((i) => i.address === address),
    });
    const mailbox = mb.body.items[0]!;
    const tree = await client.call<FolderTree>('GET', api.folderTree(ws, mailbox.id));
    const inbox = tree.body.items.find((f) => f.displayName === 'Inbox')!;
    // Only mail delivered from now on counts (the demo seed's older mail is before this date).
    const processFrom = new Date(Date.now() - 1000).toISOString();
    const set = await client.call<Mailbox>('PUT', api.monitoredFolders(ws, mailbox.id), {
      folders: [{ graphFolderId: inbox.graphFolderId, displayName: 'Inbox', processFrom, active: true }],
    });
    const folderId = set.body.folders[0]!.id;
    if (opts.outflow) {
      const r = await client.call('PATCH', api.folder(ws, folderId), {
        outflow: [
          { on: 'document.created', kind: 'category', category: CATEGORY, color: 'preset3' },
          { on: 'document.created', kind: 'forward', to: FORWARD_TO, comment: 'Chaos check.' },
        ],
      });
      if (r.status !== 200) throw new Error(`outflow rule refused: ${JSON.stringify(r.body)}`);
      // Widen the window between the forward's draft and its send, where a kill hurts most.
      await emu.control.addFault({
        path: '/messages/[^/?]+/send$',
        method: 'POST',
        action: { kind: 'delay', ms: 300 },
      });
    }

    // Mail keeps arriving in the background, at an even pace over the run.
    const delivered: string[] = [];
    let delivering = true;
    const delivery = (async () => {
      for (let i = 0; i < opts.messages; i++) {
        const m = await emu.control.deliverGenerated(address, {
          seed: 7,
          index: i,
          pdfs: i % 3 === 0 ? 1 : 0,
          jpegs: i % 4 === 0 ? 1 : 0,
        });
        delivered.push(m.internetMessageId);
        await sleep(40);
      }
      delivering = false;
    })();

    // Nudges: "Sync now" as often as the child is up (the reconciliation cron runs once a minute).
    let nudging = true;
    const nudge = (async () => {
      while (nudging) {
        await client.call('POST', api.syncFolder(ws, folderId)).catch(() => undefined);
        await sleep(150);
      }
    })();

    for (let k = 0; k < opts.kills; k++) {
      await sleep(200 + Math.random() * 800);
      await kill();
      log(`kill ${k + 1}/${opts.kills} (delivered ${delivered.length})`);
      await start();
    }
    await delivery;
    // Let it finish: every delivered message processed, nothing pending.
    let status: Mailbox['folders'][number] | undefined;
    for (let i = 0; i < 1200; i++) {
      const r = await client.call<MailboxList>('GET', api.mailboxes(ws, id));
      status = r.body.items[0]?.folders[0];
      if (
        !delivering &&
        status &&
        status.processedTotal + status.failed >= delivered.length &&
        status.pending === 0
      )
        break;
      if (i % 50 === 0) log(`wait ${JSON.stringify(status)}`);
      await sleep(100);
    }
    nudging = false;
    await nudge;
    if (process.env.CHAOS_DEBUG) log(childLog.slice(-4000));

    const docs: string[] = [];
    const full: Document[] = [];
    const readAll = async () => {
      docs.length = 0;
      full.length = 0;
      let cursor: string | null = null;
      do {
        const page: { body: DocumentList } = await client.call<DocumentList>(
          'GET',
          `${api.documents(ws)}?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        );
        for (const d of page.body.items) {
          const one = await client.call<Document>('GET', api.document(ws, d.id));
          full.push(one.body);
          docs.push(one.body.internetMessageId ?? `missing:${d.id}`);
        }
        cursor = page.body.nextCursor;
      } while (cursor);
    };
    await readAll();
    let outflow: ChaosReport['outflow'];
    if (opts.outflow) {
      // Outflow runs after the documents: wait (up to 5 minutes) until no run is pending.
      const unfinished = () =>
        full.reduce(
          (n, d) =>
            n +
            (d.outflow.length < 2 ? 2 - d.outflow.length : 0) +
            d.outflow.filter((r) => r.state === 'pending').length,
          0,
        );
      for (let i = 0; i < 150 && unfinished() > 0; i++) {
        if (i % 10 === 0) log(`outflow: ${unfinished()} actions unfinished`);
        await sleep(2000);
        await readAll();
      }
      const sent = await emu.control.outbound();
      const messages = await emu.control.listMessages(address);
      const forwards = (subject: string) =>
        sent.filter((o) => o.to.includes(FORWARD_TO) && o.subject === `FW: ${subject}`).length;
      const bySubject = full.map((d) => d.subject);
      // Runs that needed more than one attempt: those a kill interrupted (the proof is not vacuous).
      log(
        `outflow: ${full.flatMap((d) => d.outflow).filter((r) => r.attempts > 1).length} runs were attempted more than once`,
      );
      outflow = {
        notForwarded: bySubject.filter((s) => forwards(s) === 0),
        forwardedTwice: bySubject.filter((s) => forwards(s) > 1),
        uncategorised: bySubject.filter(
          (s) => !messages.some((m) => m.subject === s && m.categories.includes(CATEGORY)),
        ),
        unfinished: unfinished(),
      };
    }

    const counts = new Map<string, number>();
    for (const d of docs) counts.set(d, (counts.get(d) ?? 0) + 1);
    return {
      kills: opts.kills,
      delivered: delivered.length,
      documents: docs.length,
      distinctDocuments: counts.size,
      missing: delivered.filter((m) => !counts.has(m)),
      duplicates: [...counts].filter(([, n]) => n > 1).map(([m]) => m),
      pending: status?.pending ?? -1,
      failed: status?.failed ?? -1,
      ...(outflow ? { outflow } : {}),
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await kill();
    await emu.close();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
