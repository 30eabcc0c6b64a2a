import { api, type Document, type DocumentList } from '@mailroom/contracts';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, mailMessages } from '../src/db/schema/index.ts';
import { SyncEngine } from '../src/sync/engine.ts';
import { connectedOwnApp } from './connect-helpers.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';
import { CLAIMS, monitor, settle } from './sync-helpers.ts';

/**
 * Issue 19 §1: every email becomes a document or fails with a reason within a bounded time, and the
 * document keeps what the email holds (inline images, the sender's date, bodies the parser cannot
 * read, uuencoded and nameless parts, external-body links, malformed encoded words).
 */
let app: TestApp;
let owner: Client;
let ws: string;
let connectorId: string;

beforeAll(async () => {
  // Push off: the tests run their rounds themselves.
  app = await startTestApp({ MAILROOM_PUSH: 'false' });
  ({ client: owner, workspaceId: ws } = await setUp(app));
  connectorId = await connectedOwnApp(owner, ws, 'Claims');
});
afterAll(async () => {
  await app?.close();
});

/** A new folder of the claims mailbox, monitored: each test reads its own mail. */
async function folder(name: string) {
  const control = app.server.sandbox!.control;
  const created = await control.createFolder(CLAIMS, name);
  const at = await monitor(app, {
    workspaceId: ws,
    connectorId,
    address: CLAIMS,
    folder: name,
    processFrom: new Date(Date.now() - 86_400_000),
  });
  return { ...at, graphFolder: created.id };
}

