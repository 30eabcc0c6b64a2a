import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers.ts';
import type { TokenBroker } from '../connectors/token-broker.ts';
import { AppError } from '../core/errors.ts';
import { openDatabase, type Database, type Db } from '../db/client.ts';
import {
  auditLog,
  connectors,
  mailboxes,
  memberships,
  monitoredFolders,
  tags,
  users,
  workspaces,
} from '../db/schema/index.ts';
import { ensureDefaultInbox } from './default-inbox.ts';
import { createInbox, createInboxOnce, updateInbox } from './inbox-changes.ts';
import { internalDomains, setInternalDomains } from './internal-domains.ts';
import { createTaxonomyEntry, deleteTaxonomyEntry, listTaxonomy, renameTaxonomyEntry } from './taxonomy.ts';
import { inboxesOf, managedInbox, managedInboxes } from './views.ts';

// The inboxes module called directly on a real database (PGlite, or PostgreSQL with
// TEST_DATABASE_URL): no HTTP, no server. The routes' own tests are test/inboxes.int.test.ts.

let database: Database;
let db: Db;
let drop: (() => Promise<void>) | undefined;
let dir: string;
let ws: string;
let otherWs: string;
const people: Record<'owner' | 'admin' | 'member' | 'outsider', { id: string; email: string }> = {} as never;
// No monitored folder feeds the inboxes whose outflow changes here, so no token is ever asked for.
const noBroker = {} as TokenBroker;
// PostgreSQL refuses NUL in text: an audit line by this actor cannot be written, so whatever it
// records must not be saved either (the audit is in the change's transaction).
const unrecordable = { id: '00000000-0000-0000-0000-000000000001', email: 'broken\u0000@example.com' };

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}
const auditActions = async () =>
  (await db.select().from(auditLog).where(eq(auditLog.workspaceId, ws)).orderBy(auditLog.seq)).map(
    (a) => a.action,
  );

beforeAll(async () => {
  const created = await createTestDatabase();
  drop = created?.drop;
  dir = await mkdtemp(path.join(os.tmpdir(), 'inboxes-module-'));
  database = await openDatabase({
    databaseUrl: created?.url,
    dataDir: dir,
    logger: pino({ level: 'silent' }),
  });
  db = database.db;
  const [w, o] = await db
    .insert(workspaces)
    .values([{ name: 'Contoso' }, { name: 'Fabrikam' }])
    .returning();
  ws = w!.id;
  otherWs = o!.id;
  for (const who of ['owner', 'admin', 'member', 'outsider'] as const) {
    const [u] = await db
      .insert(users)
      .values({ email: `${who}@example.com`, name: who, passwordHash: 'x' })
      .returning();
    people[who] = { id: u!.id, email: u!.email };
    await db.insert(memberships).values({
      workspaceId: who === 'outsider' ? otherWs : ws,
      userId: u!.id,
      role: who === 'outsider' ? 'owner' : who,
    });
  }
  await ensureDefaultInbox(db, ws, people.owner.id);
});
afterAll(async () => {
  await database?.close();
  await drop?.();
  await rm(dir, { recursive: true, force: true });
});

