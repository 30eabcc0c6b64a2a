import { api, type DocumentList, type DocumentType, type ManagedInbox } from '@mailroom/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDocument, fixtureFolder } from './document-fixtures.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';

let app: TestApp;
let owner: Client;
let ws: string;
let claims: string;
let production: string;
const seeded: Awaited<ReturnType<typeof fixtureDocument>>[] = [];
let claimType: string;
let urgent: string;
let claimsBox: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ client: owner, workspaceId: ws } = await setUp(app));
  claims = (await owner.post<ManagedInbox>(api.inboxes(ws), { name: 'Claims' })).body.id;
  production = (await owner.post<ManagedInbox>(api.inboxes(ws), { name: 'Production' })).body.id;
  claimType = (await owner.post<DocumentType>(api.documentTypes(ws), { name: 'Claim' })).body.id;
  urgent = (await owner.post<DocumentType>(api.tags(ws), { name: 'urgent' })).body.id;
  const a = await fixtureFolder(app, ws, claims, 'claims@contoso-insurance.com');
  const b = await fixtureFolder(app, ws, production, 'production@contoso-insurance.com');
  claimsBox = a.mailboxId;
  const base = Date.parse('2026-06-01T12:00:00Z');
  const statuses = ['new', 'new', 'approved', 'bounced', 'deleted', 'filtered'] as const;
  for (let i = 0; i < 24; i++) {
    const o = i % 2 ? b : a;
    seeded.push(
      await fixtureDocument(
        app,
        { workspaceId: ws, inboxId: i % 2 ? production : claims, ...o },
        {
          subject:
            i === 5 ? 'Dégât des eaux — rue Haute' : `Claim ${1000 + i} ${i % 3 ? 'storm' : 'water'} damage`,
          fromAddress: i === 7 ? 'jan.peeters@example.be' : `broker${i}@harbor.example`,
          attachmentNames: i === 9 ? ['constat_amiable_2026.pdf'] : [],
          // Three share one time: the id breaks the tie, pages still visit each once.
          receivedAt: new Date(base - (i < 3 ? 0 : i) * 3_600_000),
          status: statuses[i % statuses.length],
          documentTypeId: i % 4 === 0 ? claimType : null,
          tagIds: i % 5 === 0 ? [urgent] : [],
        },
      ),
    );
  }
});
afterAll(async () => {
  await app?.close();
});

const ids = (l: DocumentList) => l.items.map((d) => d.id);
const list = async (q: string) => (await owner.get<DocumentList>(`${api.documents(ws)}?limit=200&${q}`)).body;
const expected = (pred: (d: (typeof seeded)[number], i: number) => boolean) =>
  seeded
    .map((d, i) => ({ d, i }))
    .filter(({ d, i }) => pred(d, i))
    .map(({ d }) => d)
    .sort((x, y) => y.receivedAt.getTime() - x.receivedAt.getTime() || (x.id < y.id ? 1 : -1))
    .map((d) => d.id);
const working = (d: (typeof seeded)[number]) => ['new', 'approved', 'bounced'].includes(d.status);

describe('inbox list', () => {
  it('shows working documents newest first; deleted and filtered only when asked', async () => {
    expect(ids(await list(''))).toEqual(expected(working));
    expect(ids(await list(`inboxId=${claims}`))).toEqual(expected((d) => working(d) && d.inboxId === claims));
    expect(ids(await list('status=deleted'))).toEqual(expected((d) => d.status === 'deleted'));
    expect(ids(await list('status=filtered'))).toEqual(expected((d) => d.status === 'filtered'));
  });

  it('filters by type, tag, mailbox and dates', async () => {
    expect(ids(await list(`documentTypeId=${claimType}`))).toEqual(
      expected((d) => working(d) && d.documentTypeId === claimType),
    );
    expect(ids(await list(`tagId=${urgent}`))).toEqual(
      expected((d) => working(d) && d.tagIds.includes(urgent)),
    );
    expect(ids(await list(`mailboxId=${claimsBox}`))).toEqual(
      expected((d) => working(d) && d.mailboxId === claimsBox),
    );
    const from = '2026-06-01T00:00:00.000Z';
    const to = '2026-06-01T06:00:00.000Z';
    expect(ids(await list(`from=${from}&to=${to}`))).toEqual(
      expected((d) => working(d) && d.receivedAt >= new Date(from) && d.receivedAt < new Date(to)),
    );
  });

  it('searches subject, sender and attachment names by word prefixes', async () => {
    expect(ids(await list('q=wat'))).toEqual(expected((d) => working(d) && /water/.test(d.subject)));
    expect(ids(await list('q=dégât%20haute'))).toEqual(
      [seeded[5]!.id].filter((id) => expected(working).includes(id)),
    );
    expect(ids(await list('q=peeters'))).toEqual(
      expected((d) => working(d) && d.fromAddress === 'jan.peeters@example.be'),
    );
    expect(ids(await list('q=constat'))).toEqual(expected((d) => working(d) && d.attachments.length > 0));
    expect(ids(await list('q=storm%20harbor'))).toEqual(
      expected((d) => working(d) && /storm/.test(d.subject) && d.fromAddress!.includes('harbor')),
    );
    // Query syntax in the input is just text.
    expect((await owner.get(`${api.documents(ws)}?q=${encodeURIComponent("')|!(:*&")}`)).status).toBe(200);
  });

  it('pages with a cursor: every document once, in order, including ties', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: DocumentList = (
        await owner.get<DocumentList>(`${api.documents(ws)}?limit=5${cursor ? `&cursor=${cursor}` : ''}`)
      ).body;
      seen.push(...ids(page));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expected(working));
    // A cursor that is not ours is refused (400), never a database error (test/cursors.int.test.ts).
    expect((await owner.get(`${api.documents(ws)}?cursor=garbage`)).status).toBe(400);
  });
});
