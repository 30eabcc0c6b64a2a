import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { fail, graphClient, IMMUTABLE, mailroomAppToken } from './mail-helpers.ts';

/** Graph's own misbehaviours users hit in 2025–26, as opt-in quirks (issue 22 §1.6). */
const CLAIMS = DEMO.contoso.sharedMailboxes[0];

interface DeltaPage {
  value: { id: string; subject?: string; '@removed'?: { reason: string } }[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

describe('Graph quirks, opt-in', () => {
  let emu: Emulator;
  let app: Client;
  beforeAll(async () => {
    emu = await createEmulator({ demoMail: false });
    app = graphClient(emu, await mailroomAppToken(emu));
  });
  afterEach(async () => {
    await emu.control.clearFaults();
  });
  afterAll(async () => {
    await emu.close();
  });

  /** A whole delta round of a folder from `link` (or from the start), immutable ids. */
  const round = async (link: string, pageSize = 10) => {
    const items: DeltaPage['value'] = [];
    let page = (await app
      .api(link)
      .headers({ ...IMMUTABLE, Prefer: `${IMMUTABLE.Prefer}, odata.maxpagesize=${pageSize}` })
      .get()) as DeltaPage;
    items.push(...page.value);
    while (page['@odata.nextLink']) {
      page = (await app.api(page['@odata.nextLink']).headers(IMMUTABLE).get()) as DeltaPage;
      items.push(...page.value);
    }
    return { items, deltaLink: page['@odata.deltaLink']! };
  };
  const start = (folder: string) => `/users/${CLAIMS}/mailFolders/${folder}/messages/delta`;

  it('all off by default', async () => {
    expect(await emu.control.quirks()).toEqual({
      deltaMoveBackReportsDelete: false,
      deltaPageExpiryMs: 0,
      attachmentListTimeoutBytes: 0,
      attachmentListTimeoutMs: 30_000,
      acrossStoresMoveRate: 0,
    });
    await expect(emu.control.setQuirks({ acrossStoresMoveRate: 2 })).rejects.toThrow(/between 0 and 1/);
  });

  it('a drag-drop between stores in Outlook desktop gives the message a new immutable id', async () => {
    const inbox = await round(start('inbox'));
    const archive = await round(start('archive'));
    const m = await emu.control.deliverMessage(CLAIMS, { subject: 'dragged' });
    const plain = await emu.control.moveMessage(CLAIMS, m.id, 'deletedItems');
    expect(plain.immutableId).toBe(m.immutableId); // an ordinary move keeps it
    const dragged = await emu.control.moveMessage(CLAIMS, m.immutableId, 'archive', { acrossStores: true });
    expect(dragged.immutableId).not.toBe(m.immutableId);
    const got = (await app
      .api(`/users/${CLAIMS}/messages/${dragged.immutableId}`)
      .headers(IMMUTABLE)
      .get()) as {
      subject: string;
    };
    expect(got.subject).toBe('dragged');
    // Delta: a new item in the destination, not the old one moved.
    expect((await round(archive.deltaLink)).items.map((i) => i.id)).toEqual([dragged.immutableId]);
    await round(inbox.deltaLink);
    // By chance, with the rate set: every Outlook move is one.
    await emu.control.setQuirks({ acrossStoresMoveRate: 1 });
    const again = await emu.control.moveMessage(CLAIMS, dragged.immutableId, 'inbox');
    expect(again.immutableId).not.toBe(dragged.immutableId);
  });

  it('a message moved A→B→A within a delta round is reported only as removed (with the quirk on)', async () => {
    const m = await emu.control.deliverMessage(CLAIMS, { subject: 'there and back' });
    let { deltaLink } = await round(start('inbox'));
    const there = await emu.control.moveMessage(CLAIMS, m.immutableId, 'archive');
    await emu.control.moveMessage(CLAIMS, there.immutableId, 'inbox');
    // Without the quirk: removed, then the message again.
    const honest = await round(deltaLink);
    expect(honest.items.map((i) => [i.id, i['@removed'] ? 'removed' : 'present'])).toEqual([
      [m.immutableId, 'removed'],
      [m.immutableId, 'present'],
    ]);
    await emu.control.setQuirks({ deltaMoveBackReportsDelete: true });
    deltaLink = honest.deltaLink;
    const back = await emu.control.moveMessage(CLAIMS, m.immutableId, 'archive');
    await emu.control.moveMessage(CLAIMS, back.immutableId, 'inbox');
    const quirky = await round(deltaLink);
    expect(quirky.items).toEqual([
      { '@odata.type': '#microsoft.graph.message', id: m.immutableId, '@removed': { reason: 'deleted' } },
    ]);
    // The message is there all the same.
    expect((await emu.control.listMessages(CLAIMS, { folder: 'inbox' })).map((x) => x.immutableId)).toContain(
      m.immutableId,
    );
  });

  it('a delta round’s earlier pages expire mid-round: SyncStateNotFound on a nextLink', async () => {
    for (let i = 0; i < 3; i++) await emu.control.deliverMessage(CLAIMS, { subject: `page ${i}` });
    await emu.control.setQuirks({ deltaPageExpiryMs: 50 });
    const first = (await app
      .api(start('inbox'))
      .headers({ Prefer: 'odata.maxpagesize=1' })
      .get()) as DeltaPage;
    expect(first['@odata.nextLink']).toBeDefined();
    await new Promise((r) => setTimeout(r, 120));
    const gone = await fail(app.api(first['@odata.nextLink']!).get());
    expect([gone.statusCode, gone.code]).toEqual([410, 'SyncStateNotFound']);
    // Paged quickly enough, a round completes.
    await emu.control.setQuirks({ deltaPageExpiryMs: 60_000 });
    expect((await round(start('inbox'), 1)).deltaLink).toBeDefined();
  });

  it('listing the attachments of a large (30 MB) message times out with Graph’s empty 504', async () => {
    const big = await emu.control.deliverMessage(CLAIMS, {
      subject: 'large',
      attachments: [
        {
          '@odata.type': '#microsoft.graph.fileAttachment',
          name: 'scan.pdf',
          contentType: 'application/pdf',
          contentBytes: Buffer.alloc(1_500_000, 1).toString('base64'),
        },
      ],
    });
    const small = await emu.control.deliverMessage(CLAIMS, { subject: 'small' });
    await emu.control.setQuirks({ attachmentListTimeoutBytes: 1_000_000, attachmentListTimeoutMs: 1_000 });
    // The 504 comes after Graph's wait, not at once: a small message's list asked after it is answered
    // first (order of answers, not elapsed time).
    let answered = false;
    const pending = fail(app.api(`/users/${CLAIMS}/messages/${big.id}/attachments`).get()).finally(
      () => (answered = true),
    );
    await app.api(`/users/${CLAIMS}/messages/${small.id}/attachments`).get();
    expect(answered).toBe(false);
    const timedOut = await pending;
    expect([timedOut.statusCode, timedOut.code]).toEqual([504, 'UnknownError']);
    const expanded = await fail(app.api(`/users/${CLAIMS}/messages/${big.id}`).expand('attachments').get());
    expect(expanded.statusCode).toBe(504);
    // The bytes themselves and a small message's list are fine.
    expect(
      ((await app.api(`/users/${CLAIMS}/messages/${small.id}/attachments`).get()) as { value: [] }).value,
    ).toEqual([]);
  });
});
