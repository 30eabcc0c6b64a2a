import { CSRF_HEADER, api } from '@mailroom/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  browser,
  createOwner,
  heading,
  owner,
  page,
  pageErrors,
  server,
  shot,
  useStack,
} from '../support/spec.ts';

const member = { name: 'Bob Stone', email: 'bob@example.com', password: 'another long passphrase' };

let inviteUrl = '';

async function settingsSection(name: string) {
  await page.getByRole('navigation', { name: 'Workspace settings' }).getByRole('link', { name }).click();
  await heading(name);
}

async function signOut(name: string) {
  await page.getByRole('button', { name: `Account menu for ${name}` }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await heading('Sign in');
}

describe('people: invite, accept, roles, audit log', () => {
  useStack('people');
  beforeAll(async () => {
    // The owner and one connector are made through the API (the first spec covers doing it by hand).
    const after = await createOwner();
    const ws = after.workspaces[0]!.id;
    const created = await browser.context.request.post(`${server.baseUrl}${api.connectors(ws)}`, {
      headers: { [CSRF_HEADER]: after.csrfToken },
      data: { name: 'Claims mailboxes', type: 'microsoft365' },
    });
    expect(created.status()).toBe(201);
  });

  it('renames the workspace', async () => {
    await page.goto(server.baseUrl);
    await heading('Welcome, Ada');
    await page.getByRole('button', { name: `Account menu for ${owner.name}` }).click();
    await page.getByRole('menuitem', { name: 'Workspace settings' }).click();
    await heading('General');
    await page.getByLabel('Workspace name').fill('Acme Assurances');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').getByText('Saved').waitFor();
    await page.getByRole('banner').getByText('Acme Assurances').waitFor();
  });

  it('keeps documents 29 days unless changed, and warns before a shorter retention is saved', async () => {
    const days = page.getByLabel('Keep documents for (days)');
    expect(await days.inputValue()).toBe('29');
    await days.fill('0');
    await page.getByRole('button', { name: 'Save retention' }).click();
    await page.getByText('Enter a whole number of days from 1 to 3650.').waitFor();
    await days.fill('7');
    await page
      .getByRole('note')
      .getByText('Documents older than 7 days will be erased within the hour')
      .waitFor();
    await days.fill('90');
    expect(await page.getByText('will be erased within the hour').count()).toBe(0);
    await page.getByRole('button', { name: 'Save retention' }).click();
    await page.getByRole('region', { name: 'Retention' }).getByRole('status').getByText('Saved').waitFor();
    await shot('20b-general-retention-1280');
  });

  it('invites a member and shows the link once, with a Copy button (a double click invites once)', async () => {
    await settingsSection('People');
    await page.getByLabel('Email address').fill(member.email);
    // Twice would revoke the first link; the same Idempotency-Key gives the same one (the next step joins with it).
    await page.getByRole('button', { name: 'Create invitation link' }).dblclick();
    const link = page.getByRole('textbox', { name: 'Invitation link' });
    await link.waitFor();
    inviteUrl = await link.inputValue();
    expect(inviteUrl).toMatch(new RegExp(`^${server.baseUrl}/invite/`));
    await page.getByRole('button', { name: 'Copy' }).waitFor();
    const pending = page.getByRole('table', { name: 'Pending invitations' });
    await pending.getByRole('row').filter({ hasText: member.email }).waitFor();
    expect(await pending.getByRole('row').filter({ hasText: member.email }).count()).toBe(1);
    await shot('20-people-1280');
    await page.setViewportSize({ width: 768, height: 900 });
    await shot('21-people-768');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('lets the invited person join with a name and password', async () => {
    await signOut(owner.name);
    await page.goto(inviteUrl);
    await heading('Join Acme Assurances');
    await page.getByLabel('Your name').fill(member.name);
    await page.getByRole('textbox', { name: 'Choose a password', exact: true }).fill(member.password);
    await shot('22-accept-invitation-1280');
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await heading('Welcome, Bob');
  });

  it('shows members the settings read-only, without admin actions', async () => {
    await page.getByRole('button', { name: `Account menu for ${member.name}` }).click();
    await page.getByRole('menuitem', { name: 'Workspace settings' }).click();
    await heading('General');
    await page.getByText('Only owners and admins can change them.').waitFor();
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await page.getByText('90 days').waitFor();

    await settingsSection('Connectors');
    await page.getByRole('link', { name: 'Claims mailboxes' }).waitFor();
    expect(await page.getByRole('button', { name: 'Create connector' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Claims mailboxes' }).click();
    await heading('Claims mailboxes');
    expect(await page.getByRole('button', { name: 'Rename' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    // Connecting to Microsoft 365 is for admins: the three ways are explained, with no way to start one.
    await page.getByText('Only an owner or admin of this workspace can connect this connector.').waitFor();
    await page.getByRole('heading', { name: 'Organisation-wide access', level: 3 }).waitFor();
    expect(await page.getByRole('button', { name: 'Sign in with Microsoft' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Grant admin consent now' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Enter your app registration' }).count()).toBe(0);
    expect(await page.getByTestId('sandbox-cheat-sheet').count()).toBe(0);

    await settingsSection('People');
    expect(await page.getByRole('button', { name: 'Create invitation link' }).count()).toBe(0);
    await page.getByRole('table', { name: 'Members' }).getByText(owner.name).waitFor();

    // Members see the inboxes, not the way to create one.
    await settingsSection('Inboxes');
    await page
      .getByRole('table', { name: 'Inboxes' })
      .getByRole('link', { name: 'Inbox', exact: true })
      .waitFor();
    expect(await page.getByRole('button', { name: 'Create inbox' }).count()).toBe(0);
    // Members read the Inbox (empty here), without the admin's way to connectors.
    await page.getByRole('link', { name: 'Inbox', exact: true }).first().click();
    await heading(/^Inbox$/);
    await page.getByText('No document yet').waitFor();
    expect(await page.getByRole('link', { name: 'Go to Connectors' }).count()).toBe(0);
    await page.goBack();
    await heading('Inboxes');
    await settingsSection('Audit log');
    await page.getByText('Only owners and admins of this workspace can see its audit log.').waitFor();
    await shot('23-member-audit-1280');
  });

  it('lets the owner change the role, and see it all in the audit log', async () => {
    await signOut(member.name);
    await page.getByLabel('Email address').fill(owner.email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Welcome, Ada');
    await page.getByRole('button', { name: `Account menu for ${owner.name}` }).click();
    await page.getByRole('menuitem', { name: 'Workspace settings' }).click();
    await settingsSection('People');
    const role = page.getByRole('combobox', { name: `Role of ${member.name}` });
    await role.selectOption('admin');
    await page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes('/members/'));
    await settingsSection('Audit log');
    const log = page.getByRole('table', { name: 'Audit log' });
    // Sentences naming the object (issue 19 §5), with the roles in words.
    await log.getByText('Changed the role of', { exact: false }).first().waitFor();
    await log.getByText('from Member to Admin', { exact: false }).first().waitFor();
    await log.getByText('Created the connector', { exact: false }).first().waitFor();
    await log.getByText('Invited', { exact: false }).first().waitFor();
    await log.getByText('Renamed the workspace', { exact: false }).first().waitFor();
    await log.getByText('Set how long documents are kept', { exact: false }).first().waitFor();
    await shot('24-audit-1280');
  });

  it('sends someone whose session ended to the sign-in page, then back where they were', async () => {
    await settingsSection('Connectors');
    // The session cookie disappears (expired, or signed out elsewhere); the next API call answers 401.
    await browser.context.clearCookies();
    await page.getByRole('link', { name: 'Claims mailboxes' }).click();
    await heading('Sign in');
    await page.getByRole('status').getByText('Your session has ended.', { exact: false }).waitFor();
    expect(new URL(page.url()).searchParams.get('next')).toMatch(/\/settings\/connectors\/[0-9a-f-]{36}$/);
    await page.getByLabel('Email address').fill(owner.email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Claims mailboxes');
  });

  it('can be used with the keyboard alone', async () => {
    // Polled: a dialog or a new page moves the focus a moment after it shows (CI saw the button still focused).
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement;
        return el
          ? `${el.tagName.toLowerCase()}:${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim()}`
          : '';
      });
    await settingsSection('Connectors');

    // On a fresh load, the first Tab reaches the skip link.
    await page.reload();
    await heading('Connectors');
    await page.keyboard.press('Tab');
    await expect.poll(focused).toBe('a:Skip to main content');

    // Create a connector: Enter opens the dialog with the name focused, Enter submits.
    await page.getByRole('button', { name: 'Create connector' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Create connector' }).waitFor();
    await expect.poll(focused).toMatch(/^input:/);
    await page.keyboard.type('Keyboard');
    await page.keyboard.press('Enter');
    await heading('Keyboard');
    // The new page's heading has the focus, so that a screen reader starts there.
    await expect.poll(focused).toBe('h1:Keyboard');

    // Rename inline: Enter saves, the focus returns to the Rename button.
    await page.getByRole('button', { name: 'Rename' }).focus();
    await page.keyboard.press('Enter');
    const name = page.getByRole('textbox', { name: 'Name' });
    await name.waitFor();
    await expect.poll(focused).toMatch(/^input:/);
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('Keyboard renamed');
    await page.keyboard.press('Enter');
    await heading('Keyboard renamed');
    await page.waitForFunction(() => document.activeElement?.textContent?.trim() === 'Rename');

    // Escape cancels a rename.
    await page.keyboard.press('Enter');
    await name.waitFor();
    await page.keyboard.press('Escape');
    await name.waitFor({ state: 'detached' });
    await heading('Keyboard renamed');

    // The account menu opens with Enter and closes with Escape, giving the focus back.
    const account = page.getByRole('button', { name: `Account menu for ${owner.name}` });
    await account.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('menu').waitFor();
    // Escape is handled inside the menu, which takes the focus once its opening transition ends: a
    // keyboard user presses it there (CI once pressed it on the button, a moment too early).
    await page.waitForFunction(() => document.activeElement?.closest('[role="menu"]') !== null);
    await page.keyboard.press('Escape');
    await page.getByRole('menu').waitFor({ state: 'hidden' });
    await expect.poll(focused).toBe(`button:Account menu for ${owner.name}`);
  });

  it('raised no script error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
