// `node bench/backfill.ts` (or `npm run bench`): backfill speed and Graph requests per message.
// An in-process Microsoft 365 emulator gets BENCH_MESSAGES (10,000) generated emails in claims@;
// Mailroom (in-process, PGlite or TEST_DATABASE_URL) backfills the folder; the script reports
// messages/s and Graph requests per message. BENCH_THROTTLING=on keeps Microsoft's limits.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createEmulator, DEMO } from '@mailroom/m365-emulator';
import { count, eq } from 'drizzle-orm';
import pino from 'pino';
import { loadConfig } from '../apps/server/src/config.ts';
import { connectors, inboxes, mailboxes, mailMessages, monitoredFolders, users, workspaces } from '../apps/server/src/db/schema/index.ts';
import { startServer } from '../apps/server/src/server.ts';

const N = Number(process.env.BENCH_MESSAGES ?? 10_000);
const throttling = process.env.BENCH_THROTTLING === 'on';
const emu = await createEmulator({ seed: 'demo' });
await emu.control.setThrottling({ enabled: throttling });
const address = DEMO.contoso.sharedMailboxes[0];
const folder = await emu.control.createFolder(address, `Bench ${Date.now()}`);
const job = await emu.control.generateMail(address, { count: N, folder: folder.id, pdfs: 1, jpegs: 0 });
while (!(await emu.control.mailJob(job.id)).done) await new Promise((r) => setTimeout(r, 500));

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-bench-'));
const config = loadConfig({
  PORT: '0',
  MAILROOM_DATA_DIR: dataDir,
  MAILROOM_SANDBOX: 'false',
  MICROSOFT_AUTHORITY_HOST: emu.url,
  MICROSOFT_GRAPH_URL: emu.url,
  MICROSOFT_CA_FILE: emu.caFile,
  LOG_LEVEL: 'silent',
  ...(process.env.TEST_DATABASE_URL ? { DATABASE_URL: process.env.TEST_DATABASE_URL, MAILROOM_ENCRYPTION_KEY: randomBytes(32).toString('base64') } : {}),
});
const server = await startServer(config, pino({ level: 'silent' }), { webDist: null });
const { db } = server.database;
try {
  const [ws] = await db.insert(workspaces).values({ name: 'Bench' }).returning();
  const [inbox] = await db.insert(inboxes).values({ workspaceId: ws!.id, name: 'Inbox' }).returning();
  const [u] = await db.insert(users).values({ email: `bench-${Date.now()}@example.com`, name: 'Bench', passwordHash: 'x' }).returning();
  const [c] = await db.insert(connectors).values({ workspaceId: ws!.id, name: 'Bench', type: 'microsoft365' }).returning();
  await server.connectors.connectOwnApp(c!, { tenant: DEMO.contoso.domain, clientId: DEMO.customerApp.clientId, clientSecret: DEMO.customerApp.clientSecret, secretExpiresAt: '2099-12-31' }, { id: u!.id, email: u!.email });
  const graphUser = await emu.control.getUser(address);
  const [mb] = await db.insert(mailboxes).values({ workspaceId: ws!.id, connectorId: c!.id, graphUserId: graphUser.id, address, displayName: address, kind: 'shared', access: 'readable' }).returning();
  const [f] = await db
    .insert(monitoredFolders)
    .values({ workspaceId: ws!.id, mailboxId: mb!.id, graphFolderId: folder.id, displayName: 'Bench', inboxId: inbox!.id, processFrom: new Date(Date.now() - 365 * 86_400_000), active: true })
    .returning();
  const before = (await emu.control.requests({ area: 'graph' })).length;
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  await server.sync.syncFolder(f!.id);
  const tSync = performance.now();
  let lastLog = 0;
  for (;;) {
    const states = await db.select({ state: mailMessages.state, n: count() }).from(mailMessages).where(eq(mailMessages.folderId, f!.id)).groupBy(mailMessages.state);
    const done = states.find((x) => x.state === 'done')?.n ?? 0;
    if (done >= N) break;
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      console.error(`after ${Math.round((performance.now() - t0) / 1000)} s: ${JSON.stringify(Object.fromEntries(states.map((x) => [x.state, x.n])))}`);
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  const t1 = performance.now();
  const graphRequests = (await emu.control.requests({ area: 'graph' })).length - before;
  const result = {
    messages: N,
    database: server.database.kind,
    throttling,
    deltaRoundSeconds: +((tSync - t0) / 1000).toFixed(1),
    totalSeconds: +((t1 - t0) / 1000).toFixed(1),
    messagesPerSecond: +(N / ((t1 - t0) / 1000)).toFixed(1),
    graphRequests,
    graphRequestsPerMessage: +(graphRequests / N).toFixed(2),
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    rssGrowthMiB: Math.round((process.memoryUsage().rss - rss0) / 2 ** 20),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await server.close();
  await emu.close();
  await rm(dataDir, { recursive: true, force: true });
}