describe('inboxes', () => {
  it('creates an inbox with its creator on the access list, seen only by the people on it', async () => {
    const id = await createInbox(db, ws, people.admin, {
      name: 'Claims',
      memberIds: [people.member.id, people.member.id],
    });
    const inbox = await managedInbox(db, id);
    expect(inbox).toMatchObject({ name: 'Claims', isDefault: false, archived: false, outflow: [] });
    expect(inbox.memberIds.toSorted()).toEqual([people.admin.id, people.member.id].toSorted());
    expect((await inboxesOf(db, ws, people.member.id)).map((i) => i.name)).toEqual(['Claims']);
    expect((await inboxesOf(db, ws, people.owner.id)).map((i) => i.name)).toEqual(['Inbox']);
    expect((await managedInboxes(db, ws)).map((i) => i.name)).toEqual(['Inbox', 'Claims']);
    expect(await inboxesOf(db, otherWs, people.member.id)).toEqual([]);
    expect(await auditActions()).toContain('inbox.created');
  });

  it('refuses a name taken in any case, people of another workspace and types of another workspace', async () => {
    expect((await rejection(createInbox(db, ws, people.admin, { name: 'cLAIMS' }))).code).toBe('conflict');
    const outsider = await rejection(
      createInbox(db, ws, people.admin, { name: 'X', memberIds: [people.outsider.id] }),
    );
    expect(outsider.details).toEqual([{ path: 'memberIds', message: 'Not a member of this workspace.' }]);
    const theirs = await createTaxonomyEntry(db, 'document-types', otherWs, people.outsider, 'Invoice');
    const type = await rejection(
      createInbox(db, ws, people.admin, { name: 'X', documentTypeIds: [theirs.id] }),
    );
    expect(type.details?.[0]?.path).toBe('documentTypeIds');
    // A name is free again once it is the inbox's own.
    const [claims] = (await managedInboxes(db, ws)).filter((i) => i.name === 'Claims');
    await updateInbox(db, noBroker, ws, claims!.id, people.admin, { name: 'CLAIMS' });
    expect((await managedInbox(db, claims!.id)).name).toBe('CLAIMS');
  });

  it('creates once per Idempotency-Key: a double click gets the first inbox, not "already exists" (decision 0019)', async () => {
    const first = await createInboxOnce(db, ws, people.admin, { name: 'Twice' }, 'dbl-1');
    const again = await createInboxOnce(db, ws, people.admin, { name: 'Twice' }, 'dbl-1');
    expect(again).toEqual({ id: first.id, replayed: true });
    expect((await managedInboxes(db, ws)).filter((i) => i.name === 'Twice')).toHaveLength(1);
    // Without the key the name is taken, in words.
    expect((await rejection(createInbox(db, ws, people.admin, { name: 'Twice' }))).message).toBe(
      'An inbox named "Twice" already exists.',
    );
  });

  it('replaces access lists and default types, and saves nothing when the audit line cannot be written', async () => {
    const type = await createTaxonomyEntry(db, 'document-types', ws, people.admin, 'Claim form');
    const id = await createInbox(db, ws, people.admin, { name: 'Sales' });
    await updateInbox(db, noBroker, ws, id, people.admin, {
      memberIds: [people.owner.id],
      documentTypeIds: [type.id, type.id],
    });
    expect(await managedInbox(db, id)).toMatchObject({
      memberIds: [people.owner.id],
      documentTypeIds: [type.id],
    });
    await expect(
      updateInbox(db, noBroker, ws, id, unrecordable, { name: 'Lost', memberIds: [] }),
    ).rejects.toThrow();
    expect(await managedInbox(db, id)).toMatchObject({ name: 'Sales', memberIds: [people.owner.id] });
    await expect(createInbox(db, ws, unrecordable, { name: 'Never' })).rejects.toThrow();
    expect((await managedInboxes(db, ws)).map((i) => i.name)).not.toContain('Never');
  });

  it('archives and restores; never the default inbox, nor one a monitored folder still feeds', async () => {
    const [def] = (await managedInboxes(db, ws)).filter((i) => i.isDefault);
    const refused = await rejection(updateInbox(db, noBroker, ws, def!.id, people.admin, { archived: true }));
    expect([refused.code, refused.message]).toEqual(['conflict', 'The default inbox cannot be archived.']);

    const id = await createInbox(db, ws, people.admin, { name: 'Fed' });
    const [c] = await db
      .insert(connectors)
      .values({ workspaceId: ws, name: 'C', type: 'microsoft365' })
      .returning();
    const [m] = await db
      .insert(mailboxes)
      .values({
        workspaceId: ws,
        connectorId: c!.id,
        graphUserId: 'u',
        address: 'a@contoso.com',
        displayName: 'A',
      })
      .returning();
    const [f] = await db
      .insert(monitoredFolders)
      .values({
        workspaceId: ws,
        mailboxId: m!.id,
        graphFolderId: 'inbox',
        displayName: 'Inbox',
        inboxId: id,
        processFrom: new Date(0),
      })
      .returning();
    expect(
      (await rejection(updateInbox(db, noBroker, ws, id, people.admin, { archived: true }))).message,
    ).toMatch(/^1 monitored folder\(s\) still send email to this inbox/);
    await db.delete(monitoredFolders).where(eq(monitoredFolders.id, f!.id));

    await updateInbox(db, noBroker, ws, id, people.admin, { archived: true });
    expect((await managedInbox(db, id)).archived).toBe(true);
    await updateInbox(db, noBroker, ws, id, people.admin, { archived: false });
    expect((await managedInbox(db, id)).archived).toBe(false);
    expect((await auditActions()).slice(-2)).toEqual(['inbox.archived', 'inbox.restored']);
  });

  it("answers 404 for another workspace's inbox", async () => {
    const [def] = await managedInboxes(db, ws);
    expect(
      (await rejection(updateInbox(db, noBroker, otherWs, def!.id, people.outsider, { name: 'Mine' }))).code,
    ).toBe('not_found');
  });
});

