import { CSRF_HEADER, api, type Connector, type DirectoryList } from '@mailroom/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  browser,
  control,
  createOwner,
  heading,
  page,
  pageErrors,
  server,
  shots,
  until,
  useStack,
} from '../support/spec.ts';

// Contoso's own app registration (the sandbox's), limited by an access policy to claims@ and production@.
const ownApp = {
  tenant: 'contoso-insurance.com',
  clientId: 'c0a5e0f1-2b3c-4d5e-8f70-8192a3b4c5d6',
  clientSecret: 'Cto8Q~customer.Owned-Secret_0123456789abcd',
  secretExpiresAt: '2099-12-31',
};
const claims = 'claims@contoso-insurance.com';

/**
 * Issue 19 §2 in the browser: a mailbox that one connector reads is offered to another with the name
 * of its reader, cannot be ticked twice, and moves over with one click.
 */
describe('one reader per mailbox: the mailbox picker', () => {
  useStack('one-reader', { timeoutMs: 20_000 });
  let ws = '';
  let second = '';

  beforeAll(async () => {
    const session = await createOwner();
    ws = session.workspaces[0]!.id;
    const request = browser.context.request;
    const headers = { [CSRF_HEADER]: session.csrfToken };
    const connector = async (name: string) => {
      const made = await request.post(`${server.baseUrl}${api.connectors(ws)}`, {
        headers,
        data: { name, type: 'microsoft365' },
      });
      const id = ((await made.json()) as Connector).id;
      const connected = await request.post(`${server.baseUrl}${api.connectOwnApp(ws, id)}`, {
        headers,
        data: ownApp,
      });
      expect(connected.status()).toBe(200);
      return id;
    };
    const first = await connector('Claims desk');
    second = await connector('Back office');
    const dir = (await (
      await request.get(`${server.baseUrl}${api.directory(ws, first)}?search=claims`, { headers })
    ).json()) as DirectoryList;
    const set = await request.put(`${server.baseUrl}${api.mailboxes(ws, first)}`, {
      headers,
      data: { mailboxes: dir.items.filter((i) => i.address === claims) },
    });
    expect(set.status()).toBe(200);
  });

  it('says which connector reads claims@ and moves it here', async () => {
    await page.goto(`${server.baseUrl}/w/${ws}/settings/connectors/${second}`);
    await heading('Back office');
    await page.getByRole('button', { name: 'Edit connected mailboxes' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit connected mailboxes' });
    await dialog.getByLabel('Search users and shared mailboxes').fill('claims');
    const entry = dialog.locator(`[data-testid="directory-entry"][data-address="${claims}"]`);
    await entry.getByText('Read by the connector “Claims desk”').waitFor();
    expect(await entry.getByRole('checkbox').isDisabled()).toBe(true);
    await shots('one-reader-read-by');

    await entry.getByRole('button', { name: 'Move to this connector' }).click();
    await entry.getByText('Readable').waitFor();
    expect(await entry.getByRole('checkbox').isChecked()).toBe(true);
    expect(await entry.getByTestId('read-by').count()).toBe(0);
    await dialog.getByText('1 mailbox selected').waitFor();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator(`[data-testid="mailbox"][data-address="${claims}"]`).getByText('Readable').waitFor();
    await shots('one-reader-moved');
  });

  it('when the connector loses access, the mailbox and its folder say so instead of Readable and Active', async () => {
    const mailbox = page.locator(`[data-testid="mailbox"][data-address="${claims}"]`);
    await mailbox.getByRole('button', { name: 'Choose folders' }).click();
    const dialog = page.getByRole('dialog', { name: `Folders to monitor in ${claims}` });
    const inbox = dialog.getByRole('checkbox', { name: 'Inbox', exact: true });
    await until('Inbox ticked', () => inbox.isChecked(), 10_000);
    await dialog.getByRole('button', { name: 'Save folders' }).click();
    await dialog.waitFor({ state: 'detached' });
    const folder = mailbox.locator('[data-testid="folder-panel"][data-folder="Inbox"]');
    await folder.getByRole('switch', { name: 'Active' }).click();
    await folder.getByTestId('folder-state').filter({ hasText: 'Active' }).waitFor();

    // Contoso's admin withdraws the app's consent; Check now finds out.
    await control.withdrawConsent('b7d2c1a4-3e5f-4a6b-8c9d-0e1f2a3b4c5d', ownApp.clientId);
    await page.getByRole('button', { name: 'Check now' }).click();
    await mailbox.getByTestId('mailbox-blocked').waitFor();
    expect(await mailbox.getByText('Readable').count()).toBe(0);
    await folder.getByTestId('folder-state').filter({ hasText: 'Not read: access lost' }).waitFor();
    // The rule's switch and the delivery line agree with it: on, but not read; no "within seconds".
    await folder
      .getByText('On, but not read while Mailroom has lost access through this connector.')
      .waitFor();
    expect(await folder.getByText('Arrives within seconds').count()).toBe(0);
    await shots('one-reader-blocked');
    expect(pageErrors).toEqual([]);
  });
});
