import { api, type Invitation, type SessionInfo } from '@mailroom/contracts';
import { connectors, documents, mailboxes, mailMessages, monitoredFolders } from '../src/db/schema/index.ts';
import { searchTextOf } from '../src/core/search-text.ts';
import { Client, type TestApp } from './helpers.ts';

/** Invites `email` with `role` and accepts as a new person; returns their signed-in client and user id. */
export async function join(app: TestApp, admin: Client, ws: string, email: string, role: 'admin' | 'member') {
  const inv = await admin.post<Invitation>(api.invitations(ws), { email, role });
  if (inv.status !== 201) throw new Error(`invite failed: ${JSON.stringify(inv.body)}`);
  const token = inv.body.url!.split('/invite/')[1]!;
  const c = new Client(app);
  await c.session();
  const accepted = await c.post<SessionInfo>(api.invitationAccept(token), {
    name: email.split('@')[0],
    password: 'a long enough password',
  });
  if (accepted.status !== 200) throw new Error(`accept failed: ${JSON.stringify(accepted.body)}`);
  c.csrf = accepted.body.csrfToken;
  return { client: c, userId: accepted.body.user!.id };
}

/**
 * A mailbox and a monitored folder written straight into the database (no Microsoft 365 involved),
 * for tests about inboxes and documents rather than sync.
 */
export async function fixtureFolder(
  app: TestApp,
  workspaceId: string,
  inboxId: string,
  address = 'claims@contoso-insurance.com',
) {
  const { db } = app.server.database;
  const [c] = await db
    .insert(connectors)
    .values({ workspaceId, name: 'Fixture', type: 'microsoft365' })
    .returning();
  const [m] = await db
    .insert(mailboxes)
    .values({
      workspaceId,
      connectorId: c!.id,
      graphUserId: `user-${address}`,
      address,
      displayName: address,
      kind: 'shared',
      access: 'readable',
    })
    .returning();
  const [f] = await db
    .insert(monitoredFolders)
    .values({
      workspaceId,
      mailboxId: m!.id,
      graphFolderId: `inbox-${address}`,
      displayName: 'Inbox',
      inboxId,
      processFrom: new Date(0),
    })
    .returning();
  return { connectorId: c!.id, mailboxId: m!.id, folderId: f!.id };
}

let seq = 0;
/** One document as ingestion would store it (with a real .eml blob), in the folder's mailbox. */
export async function fixtureDocument(
  app: TestApp,
  at: { workspaceId: string; inboxId: string; folderId: string; mailboxId: string },
  d: Partial<typeof documents.$inferInsert> & {
    attachmentNames?: string[];
    headers?: Record<string, string>;
  } = {},
) {
  const { db } = app.server.database;
  const n = ++seq;
  const subject = d.subject ?? `Claim ${n}`;
  const fromAddress = d.fromAddress ?? `sender${n}@example.be`;
  const headerLines = Object.entries(d.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const eml = Buffer.from(
    `From: ${fromAddress}\r\nSubject: ${subject}\r\n${headerLines}Content-Type: text/plain\r\n\r\nBody ${n}\r\n`,
  );
  const blob = await app.server.blobs.putBuffer(eml);
  const [msg] = await db
    .insert(mailMessages)
    .values({
      workspaceId: at.workspaceId,
      folderId: at.folderId,
      graphMessageId: `msg-${n}-${Math.random()}`,
      state: 'done',
      subject,
    })
    .returning();
  const names = d.attachmentNames ?? [];
  const [doc] = await db
    .insert(documents)
    .values({
      workspaceId: at.workspaceId,
      inboxId: at.inboxId,
      messageId: msg!.id,
      mailboxId: at.mailboxId,
      subject,
      fromAddress,
      fromName: d.fromName ?? null,
      to: [],
      cc: [],
      receivedAt: d.receivedAt ?? new Date(Date.now() - n * 1000),
      bodyText: `Body ${n}`,
      emlSha256: blob.sha256,
      emlSize: blob.size,
      attachments: names.map((name) => ({
        name,
        contentType: 'application/pdf',
        size: eml.length,
        kind: 'file' as const,
        sha256: blob.sha256,
      })),
      searchText: searchTextOf({
        subject,
        fromName: d.fromName ?? null,
        fromAddress,
        attachmentNames: names,
      }),
      ...Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'attachmentNames' && k !== 'headers')),
    })
    .returning();
  return doc!;
}