describe('taxonomy', () => {
  it('lists in name order whatever the case; names are unique per kind, not across kinds', async () => {
    for (const name of ['urgent', 'Billing', 'archive'])
      await createTaxonomyEntry(db, 'tags', ws, people.admin, name);
    expect((await listTaxonomy(db, 'tags', ws)).map((t) => t.name)).toEqual(['archive', 'Billing', 'urgent']);
    const dup = await rejection(createTaxonomyEntry(db, 'tags', ws, people.admin, 'URGENT'));
    expect([dup.code, dup.message]).toEqual(['conflict', 'A tag named "URGENT" already exists.']);
    await createTaxonomyEntry(db, 'document-types', ws, people.admin, 'urgent');
    expect(await listTaxonomy(db, 'tags', otherWs)).toEqual([]);
  });

  it("renames and deletes, 404 for another workspace's entry, each with its audit in the change's transaction", async () => {
    const tag = await createTaxonomyEntry(db, 'tags', ws, people.admin, 'Draft');
    expect(
      (await rejection(renameTaxonomyEntry(db, 'tags', otherWs, tag.id, people.outsider, 'Theirs'))).message,
    ).toBe('Tag not found.');
    expect(
      (await rejection(deleteTaxonomyEntry(db, 'document-types', ws, tag.id, people.admin))).message,
    ).toBe('Document type not found.');
    expect(await renameTaxonomyEntry(db, 'tags', ws, tag.id, people.admin, 'Drafts')).toMatchObject({
      id: tag.id,
      name: 'Drafts',
    });

    await expect(createTaxonomyEntry(db, 'tags', ws, unrecordable, 'Ghost')).rejects.toThrow();
    await expect(renameTaxonomyEntry(db, 'tags', ws, tag.id, unrecordable, 'Ghost')).rejects.toThrow();
    await expect(deleteTaxonomyEntry(db, 'tags', ws, tag.id, unrecordable)).rejects.toThrow();
    const [kept] = await db
      .select()
      .from(tags)
      .where(and(eq(tags.workspaceId, ws), eq(tags.id, tag.id)));
    expect(kept?.name).toBe('Drafts');
    expect((await listTaxonomy(db, 'tags', ws)).map((t) => t.name)).not.toContain('Ghost');

    await deleteTaxonomyEntry(db, 'tags', ws, tag.id, people.admin);
    expect((await listTaxonomy(db, 'tags', ws)).map((t) => t.id)).not.toContain(tag.id);
    expect((await auditActions()).filter((a) => a.startsWith('tags.'))).toEqual([
      'tags.created',
      'tags.created',
      'tags.created',
      'tags.created',
      'tags.renamed',
      'tags.deleted',
    ]);
  });
});

describe('internal domains', () => {
  it('saves each domain once, audited in the same transaction', async () => {
    expect(await internalDomains(db, ws)).toEqual([]);
    expect(
      await setInternalDomains(db, ws, people.admin, ['contoso.com', 'contoso.com', 'fabrikam.com']),
    ).toEqual(['contoso.com', 'fabrikam.com']);
    await expect(setInternalDomains(db, ws, unrecordable, [])).rejects.toThrow();
    expect(await internalDomains(db, ws)).toEqual(['contoso.com', 'fabrikam.com']);
    expect(await internalDomains(db, otherWs)).toEqual([]);
    expect((await auditActions()).filter((a) => a.startsWith('workspace.'))).toEqual([
      'workspace.internal_domains_set',
    ]);
  });
});
