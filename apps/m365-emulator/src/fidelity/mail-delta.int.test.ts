import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { graphClient, IMMUTABLE, mailroomAppToken } from './mail-helpers.ts';

const CLAIMS = DEMO.contoso.sharedMailboxes[0];
const PROD = DEMO.contoso.sharedMailboxes[1];

type Item = {
  id: string;
  subject?: string;
  isRead?: boolean;
  '@removed'?: { reason: string };
  '@odata.type'?: string;
  [k: string]: unknown;
};
type Page = { value: Item[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

/** Follows nextLinks to the deltaLink, as a sync engine does; returns the items and the page count. */
async function round(
  client: Client,
  start: string,
  headers: Record<string, string> = {},
): Promise<{ items: Item[]; pages: number; deltaLink: string }> {
  const items: Item[] = [];
  let pages = 0;
  let url: string | undefined = start;
  for (;;) {
    const page = (await client.api(url).headers(headers).get()) as Page;
    pages++;
    items.push(...page.value);
    if (page['@odata.deltaLink']) return { items, pages, deltaLink: page['@odata.deltaLink'] };
    url = page['@odata.nextLink'];
    if (!url) throw new Error('page without nextLink or deltaLink');
  }
}

describe('delta per folder (graph-client)', () => {
  let emu: Emulator;
  let app: Client;
  beforeAll(async () => {
    emu = await createEmulator({ demoMail: false });
    app = graphClient(emu, await mailroomAppToken(emu));
  });
  afterAll(() => emu.close());

  it('pages to a deltaLink, then carries updates (changed properties only), moves, deletions; 410 after eviction; full resync', async () => {
    for (let i = 0; i < 25; i++)
      await emu.control.deliverMessage(CLAIMS, {
        subject: `claim ${i}`,
        receivedDateTime: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
      });
    const prefer = { Prefer: 'odata.maxpagesize=10' };
    const first = await round(
      app,
      `/users/${CLAIMS}/mailFolders/inbox/messages/delta?$select=subject,isRead,receivedDateTime`,
      prefer,
    );
    expect(first.pages).toBe(3);
    expect(first.items).toHaveLength(25);
    expect(first.items[0]).toMatchObject({ '@odata.type': '#microsoft.graph.message', subject: 'claim 24' });
    expect(Object.keys(first.items[0]!).sort()).toEqual([
      '@odata.etag',
      '@odata.type',
      'id',
      'isRead',
      'receivedDateTime',
      'subject',
    ]);
    expect(first.deltaLink).toMatch(
      new RegExp(`^${emu.url}/v1\\.0/users/.+/messages/delta\\?\\$deltatoken=`),
    );

    // Nothing changed: an empty round.
    const idle = await round(app, first.deltaLink, prefer);
    expect(idle.items).toEqual([]);

    const all = await emu.control.listMessages(CLAIMS, { folder: 'inbox' });
    const byS = (s: string) => all.find((m) => m.subject === s)!;
    await emu.control.updateMessage(CLAIMS, byS('claim 3').id, { isRead: true });
    await emu.control.moveMessage(CLAIMS, byS('claim 4').id, 'archive');
    await emu.control.deleteMessage(CLAIMS, byS('claim 5').id);
    const fresh = await emu.control.deliverMessage(CLAIMS, { subject: 'claim new' });
    const second = await round(app, idle.deltaLink, prefer);
    const removed = second.items
      .filter((i) => i['@removed'])
      .map((i) => i.id)
      .sort();
    expect(removed).toEqual([byS('claim 4').id, byS('claim 5').id].sort());
    expect(second.items.find((i) => i['@removed'])!['@removed']).toEqual({ reason: 'deleted' });
    const update = second.items.find((i) => i.id === byS('claim 3').id)!;
    expect(update).toMatchObject({ isRead: true });
    expect(update.subject).toBeUndefined(); // only what changed
    expect(second.items.find((i) => i.id === fresh.id)).toMatchObject({
      subject: 'claim new',
      isRead: false,
    });
    expect(second.items).toHaveLength(4);

    // The moved message appears in its new folder's round.
    const archive = await round(app, `/users/${CLAIMS}/mailFolders/archive/messages/delta`);
    expect(archive.items.map((i) => i.subject)).toEqual(['claim 4']);

    // Exchange sometimes replays a whole folder in an incremental round: the client must dedupe.
    await emu.control.addFault({ path: '\\$deltatoken=', count: 1, action: { kind: 'deltaReplay' } });
    const replay = await round(app, second.deltaLink, prefer);
    expect(replay.items).toHaveLength(24);
    expect(replay.items.every((i) => typeof i.subject === 'string')).toBe(true);
    expect((await round(app, replay.deltaLink, prefer)).items).toEqual([]);

    // Evicted sync state → 410 SyncStateNotFound; a full resync brings the folder back.
    expect(
      (await emu.control.evictDeltaTokens({ mailbox: CLAIMS, folder: 'inbox' })).evicted,
    ).toBeGreaterThan(0);
    const gone = (await app
      .api(second.deltaLink)
      .get()
      .catch((e: unknown) => e)) as GraphError;
    expect([gone.statusCode, gone.code]).toEqual([410, 'SyncStateNotFound']);
    expect(gone.message).toMatch(/^The sync state generation is not found; generation=\d+;/);
    const resync = await round(
      app,
      `/users/${CLAIMS}/mailFolders/inbox/messages/delta?$select=subject`,
      prefer,
    );
    expect(resync.items).toHaveLength(24);
    expect(new Set(resync.items.map((i) => i.subject)).size).toBe(24);
  });

  it('$filter=receivedDateTime ge, changeType, $top caps the round, immutable ids in items and @removed, page size default 10', async () => {
    for (let i = 0; i < 12; i++)
      await emu.control.deliverMessage(PROD, {
        subject: `p${i}`,
        receivedDateTime: new Date(Date.UTC(2026, 1, 1 + i)).toISOString(),
      });
    const filtered = await round(
      app,
      `/users/${PROD}/mailFolders/inbox/messages/delta?$filter=receivedDateTime ge 2026-02-07T00:00:00Z&$select=subject`,
    );
    expect(filtered.items.map((i) => i.subject).sort()).toEqual(['p10', 'p11', 'p6', 'p7', 'p8', 'p9']);
    const def = await round(app, `/users/${PROD}/mailFolders/inbox/messages/delta?$select=subject`);
    expect(def.pages).toBe(2); // 12 items, default page size 10
    const capped = await round(app, `/users/${PROD}/mailFolders/inbox/messages/delta?$top=5&$select=subject`);
    expect(capped.items).toHaveLength(5);

    // $expand of the "processed" marker rides along on every page and round.
    const MARKER = 'String {8d2f3c1e-5b7a-4c9d-a1e2-f3b4c5d6e7f8} Name ProcessedBy';
    const marked = (await emu.control.listMessages(PROD)).find((m) => m.subject === 'p11')!;
    await app
      .api(`/users/${PROD}/messages/${marked.id}`)
      .patch({ singleValueExtendedProperties: [{ id: MARKER, value: 'done' }] });
    const withExt = await round(
      app,
      `/users/${PROD}/mailFolders/inbox/messages/delta?$select=subject&$expand=singleValueExtendedProperties($filter=id eq '${MARKER}')`,
      { Prefer: 'odata.maxpagesize=5' },
    );
    expect(
      withExt.items
        .filter((i) => i.singleValueExtendedProperties)
        .map((i) => [i.subject, i.singleValueExtendedProperties]),
    ).toEqual([['p11', [{ id: MARKER, value: 'done' }]]]);
    await app
      .api(`/users/${PROD}/messages/${marked.id}`)
      .patch({ singleValueExtendedProperties: [{ id: MARKER, value: 'done-2' }] });
    const extUpdate = await round(app, withExt.deltaLink);
    expect(extUpdate.items).toEqual([
      expect.objectContaining({
        id: marked.id,
        singleValueExtendedProperties: [{ id: MARKER, value: 'done-2' }],
      }),
    ]);

    const imm = await round(
      app,
      `/users/${PROD}/mailFolders/inbox/messages/delta?changeType=created&$select=subject`,
      IMMUTABLE,
    );
    const target = (await emu.control.listMessages(PROD)).find((m) => m.subject === 'p0')!;
    expect(imm.items.map((i) => i.id)).toContain(target.immutableId);
    await emu.control.moveMessage(PROD, target.id, 'deleteditems');
    await emu.control.updateMessage(
      PROD,
      (await emu.control.listMessages(PROD)).find((m) => m.subject === 'p1')!.id,
      { categories: ['Red category'] },
    );
    const next = await round(app, imm.deltaLink, IMMUTABLE);
    expect(next.items).toEqual([]); // changeType=created: the update is not reported, nor the move out
    const all = await round(app, def.deltaLink, IMMUTABLE);
    expect(all.items.filter((i) => i['@removed']).map((i) => i.id)).toEqual([target.immutableId]);
    expect(all.items.find((i) => !i['@removed'])).toMatchObject({
      '@odata.type': '#microsoft.graph.message',
    });
  });
});
