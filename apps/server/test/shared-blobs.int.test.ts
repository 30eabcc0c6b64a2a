import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { api } from '@mailroom/contracts';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureBlobStore } from '../src/blobs/azure-store.ts';
import { FsBlobStore } from '../src/blobs/fs-store.ts';
import type { BlobStore } from '../src/blobs/store.ts';
import { documents } from '../src/db/schema/index.ts';
import { eraseExpiredDocuments } from '../src/documents/retention.ts';
import { startAzurite, type Azurite } from './azurite.ts';
import { connectedOwnApp } from './connect-helpers.ts';
import { fixtureDocument } from './document-fixtures.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';
import { CLAIMS, monitor, settle } from './sync-helpers.ts';

// Issue 23 §3: API and worker processes on different machines must read each other's blobs. The
// server composed with each store (BLOB_STORE): what ingestion stored is what another process reads
// and what the API serves, and a blob another process stored is served here; retention (decision
// 0012) erases through the store, and keeps a blob stored within the grace.

let azurite: Azurite;
let scratch: string;
beforeAll(async () => {
  azurite = await startAzurite();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'mailroom-shared-blobs-'));
});
afterAll(async () => {
  await azurite?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const DAY = 86_400_000;

/** The environment of a process using the store, and the same store as another process opens it. */
const setups = {
  /** One directory every process mounts (MAILROOM_BLOB_DIR), apart from each one's data directory. */
  'a shared directory': async () => {
    const dir = await mkdtemp(path.join(scratch, 'blobs-'));
    return {
      env: { MAILROOM_BLOB_DIR: dir },
      elsewhere: async (): Promise<BlobStore> => new FsBlobStore(dir),
    };
  },
  'Azure Blob Storage': async () => {
    const settings = { connectionString: azurite.connectionString, container: azurite.container() };
    return {
      env: {
        BLOB_STORE: 'azure',
        AZURE_STORAGE_CONNECTION_STRING: settings.connectionString,
        AZURE_STORAGE_CONTAINER: settings.container,
      },
      elsewhere: (): Promise<BlobStore> => AzureBlobStore.open(settings),
    };
  },
};

describe.each(Object.keys(setups) as (keyof typeof setups)[])('blobs in %s', (kind) => {
  let app: TestApp;
  let admin: Client;
  let ws: string;
  let elsewhere: BlobStore;
  let at: { workspaceId: string; inboxId: string; folderId: string; mailboxId: string };

  beforeAll(async () => {
    const setup = await setups[kind]();
    app = await startTestApp({ MAILROOM_PUSH: 'false', ...setup.env });
    elsewhere = await setup.elsewhere();
    ({ client: admin, workspaceId: ws } = await setUp(app));
  });
  afterAll(async () => {
    await app?.close();
  });

  const download = async (url: string) => {
    const res = await app.server.http!.inject({
      url,
      headers: { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    return { status: res.statusCode, bytes: res.rawPayload };
  };

  it('stores what ingestion reads in the configured store; another process reads it, the API serves it', async () => {
    expect(app.server.blobs.description).toMatch(kind === 'Azure Blob Storage' ? /^azure / : /^fs .*blobs-/);
    const connectorId = await connectedOwnApp(admin, ws, 'Claims');
    const folder = await monitor(app, {
      workspaceId: ws,
      connectorId,
      address: CLAIMS,
      folder: 'Inbox',
      processFrom: new Date(Date.now() - 1000),
    });
    const [doc] = await (async () => {
      const control = app.server.sandbox!.control;
      // A claim with a PDF form, a photo and a large scan: the .eml and each attachment are blobs,
      // the scan and the .eml streamed (over 1 MiB).
      await control.deliverGenerated(CLAIMS, {
        pdfs: 1,
        jpegs: 1,
        extraAttachments: [{ name: 'scan.tif', size: 3 * 1024 * 1024, contentType: 'image/tiff' }],
      });
      await app.server.sync.syncFolder(folder.folderId);
      await settle(app, folder.folderId);
      return app.server.database.db.select().from(documents).where(eq(documents.workspaceId, ws));
    })();
    expect(doc?.attachments.length).toBeGreaterThan(0);
    at = { workspaceId: ws, inboxId: doc!.inboxId, folderId: folder.folderId, mailboxId: folder.mailboxId };

    const eml = await download(api.documentEml(ws, doc!.id));
    expect(eml.status).toBe(200);
    expect(sha256(eml.bytes)).toBe(doc!.emlSha256);
    const fromElsewhere: Buffer[] = [];
    for await (const c of elsewhere.open(doc!.emlSha256!)) fromElsewhere.push(c as Buffer);
    expect(Buffer.concat(fromElsewhere).equals(eml.bytes)).toBe(true);
    for (const [i, a] of doc!.attachments.entries()) {
      const got = await download(api.documentAttachment(ws, doc!.id, i));
      expect([a.name, got.status, sha256(got.bytes)]).toEqual([a.name, 200, a.sha256]);
      expect(await elsewhere.exists(a.sha256!)).toBe(true);
    }
  });

  it('serves a file another process stored (the 500 of issue 23 §3)', async () => {
    const content = Buffer.concat([
      Buffer.from('From: a@example.com\r\nSubject: elsewhere\r\n\r\n'),
      randomBytes(64),
    ]);
    const stored = await elsewhere.put(Readable.from([content]), content.length);
    const d = await fixtureDocument(app, at, { emlSha256: stored.sha256, emlSize: stored.size });
    const eml = await download(api.documentEml(ws, d.id));
    expect(eml.status).toBe(200);
    expect(eml.bytes.equals(content)).toBe(true);
  });

  it('erases the files of documents past retention through the store, not one stored within the grace', async () => {
    const erase = (now: Date) =>
      eraseExpiredDocuments(
        {
          db: app.server.database.db,
          blobs: app.server.blobs,
          logger: pino({ level: 'silent' }),
          now: () => now,
        },
        { pauseMs: 0 },
      );
    // Stored a moment ago (as by an ingestion of the same bytes about to commit): the row goes, the file stays.
    const justStored = await fixtureDocument(app, at, { receivedAt: new Date(Date.now() - 40 * DAY) });
    expect(await erase(new Date())).toEqual({ documents: 1, blobsErased: 0, blobsKeptFresh: 1, more: false });
    expect(await app.server.blobs.exists(justStored.emlSha256!)).toBe(true);

    // Two hours on, past the grace: the file goes with its document.
    const old = await fixtureDocument(app, at, { receivedAt: new Date(Date.now() - 40 * DAY) });
    expect(await erase(new Date(Date.now() + 2 * 3_600_000))).toEqual({
      documents: 1,
      blobsErased: 1,
      blobsKeptFresh: 0,
      more: false,
    });
    expect(await app.server.blobs.exists(old.emlSha256!)).toBe(false);
    expect(await elsewhere.exists(old.emlSha256!)).toBe(false);
    // Recent documents keep theirs.
    const kept = await app.server.database.db.select().from(documents).where(eq(documents.workspaceId, ws));
    expect(kept.length).toBe(2);
    for (const d of kept) expect(await app.server.blobs.exists(d.emlSha256!)).toBe(true);
  });
});
