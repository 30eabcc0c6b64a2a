import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { fail, graphClient, mailroomAppToken } from './mail-helpers.ts';

/** `$filter` with `$orderby` as strict as Exchange, and the folder hierarchy's delta (issue 22 §1.4). */
const CLAIMS = DEMO.contoso.sharedMailboxes[0];

interface FolderPage {
  value: { id: string; displayName?: string; totalItemCount?: number; '@removed'?: { reason: string } }[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

describe('mail queries as strict as Exchange', () => {
  let emu: Emulator;
  let app: Client;
  beforeAll(async () => {
    emu = await createEmulator({ demoMail: false });
    app = graphClient(emu, await mailroomAppToken(emu));
    await emu.control.deliverMessage(CLAIMS, { subject: 'b', receivedDateTime: '2026-01-02T00:00:00Z' });
    await emu.control.deliverMessage(CLAIMS, { subject: 'a', receivedDateTime: '2026-01-03T00:00:00Z' });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('$filter with $orderby: 400 InefficientFilter unless every $orderby property comes first in the $filter', async () => {
    const list = (filter: string, orderby: string) =>
      app.api(`/users/${CLAIMS}/messages`).filter(filter).orderby(orderby).get() as Promise<{
        value: { subject: string }[];
      }>;
    const refused = await fail(list('isRead eq false', 'receivedDateTime desc'));
    expect([refused.statusCode, refused.code, refused.message]).toEqual([
      400,
      'InefficientFilter',
      'The restriction or sort order is too complex for this operation.',
    ]);
    // In the filter, but not first: refused too.
    expect(
      (
        await fail(
          list('isRead eq false and receivedDateTime ge 2026-01-01T00:00:00Z', 'receivedDateTime desc'),
        )
      ).code,
    ).toBe('InefficientFilter');
    // First, as Graph asks: answered, in order.
    const ok = await list(
      'receivedDateTime ge 2026-01-01T00:00:00Z and isRead eq false',
      'receivedDateTime desc',
    );
    expect(ok.value.map((m) => m.subject)).toEqual(['a', 'b']);
    // Each on its own stays fine.
    expect(
      ((await app.api(`/users/${CLAIMS}/messages`).orderby('subject asc').get()) as { value: unknown[] })
        .value,
    ).toHaveLength(2);
    expect(
      ((await app.api(`/users/${CLAIMS}/messages`).filter('isRead eq false').get()) as { value: unknown[] })
        .value,
    ).toHaveLength(2);
  });

  it('GET mailFolders/delta and childFolders/delta: every folder, paged, then only what changed (with deletions)', async () => {
    const readAll = async (first: string, headers: Record<string, string> = {}) => {
      const items: FolderPage['value'] = [];
      let page = (await app.api(first).headers(headers).get()) as FolderPage;
      let pages = 1;
      items.push(...page.value);
      while (page['@odata.nextLink']) {
        page = (await app.api(page['@odata.nextLink']).headers(headers).get()) as FolderPage;
        items.push(...page.value);
        pages++;
      }
      return { items, pages, deltaLink: page['@odata.deltaLink']! };
    };
    const listed = (await app.api(`/users/${CLAIMS}/mailFolders`).top(100).get()) as FolderPage;
    const r1 = await readAll(`/users/${CLAIMS}/mailFolders/delta`, { Prefer: 'odata.maxpagesize=3' });
    expect(r1.pages).toBeGreaterThan(1);
    expect(r1.deltaLink).toMatch(/\/mailFolders\/delta\?\$deltatoken=/);
    expect(r1.items.map((f) => f.displayName)).toEqual(
      expect.arrayContaining(listed.value.map((f) => f.displayName)),
    );

    // Nothing changed: an empty round.
    const r2 = await readAll(r1.deltaLink);
    expect(r2.items).toEqual([]);

    // A new folder, a message in the Inbox (its counts change), a folder deleted.
    const box = emu.state.mail.mailbox(emu.state.dir.findUser(CLAIMS)!);
    const inbox = emu.state.mail.wellKnown(box, 'inbox')!;
    const sub = emu.state.mail.addFolder(box, 'Claims 2026', inbox.no);
    await emu.control.deliverMessage(CLAIMS, { subject: 'counted' });
    const archive = emu.state.mail.wellKnown(box, 'archive')!;
    const archiveId = emu.state.mail.folderId(box, archive);
    box.folders.delete(archive.no);
    const r3 = await readAll(r2.deltaLink);
    expect(
      r3.items
        .filter((f) => !f['@removed'])
        .map((f) => f.displayName)
        .sort(),
    ).toEqual(['Claims 2026', 'Inbox']);
    expect(r3.items.find((f) => f.displayName === 'Inbox')!.totalItemCount).toBe(3);
    expect(r3.items.filter((f) => f['@removed'])).toEqual([
      { id: archiveId, '@removed': { reason: 'deleted' } },
    ]);

    // A folder's children only.
    const children = await readAll(`/users/${CLAIMS}/mailFolders/inbox/childFolders/delta`);
    expect(children.items.map((f) => [f.id, f.displayName])).toEqual([
      [emu.state.mail.folderId(box, sub), 'Claims 2026'],
    ]);
    // A token of another round is not this one's.
    const wrong = await fail(
      app.api(r3.deltaLink.replace('/mailFolders/delta', '/mailFolders/inbox/childFolders/delta')).get(),
    );
    expect([wrong.statusCode, wrong.code]).toEqual([410, 'SyncStateNotFound']);
  });
});
