import { api, type Document, type ManagedInbox } from '@mailroom/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDocument, fixtureFolder } from './document-fixtures.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';

const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

let app: TestApp;
let owner: Client;
let ws: string;
let doc: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ client: owner, workspaceId: ws } = await setUp(app));
  const inbox = (await owner.post<ManagedInbox>(api.inboxes(ws), { name: 'Claims' })).body.id;
  const at = { workspaceId: ws, inboxId: inbox, ...(await fixtureFolder(app, ws, inbox)) };
  const d = await fixtureDocument(app, at, {
    // The review's name: shown as "invoiceexe.pdf", it is an .exe.
    attachmentNames: ['invoice\u202Efdp.exe', 'constat amiable.pdf', '\u2067rapport\u2069\u200E.pdf'],
    subject: 'Facture \u202Efdp.exe',
  });
  doc = d.id;
});
afterAll(async () => {
  await app?.close();
});

/** The file name a browser saves: RFC 6266's filename* (UTF-8) when present, else filename. */
function savedName(disposition: string): string {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star) return decodeURIComponent(star[1]!);
  const plain = /filename=(?:"([^"]*)"|([^;\s]+))/i.exec(disposition)!;
  return plain[1] ?? plain[2]!;
}

describe('bidirectional control characters in attachment names', () => {
  it('shows the name in its real order and flags the attachment in the document view', async () => {
    const r = await owner.get<Document>(api.document(ws, doc));
    expect(r.status).toBe(200);
    const [exe, plain, isolated] = r.body.attachments;
    expect(exe).toMatchObject({ name: 'invoicefdp.exe', bidiControlsRemoved: true });
    expect(plain).toMatchObject({ name: 'constat amiable.pdf', bidiControlsRemoved: false });
    expect(isolated).toMatchObject({ name: 'rapport.pdf', bidiControlsRemoved: true });
    expect(JSON.stringify(r.body.attachments)).not.toMatch(BIDI);
  });

  it('downloads under the neutralised name (Content-Disposition), the .eml too', async () => {
    for (const [index, expected] of [
      [0, 'invoicefdp.exe'],
      [2, 'rapport.pdf'],
    ] as const) {
      for (const inline of ['', '?inline=1']) {
        const r = await owner.get(`${api.documentAttachment(ws, doc, index)}${inline}`);
        expect(r.status).toBe(200);
        const disposition = String(r.headers['content-disposition']);
        expect(disposition).not.toMatch(/%E2%80%A[A-E]|%E2%81%A[6-9]|%E2%80%8[EF]|%D8%9C/i);
        expect(savedName(disposition)).toBe(expected);
      }
    }
    const eml = await owner.get(api.documentEml(ws, doc));
    expect(savedName(String(eml.headers['content-disposition']))).toBe('Facture fdp.exe.eml');
  });
});
