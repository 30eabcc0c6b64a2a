import { beforeAll, describe, expect, it } from 'vitest';
import {
  createOwner,
  heading,
  owner,
  page,
  pageErrors,
  server,
  shot,
  shots,
  until,
  useStack,
  microsoftSignIn,
} from '../support/spec.ts';

const tenant = 'Contoso Insurance';
const alex = 'alex.wilber@contoso-insurance.com';
const password = 'Contoso-Sandbox-1!';
const claims = 'claims@contoso-insurance.com';
// Restricted by an application access policy to claims@ and production@.
const ownApp = {
  clientId: 'c0a5e0f1-2b3c-4d5e-8f70-8192a3b4c5d6',
  secret: 'Cto8Q~customer.Owned-Secret_0123456789abcd',
  tenant: 'contoso-insurance.com',
};

let connectorUrl = '';

/** A day in the browser's time zone (Europe/Brussels), as a date field wants it. */
function localDay(msAgo: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels' }).format(
    new Date(Date.now() - msAgo),
  );
}

describe('mailboxes, folders and documents in the sandbox', () => {
  useStack('mail', { ignoreHTTPSErrors: true, timeoutMs: 15_000 });
  beforeAll(async () => {
    await createOwner();
  });

  it('connects with the own app registration; no Mailboxes section before that', async () => {
    await page.goto(`${server.baseUrl}/`);
    await heading('Welcome, Ada');
    await page.getByRole('link', { name: 'Open the inbox' }).waitFor();
    await page.getByRole('button', { name: `Account menu for ${owner.name}` }).click();
    await page.getByRole('menuitem', { name: 'Workspace settings' }).click();
    await heading('General');
    await page
      .getByRole('navigation', { name: 'Workspace settings' })
      .getByRole('link', { name: 'Connectors' })
      .click();
    await heading('Connectors');
    await page.getByRole('button', { name: 'Create connector' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Create connector' });
    await dialog.getByRole('textbox').first().fill('Contoso mail');
    await dialog.getByRole('button', { name: 'Create connector' }).click();
    await heading('Contoso mail');
    expect(await page.getByRole('heading', { name: 'Mailboxes', level: 2 }).count()).toBe(0);

    await page.getByRole('button', { name: 'Enter your app registration' }).click();
    const form = page.locator('#own-app-form');
    await form.getByLabel('Directory (tenant) ID or domain').fill(ownApp.tenant);
    await form.getByLabel('Application (client) ID').fill(ownApp.clientId);
    await form.getByLabel('Client secret value').fill(ownApp.secret);
    await form.getByLabel('Secret expires on').fill(localDay(-365 * 86_400_000));
    await form.getByRole('button', { name: 'Verify and connect' }).click();
    await page
      .getByTestId('connected-sentence')
      .filter({ hasText: `Connected to ${tenant} (own app registration)` })
      .waitFor();
    connectorUrl = page.url();
    await heading('Mailboxes', 2);
    await page.getByText('No mailbox is connected yet.').waitFor();
  });

  it('Edit connected mailboxes: alex is blocked by the access policy, claims@ is readable; Confirm', async () => {
    await page.getByRole('button', { name: 'Edit connected mailboxes' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit connected mailboxes' });
    const entry = (address: string) =>
      dialog.locator(`[data-testid="directory-entry"][data-address="${address}"]`);
    // The directory lists users and shared mailboxes, the shared ones marked.
    await entry(claims).getByText('Shared mailbox').waitFor();

    await dialog.getByLabel('Search users and shared mailboxes').fill('alex');
    await entry(alex).getByRole('checkbox').check();
    await entry(alex)
      .getByText(`Blocked by ${tenant}’s application access policy`)
      .waitFor({ timeout: 30_000 });
    await entry(alex).getByText('How to allow it (PowerShell)').click();
    await entry(alex).getByTestId('powershell').getByText(`-AppId ${ownApp.clientId}`).first().waitFor();
    await shots('60-mailboxes-access-blocked');
    await entry(alex).getByRole('checkbox').uncheck();

    await dialog.getByLabel('Search users and shared mailboxes').fill('claims');
    await entry(claims).getByRole('checkbox').check();
    await entry(claims).getByText('Readable').waitFor({ timeout: 30_000 });
    expect(await dialog.locator('[data-testid="directory-entry"]').count()).toBeGreaterThanOrEqual(1);
    await dialog.getByText('1 mailbox selected').waitFor();
    await shots('61-mailboxes-claims-readable');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'detached' });

    const mailbox = page.locator(`[data-testid="mailbox"][data-address="${claims}"]`);
    await mailbox.getByText('Readable').waitFor();
    await mailbox.getByText('No folder is monitored yet.').waitFor();
    expect(await page.locator(`[data-testid="mailbox"][data-address="${alex}"]`).count()).toBe(0);
  });

  it('folders: Inbox ticked by default; the rule is off until activated; 30 days of demo mail arrive', async () => {
    const mailbox = page.locator(`[data-testid="mailbox"][data-address="${claims}"]`);
    await mailbox.getByRole('button', { name: 'Choose folders' }).click();
    const dialog = page.getByRole('dialog', { name: `Folders to monitor in ${claims}` });
    const inbox = dialog.getByRole('checkbox', { name: 'Inbox', exact: true });
    await inbox.waitFor();
    await until('Inbox ticked', () => inbox.isChecked(), 10_000);
    await shot('62-folder-tree-1280');
    await dialog.getByRole('button', { name: 'Save folders' }).click();
    await dialog.waitFor({ state: 'detached' });

    const folder = mailbox.locator('[data-testid="folder-panel"][data-folder="Inbox"]');
    await folder.getByText('Nothing is read until the rule is active.').waitFor();
    await folder.getByTestId('folder-state').filter({ hasText: 'Not active' }).waitFor();
    expect(await folder.getByLabel('Target inbox').inputValue()).not.toBe('');
    expect(await folder.getByLabel('Process emails from').inputValue()).toBe(localDay(0));
    expect(await folder.getByRole('switch', { name: 'Active' }).isChecked()).toBe(false);
    expect(await folder.getByRole('button', { name: 'Sync now' }).isDisabled()).toBe(true);
    await shots('63-folder-rule-inactive');

    // Process emails from 30 days ago, then activate.
    const from = folder.getByLabel('Process emails from');
    await from.fill(localDay(30 * 86_400_000));
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes('/folders/')),
      from.press('Enter'),
    ]);
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes('/folders/')),
      folder.getByRole('switch', { name: 'Active' }).click(),
    ]);
    await folder.getByTestId('folder-state').filter({ hasText: 'Active' }).waitFor();
    expect(await folder.getByText('Nothing is read until the rule is active.').count()).toBe(0);

    const total = async () => {
      const text = (await folder.getByTestId('processed').textContent()) ?? '';
      return Number(/\/\s*(\d+)/.exec(text)?.[1] ?? 0);
    };
    await until('the demo mail processed', async () => (await total()) >= 50, 90_000);
    await until(
      'the backlog gone',
      async () => (await folder.getByTestId('backlog').textContent()) === 'Up to date',
      60_000,
    );
    await folder.getByText('Last successful sync').waitFor();
    // App-only access to claims@: Microsoft notifies Mailroom (the sandbox tenant calls it back over HTTP).
    await folder
      .getByTestId('delivery')
      .getByText('Arrives within seconds (Microsoft notifies Mailroom)')
      .waitFor({ timeout: 30_000 });
    console.info(`claims@: ${await total()} documents from the last 30 days`);
    await shots('64-folder-status');
  });

  it('the Inbox lists the documents newest first, with Load more; a document shows body, attachments, .eml', async () => {
    await page.goto(`${server.baseUrl}/`);
    await heading('Welcome, Ada');
    await shots('64b-home');
    await page.getByRole('link', { name: 'Open the inbox' }).click();
    await heading('Inbox');
    const rows = page.getByTestId('document-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(25);
    await page.getByRole('button', { name: 'Load more' }).click();
    await until('a second page', async () => (await rows.count()) > 25, 15_000);
    const times = await page
      .locator('[data-testid="document-row"] time')
      .evaluateAll((els) => els.map((e) => e.getAttribute('datetime') ?? ''));
    expect([...times].sort().reverse()).toEqual(times);
    await shots('65-inbox');

    // One with an attachment.
    await rows
      .filter({ has: page.getByLabel(/^\d+ attachments?$/) })
      .first()
      .locator('a')
      .click();
    await page.getByTestId('document-facts').waitFor();
    const facts = page.getByTestId('document-facts');
    await facts.getByText(`${claims} › Inbox`).waitFor();
    await facts.getByText('From').waitFor();
    const body = page.frameLocator('[data-testid="mail-body"]').locator('body');
    await until('the body shown', async () => ((await body.textContent()) ?? '').trim().length > 10, 10_000);
    expect(await page.getByTestId('mail-body').getAttribute('sandbox')).toBe('');
    const attachments = page.getByTestId('attachments').getByRole('link');
    expect(await attachments.count()).toBeGreaterThan(0);
    const attachmentHref = await attachments.first().getAttribute('href');
    const att = await page.request.get(`${server.baseUrl}${attachmentHref}`);
    expect(att.status()).toBe(200);
    const emlHref = await page.getByRole('link', { name: 'Download original (.eml)' }).getAttribute('href');
    expect(emlHref).toMatch(/\/eml$/);
    const eml = await page.request.get(`${server.baseUrl}${emlHref}`);
    expect(eml.status()).toBe(200);
    expect(await eml.text()).toMatch(/^Subject:/im);
    await shots('66-document');
  });

  it('Inboxes in the settings list the default inbox and create another', async () => {
    await page.getByRole('button', { name: `Account menu for ${owner.name}` }).click();
    await page.getByRole('menuitem', { name: 'Workspace settings' }).click();
    await page
      .getByRole('navigation', { name: 'Workspace settings' })
      .getByRole('link', { name: 'Inboxes' })
      .click();
    await heading('Inboxes');
    const table = page.getByRole('table', { name: 'Inboxes' });
    await table.getByRole('link', { name: 'Inbox', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Create inbox' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create inbox' });
    await dialog.getByRole('button', { name: 'Create inbox' }).click();
    await dialog.getByText('This field is required.').waitFor();
    await dialog.getByLabel('Name').fill('Production');
    await dialog.getByRole('button', { name: 'Create inbox' }).click();
    await dialog.waitFor({ state: 'detached' });
    await table.getByRole('link', { name: 'Production' }).waitFor();
    await shots('67-inboxes');
  });

  it('sandbox: "Send a test email", then "Sync now" → its subject appears in the inbox', async () => {
    await page.goto(connectorUrl);
    await heading('Mailboxes', 2);
    await page.getByRole('button', { name: 'Send a test email' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send a test email' });
    expect(await dialog.getByLabel('Mailbox').inputValue()).toBe(claims);
    await dialog.getByLabel('External sender (a customer)').check();
    await dialog.getByLabel('With attachments').check();
    await shot('68-test-email-1280');
    await dialog.getByRole('button', { name: 'Send' }).click();
    await dialog.waitFor({ state: 'detached' });
    const sent = page.getByTestId('test-email-sent');
    await sent.getByText('It will appear on the next sync.').waitFor();
    const text = (await sent.textContent()) ?? '';
    const subject = /“(.+?)”/.exec(text)?.[1] ?? '';
    expect(subject).not.toBe('');
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/sync')),
      sent.getByRole('button', { name: 'Sync now' }).click(),
    ]);
    await sent.getByText('Syncing').waitFor();
    await shots('69-test-email-sent');

    await page.getByRole('link', { name: 'Inbox', exact: true }).first().click();
    await heading('Inbox');
    await until(
      'the test email in the inbox',
      async () => {
        if ((await page.getByTestId('document-subject').filter({ hasText: subject }).count()) > 0)
          return true;
        await page.reload();
        await heading('Inbox');
        await page.getByTestId('document-row').first().waitFor();
        return false;
      },
      60_000,
    );
    await page.getByTestId('document-subject').filter({ hasText: subject }).click();
    await heading(subject);
  });

  it('en français : boîtes aux lettres, règle du dossier et boîte de réception', async () => {
    await page.goto(connectorUrl);
    await heading('Mailboxes', 2);
    await page.getByRole('button', { name: `Account menu for ${owner.name}` }).click();
    await page.getByRole('menuitemradio', { name: 'Français' }).click();
    await heading('Boîtes aux lettres', 2);
    await page.getByRole('button', { name: 'Modifier les boîtes aux lettres connectées' }).waitFor();
    const folder = page.locator('[data-testid="folder-panel"][data-folder="Inbox"]');
    await folder.getByLabel('Boîte de réception cible').waitFor();
    await folder.getByLabel('Traiter les e-mails à partir du').waitFor();
    await folder.getByRole('button', { name: 'Synchroniser maintenant' }).click();
    await folder.getByText('Synchronisation lancée').waitFor();
    await folder.getByText('Dernière synchronisation réussie').waitFor();
    await page.getByRole('button', { name: 'Modifier les boîtes aux lettres connectées' }).click();
    const dialog = page.getByRole('dialog', { name: 'Modifier les boîtes aux lettres connectées' });
    await dialog.getByText('Lisible').waitFor();
    await dialog.getByText('1 boîte sélectionnée').waitFor();
    await dialog.getByRole('button', { name: 'Annuler' }).click();
    await shots('70-mailboxes-fr');
    await page.getByRole('link', { name: 'Boîte de réception', exact: true }).first().click();
    await heading('Boîte de réception');
    await page.getByTestId('document-row').first().locator('a').click();
    await page.getByRole('link', { name: 'Télécharger l’original (.eml)' }).waitFor();
    await page.getByText('Boîte et dossier').waitFor();
    await shots('71-document-fr');
    await page.getByRole('button', { name: `Menu du compte de ${owner.name}` }).click();
    await page.getByRole('menuitemradio', { name: 'English' }).click();
    await heading(/./);
  });

  it('delegated: alex’s own mailbox comes first; claims@ (shared) is "checked every 5 minutes"', async () => {
    await page.goto(connectorUrl.replace(/\/connectors\/.*$/, '/connectors'));
    await heading('Connectors');
    await page.getByRole('button', { name: 'Create connector' }).first().click();
    const create = page.getByRole('dialog', { name: 'Create connector' });
    await create.getByRole('textbox').first().fill('Alex (delegated)');
    await create.getByRole('button', { name: 'Create connector' }).click();
    await heading('Alex (delegated)');
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await page.waitForURL((u) => u.toString().startsWith(server.sandbox.url));
    await microsoftSignIn(alex, password);
    await page.waitForURL((u) => u.origin === server.baseUrl && u.pathname.includes('/settings/connectors/'));
    await page
      .getByTestId('connected-sentence')
      .filter({ hasText: `Connected to ${tenant} via ${alex}` })
      .waitFor();

    await page.getByRole('button', { name: 'Edit connected mailboxes' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit connected mailboxes' });
    const entries = dialog.locator('[data-testid="directory-entry"]');
    await entries.first().waitFor();
    expect(await entries.first().getAttribute('data-address')).toBe(alex);
    const entry = dialog.locator(`[data-testid="directory-entry"][data-address="${claims}"]`);
    // The own app's connector reads claims@ already (one reader per mailbox): it moves here, with its
    // folders and rules.
    await entry.getByRole('button', { name: 'Move to this connector' }).click();
    await entry.getByText('Readable').waitFor({ timeout: 30_000 });
    expect(await entry.getByRole('checkbox').isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'detached' });
    // Its Inbox came along, rule and all: read now through alex's sign-in, so polled (no push for a
    // shared mailbox reached with delegated access).
    const mailbox = page.locator(`[data-testid="mailbox"][data-address="${claims}"]`);
    await mailbox.locator('[data-testid="folder-panel"][data-folder="Inbox"]').waitFor();
    await mailbox
      .getByTestId('delivery')
      .getByText(/^Checked every 5 minutes: Microsoft sends no notifications for a shared mailbox/)
      .waitFor();
    await shots('72-delegated-shared-mailbox');
  });

  it('raised no script error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
