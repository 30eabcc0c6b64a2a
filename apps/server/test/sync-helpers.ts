import { DEMO } from '@mailroom/m365-emulator';
import { and, count, eq } from 'drizzle-orm';
import { documents, inboxes, mailboxes, mailMessages, monitoredFolders } from '../src/db/schema/index.ts';
import type { TestApp } from './helpers.ts';

/** Adds a mailbox and a monitored folder directly (the selection routes have their own tests). */
export async function monitor(
  app: TestApp,
  opts: {
    workspaceId: string;
    connectorId: string;
    address: string;
    folder: string;
    processFrom: Date;
    mailboxId?: string;
  },
) {
  const { db } = app.server.database;
  const user = await app.server.sandbox!.control.getUser(opts.address);
  let mailboxId = opts.mailboxId;
  if (!mailboxId) {
    const [existing] = await db
      .select()
      .from(mailboxes)
      .where(and(eq(mailboxes.connectorId, opts.connectorId), eq(mailboxes.graphUserId, user.id)));
    mailboxId = existing?.id;
  }
  if (!mailboxId) {
    const [mb] = await db
      .insert(mailboxes)
      .values({
        workspaceId: opts.workspaceId,
        connectorId: opts.connectorId,
        graphUserId: user.id,
        address: opts.address,
        displayName: opts.address,
        kind: 'shared',
        access: 'readable',
      })
      .returning();
    mailboxId = mb!.id;
  }
  const token = await app.server.connectors.broker.graphToken(opts.connectorId);
  const folders = await app.server.mail.folders(token, user.id);
  const folder = folders.find((f) => f.displayName.toLowerCase() === opts.folder.toLowerCase());
  if (!folder)
    throw new Error(
      `no folder ${opts.folder} in ${opts.address}: ${folders.map((f) => f.displayName).join(', ')}`,
    );
  const [inbox] = await db.select().from(inboxes).where(eq(inboxes.workspaceId, opts.workspaceId));
  const [f] = await db
    .insert(monitoredFolders)
    .values({
      workspaceId: opts.workspaceId,
      mailboxId,
      graphFolderId: folder.id,
      displayName: folder.displayName,
      inboxId: inbox!.id,
      processFrom: opts.processFrom,
      active: true,
    })
    .returning();
  return { mailboxId, folderId: f!.id, graphFolderId: folder.id, userId: user.id };
}

export async function documentCount(app: TestApp, folderId: string): Promise<number> {
  const [r] = await app.server.database.db
    .select({ n: count() })
    .from(documents)
    .innerJoin(mailMessages, eq(mailMessages.id, documents.messageId))
    .where(eq(mailMessages.folderId, folderId));
  return r?.n ?? 0;
}

export async function pendingCount(app: TestApp, folderId: string): Promise<number> {
  const [r] = await app.server.database.db
    .select({ n: count() })
    .from(mailMessages)
    .where(and(eq(mailMessages.folderId, folderId), eq(mailMessages.state, 'pending')));
  return r?.n ?? 0;
}

/** Waits until every recorded message of the folder is processed (ingestion runs as jobs). */
export async function settle(app: TestApp, folderId: string, timeoutMs = 60_000): Promise<void> {
  for (let i = 0; i < timeoutMs / 100; i++) {
    if ((await pendingCount(app, folderId)) === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const stuck = await app.server.database.db
    .select()
    .from(mailMessages)
    .where(and(eq(mailMessages.folderId, folderId), eq(mailMessages.state, 'pending')));
  const jobs = [];
  for (const m of stuck)
    jobs.push(
      await app.server.jobs.boss.findJobs('message.ingest', { key: m.id }).catch((e: Error) => e.message),
    );
  throw new Error(
    `folder ${folderId} still has pending messages: ${JSON.stringify(stuck.map((m) => [m.subject?.slice(0, 40), m.attempts, m.lastError]))} jobs ${JSON.stringify(jobs).slice(0, 1500)}`,
  );
}

export const CLAIMS = DEMO.contoso.sharedMailboxes[0];

/** Polls until `fn` answers true (jobs and Microsoft's notifications run on their own time). */
export async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for: ${what}`);
}