/** The one document of a delivered message, as the API shows it. */
async function documentOf(graphMessageId: string): Promise<Document> {
  const { db } = app.server.database;
  const [row] = await db
    .select({ id: documents.id })
    .from(documents)
    .innerJoin(mailMessages, eq(mailMessages.id, documents.messageId))
    .where(eq(mailMessages.graphMessageId, graphMessageId));
  if (!row) throw new Error(`no document for ${graphMessageId}`);
  const r = await owner.get<Document>(api.document(ws, row.id));
  expect(r.status).toBe(200);
  return r.body;
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

describe('ingestion always ends', () => {
  it(
    'an email with 1,200 attachments (the emulator JSON route, nodemailer MIME) becomes a document: 1,000 kept, the rest named',
    { timeout: 240_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const f = await folder('Many attachments');
      const sent = await control.deliverMessage(
        CLAIMS,
        {
          subject: 'Twelve hundred files',
          body: { contentType: 'text', content: 'See the files' },
          from: { emailAddress: { address: 'sender@example.com' } },
          attachments: Array.from({ length: 1_200 }, (_, i) => ({
            '@odata.type': '#microsoft.graph.fileAttachment',
            name: `file-${String(i).padStart(4, '0')}.txt`,
            contentType: 'text/plain',
            contentBytes: Buffer.from(`content of file ${i}`).toString('base64'),
          })),
        },
        { folder: f.graphFolder },
      );
      await app.server.sync.syncFolder(f.folderId);
      await settle(app, f.folderId, 200_000);
      const doc = await documentOf(sent.immutableId);
      expect(doc.attachments).toHaveLength(1_200);
      expect(doc.attachments.filter((a) => !a.notKept)).toHaveLength(1_000);
      expect(doc.attachments[1_000]).toMatchObject({ name: 'file-1000.txt', notKept: true });
      const last = await owner.get(api.documentAttachment(ws, doc.id, 999));
      expect(last.status).toBe(200);
      expect(last.body).toBe('content of file 999');
      expect((await owner.get(api.documentAttachment(ws, doc.id, 1_000))).status).toBe(404);
    },
  );

  it(
    'an email that stalls its reading fails with the reason instead of staying pending',
    { timeout: 60_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const f = await folder('Stalls');
      // An engine of its own that records without queueing, with a short time bound and one attempt.
      const engine = new SyncEngine({
        db: app.server.database.db,
        broker: app.server.connectors.broker,
        mail: app.server.mail,
        blobs: app.server.blobs,
        inflow: app.server.inflow,
        logger: pino({ level: 'silent' }),
        enqueueIngest: async () => undefined,
        enqueueMarkers: async () => undefined,
        ingestTimeoutMs: 1_000,
        maxIngestAttempts: 1,
      });
      const sent = await control.deliverMessage(
        CLAIMS,
        { subject: 'Slow', body: { contentType: 'text', content: 'slow' } },
        { folder: f.graphFolder },
      );
      await engine.syncFolder(f.folderId);
      const [msg] = await app.server.database.db
        .select()
        .from(mailMessages)
        .where(eq(mailMessages.graphMessageId, sent.immutableId));
      // The MIME download holds for 5 s, five times the bound. Without the bound the read would end
      // 'created' once the download answers; 'failed' with the bound's own reason (below) shows the
      // bound ended it, whatever the machine's speed: nothing here measures elapsed time.
      const fault = await control.addFault({
        path: '/\\$value',
        action: { kind: 'delay', ms: 5_000 },
        count: 1,
      });
      expect(await engine.ingest(msg!.id)).toBe('failed');
      await control.removeFault(fault.id).catch(() => undefined);
      const [after] = await app.server.database.db
        .select()
        .from(mailMessages)
        .where(eq(mailMessages.id, msg!.id));
      expect(after).toMatchObject({
        state: 'failed',
        lastError: 'Reading this email did not finish within 1 s.',
      });
      // Retry puts it back; read again without the fault, it becomes a document.
      await engine.retry(msg!.id);
      expect(await engine.ingest(msg!.id)).toBe('created');
    },
  );
});

describe('the document keeps what the email holds', () => {
  it(
    'an HTML email whose only attachment is an inline image: kept, listed as inline, shown in the body from this server; remote images still blocked',
    { timeout: 120_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const f = await folder('Inline only');
      const sent = await control.deliverMessage(
        CLAIMS,
        {
          subject: 'Logo',
          body: {
            contentType: 'html',
            content:
              '<p>Our logo: <img src="cid:logo@example" alt="logo"> <img src="https://tracker.example/pixel.png"></p>',
          },
          attachments: [
            {
              '@odata.type': '#microsoft.graph.fileAttachment',
              name: 'logo.png',
              contentType: 'image/png',
              contentBytes: PNG.toString('base64'),
              isInline: true,
              contentId: 'logo@example',
            },
          ],
        },
        { folder: f.graphFolder },
      );
      await app.server.sync.syncFolder(f.folderId);
      await settle(app, f.folderId);
      const doc = await documentOf(sent.immutableId);
      expect(doc.attachments).toEqual([
        expect.objectContaining({
          name: 'logo.png',
          inline: true,
          contentId: 'logo@example',
          notKept: false,
        }),
      ]);
      const url = `${api.documentAttachment(ws, doc.id, 0)}?inline=1`;
      expect(doc.bodyHtml).toContain(`src="${url}"`);
      expect(doc.bodyHtml).not.toContain('cid:');
      expect(doc.bodyHtml).not.toMatch(/\ssrc="https:/);
      expect(doc.bodyHtml).toContain('data-remote-src="https://tracker.example/pixel.png"');
      const image = await owner.request('GET', url);
      expect(image.status).toBe(200);
      expect(image.headers['content-type']).toBe('image/png');
    },
  );

  it(
    'stores the Date header as sentAt beside receivedAt, and filters the list by it',
    { timeout: 120_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const f = await folder('Sent dates');
      const sent = await control.deliverMessage(
        CLAIMS,
        {
          subject: 'Written last month',
          body: { contentType: 'text', content: 'old' },
          sentDateTime: '2026-11-02T08:30:00Z',
        },
        { folder: f.graphFolder },
      );
      await app.server.sync.syncFolder(f.folderId);
      await settle(app, f.folderId);
      const doc = await documentOf(sent.immutableId);
      expect(doc.sentAt).toBe('2026-11-02T08:30:00.000Z');
      expect(doc.receivedAt).not.toBe(doc.sentAt);
      const list = (q: string) =>
        owner.get<DocumentList>(`${api.documents(ws)}?mailboxId=${f.mailboxId}&${q}`);
      const inRange = await list('sentFrom=2026-11-01T00:00:00Z&sentTo=2026-11-03T00:00:00Z');
      expect(inRange.status).toBe(200);
      expect(inRange.body.items.map((d) => d.id)).toContain(doc.id);
      expect(inRange.body.items.find((d) => d.id === doc.id)?.sentAt).toBe('2026-11-02T08:30:00.000Z');
      const outside = await list('sentFrom=2026-11-03T00:00:00Z');
      expect(outside.body.items.map((d) => d.id)).not.toContain(doc.id);
    },
  );

  it(
    'raw bodies, uuencode, nameless parts, external-body links and malformed encoded words, from real MIME',
    { timeout: 120_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const f = await folder('Odd MIME');
      const crlf = (s: string) => s.replaceAll('\n', '\r\n');
      const noBlank = await control.deliverEml(
        CLAIMS,
        crlf(
          'From: a@example.com\nSubject: no blank line\nContent-Type: text/plain\nThe text is here\nand here\n',
        ),
        { folder: f.graphFolder },
      );
      const parts = await control.deliverEml(
        CLAIMS,
        crlf(`From: =?UTF-8?B?!!!bad?= <b@example.com>
Subject: Hello =?UTF-8?B?!!!not*base64?= and =?UTF-8?Q?caf=C3=A9?=
Date: Mon, 30 Nov 2026 09:00:00 +0100
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=XX

--XX
Content-Type: text/plain

see the files
--XX
Content-Type: application/octet-stream
Content-Transfer-Encoding: x-uuencode

begin 644 hello.txt
+:&5L;&\\@=V]R;&0*
\`
end
--XX
Content-Type: application/pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--XX
Content-Type: message/external-body; access-type=URL; URL="https://files.example.com/big.zip"

Content-Type: application/zip

--XX--
`),
        { folder: f.graphFolder },
      );
      await app.server.sync.syncFolder(f.folderId);
      await settle(app, f.folderId);

      const raw = await documentOf(noBlank.immutableId);
      expect(raw.bodyText).toBe('The text is here\nand here');
      expect(raw.bodyAsPlainText).toBe(true);

      const doc = await documentOf(parts.immutableId);
      expect(doc.subject).toBe('Hello =?UTF-8?B?!!!not*base64?= and café');
      expect(doc.from).toEqual({ name: '=?UTF-8?B?!!!bad?=', address: 'b@example.com' });
      expect(doc.sentAt).toBe('2026-11-30T08:00:00.000Z');
      expect(doc.bodyAsPlainText).toBe(false);
      expect(doc.attachments.map((a) => [a.name, a.kind])).toEqual([
        ['hello.txt', 'file'],
        ['attachment.pdf', 'file'],
        ['big.zip', 'reference'],
      ]);
      expect(doc.attachments[2]!.url).toBe('https://files.example.com/big.zip');
      const hello = await owner.get(api.documentAttachment(ws, doc.id, 0));
      expect(hello.body).toBe('hello world');
      // The .eml is the email as it came, byte for byte.
      const eml = await owner.get(api.documentEml(ws, doc.id));
      expect(eml.body).toContain('begin 644 hello.txt');
    },
  );
});
