import { DEMO } from '@mailroom/m365-emulator';
import { createTestCertificate } from '@mailroom/m365-emulator/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import {
  browser,
  control,
  createOwner,
  heading,
  onPage,
  owner,
  page,
  pageErrors,
  server,
  shot,
  shots,
  useStack,
  microsoftSignIn,
} from '../support/spec.ts';

const tenant = 'Contoso Insurance';
const password = 'Contoso-Sandbox-1!';
const alex = 'alex.wilber@contoso-insurance.com';
const lynne = 'lynne.robbins@contoso-insurance.com';
const megan = 'megan.bowen@contoso-insurance.com';
const ownApp = {
  clientId: 'c0a5e0f1-2b3c-4d5e-8f70-8192a3b4c5d6',
  secret: 'Cto8Q~customer.Owned-Secret_0123456789abcd',
  tenant: 'contoso-insurance.com',
};

let delegatedUrl = '';
let organisationUrl = '';

/** Workspace settings → Connectors → Create connector → the new connector's page. */
async function createConnector(
  name: string,
  labels = { connectors: 'Connectors', create: 'Create connector', submit: 'Create connector' },
) {
  await page
    .getByRole('navigation', { name: /Workspace settings|Paramètres de l’espace de travail/ })
    .getByRole('link', { name: labels.connectors })
    .click();
  await heading(labels.connectors);
  await page.getByRole('button', { name: labels.create }).first().click();
  const dialog = page.getByRole('dialog', { name: labels.create });
  await dialog.getByRole('textbox').first().fill(name);
  await dialog.getByRole('button', { name: labels.submit }).click();
  await heading(name);
  await dialog.waitFor({ state: 'detached' });
}

describe('connect Microsoft 365: the three modes against the sandbox tenant', () => {
  useStack('connect', { ignoreHTTPSErrors: true });
  // The owner is made through the API (the foundation spec covers the setup page).
  beforeAll(async () => {
    await createOwner();
  });

  it('delegated: "Sign in with Microsoft" as a claims handler → Connected to Contoso Insurance via alex', async () => {
    await page.goto(`${server.baseUrl}/`);
    await heading('Welcome, Ada');
    await page.getByRole('button', { name: `Account menu for ${owner.name}` }).click();
    await page.getByRole('menuitem', { name: 'Workspace settings' }).click();
    await heading('General');
    await createConnector('Claims (Alex)');

    // The Authentication screen: three options, the sandbox cheat sheet, the advance warning.
    await heading('Authentication', 2);
    for (const title of [
      'Sign in as an individual user',
      'Organisation-wide access',
      'Use your own app registration',
    ]) {
      await heading(title, 3);
    }
    const cheat = page.getByTestId('sandbox-cheat-sheet');
    await cheat.getByText(`Sandbox tenant: ${tenant}`).waitFor();
    await cheat.getByText(alex).waitFor();
    await page.getByText('If the user who signs in is removed or loses rights, access stops.').waitFor();
    await shots('29-authentication');

    const started = Date.now();
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await page.waitForURL((u) => u.toString().startsWith(server.sandbox.url));
    await microsoftSignIn(alex, password, { screenshots: true });

    // Back on the connector page: the query is stripped, success is said, then the connection shown.
    await page.waitForURL((u) => u.origin === server.baseUrl && u.pathname.includes('/settings/connectors/'));
    const sentence = page.getByTestId('connected-sentence');
    await sentence.filter({ hasText: `Connected to ${tenant} via ${alex}` }).waitFor();
    await page.getByTestId('callback-notice').getByText('Connected to Microsoft 365').waitFor();
    expect(new URL(page.url()).search).toBe('');
    delegatedUrl = page.url();
    await page
      .getByTestId('connector-status')
      .filter({ hasText: /^Status: Connected$/ })
      .first()
      .waitFor();
    await page
      .locator('[data-testid="setup-progress"][data-state="done"]')
      .first()
      .waitFor({ state: 'attached' });
    console.info(`delegated: "Sign in with Microsoft" → "Connected" in ${Date.now() - started} ms`);
    await page.getByText(`If ${alex} is removed or loses rights, access stops.`).waitFor();
    // What the setup found (organisation, mailbox, directory), one click away once done.
    await page.getByText('Setup: done').click();
    for (const step of ['Reading your organisation', 'Checking the mailbox', 'Counting the directory']) {
      await page.getByTestId('setup-progress').getByText(step).waitFor();
    }
    await page.getByRole('button', { name: 'Check now' }).waitFor();
    await shots('32-connected-delegated');
  });

  it('access loss: a password reset shows "Microsoft revoked …’s sign-in" with Sign in again, then recovers', async () => {
    await control.resetPassword(alex, 'Contoso-Sandbox-2!');
    await page.getByRole('button', { name: 'Check now' }).click();
    const problem = page.getByTestId('problem-sentence');
    await problem
      .filter({ hasText: `Microsoft revoked ${alex}’s sign-in (password change or admin revoke).` })
      .waitFor();
    await page.getByTestId('connector-status').filter({ hasText: 'Access lost' }).first().waitFor();
    const signInAgain = page.getByRole('button', { name: 'Sign in again' });
    await signInAgain.waitFor();
    // Microsoft's own words are one click away.
    await page.getByRole('button', { name: 'Details from Microsoft' }).click();
    await page
      .getByText(/AADSTS50173/)
      .first()
      .waitFor();
    // The banner is on every page of the workspace while access is lost, and links to the connector.
    await page.getByTestId('access-lost-banner').waitFor();
    await shots('40-access-lost');
    await page
      .getByRole('navigation', { name: 'Workspace settings' })
      .getByRole('link', { name: 'General' })
      .click();
    await heading('General');
    const banner = page.getByTestId('access-lost-banner');
    await banner.getByText('A connector has lost access to Microsoft 365').waitFor();
    await page
      .getByRole('navigation', { name: 'Workspace settings' })
      .getByRole('link', { name: 'Connectors' })
      .click();
    await heading('Connectors');
    const row = page.getByRole('row').filter({ hasText: 'Claims (Alex)' });
    await row.getByText('Access lost').waitFor();
    await row.getByText(`Microsoft revoked ${alex}’s sign-in`, { exact: false }).waitFor();
    await shot('41-connectors-access-lost-1280');
    await banner.getByRole('link', { name: 'Open “Claims (Alex)” to fix it' }).click();
    await heading('Claims (Alex)');

    // The fix: sign in again (with the new password); the banner goes away.
    await page.getByRole('button', { name: 'Sign in again' }).click();
    await page.waitForURL((u) => u.toString().startsWith(server.sandbox.url));
    await microsoftSignIn(alex, 'Contoso-Sandbox-2!');
    await page
      .getByTestId('connected-sentence')
      .filter({ hasText: `Connected to ${tenant} via ${alex}` })
      .waitFor();
    await page
      .getByTestId('connector-status')
      .filter({ hasText: /^Status: Connected$/ })
      .first()
      .waitFor();
    expect(await page.getByTestId('problem-sentence').count()).toBe(0);
    await page.getByTestId('access-lost-banner').waitFor({ state: 'detached' });
  });

  it('organisation-wide: refused while a non-admin is signed in to Microsoft, and says why', async () => {
    await createConnector('Organisation');
    const card = page.getByRole('article', { name: 'Organisation-wide access' });
    // Alex (no admin) is still signed in to Microsoft in this browser: Microsoft refuses admin consent.
    await card.getByRole('button', { name: 'Grant admin consent now' }).click();
    await page.waitForURL((u) => u.toString().startsWith(server.sandbox.url));
    await page
      .getByText(/AADSTS90094/)
      .first()
      .waitFor();
    await Promise.all([page.waitForURL((u) => u.origin === server.baseUrl), page.locator('a#back').click()]);
    const notice = page.getByTestId('callback-notice');
    await notice.getByText('The permission was not granted').waitFor();
    await notice.getByText(/Microsoft’s answer: AADSTS\d+/).waitFor();
    expect(new URL(page.url()).search).toBe('');
    await page.getByTestId('connector-status').filter({ hasText: 'Not connected' }).first().waitFor();
    await shots('33-organisation-refused');
  });

  it('organisation-wide: megan (Entra admin) grants access for the organisation → (organisation-wide)', async () => {
    // Signed out of Microsoft (an admin uses their own browser session).
    await browser.context.clearCookies({ domain: 'localhost' });
    const card = page.getByRole('article', { name: 'Organisation-wide access' });
    await card.getByRole('button', { name: 'Grant admin consent now' }).click();
    await page.waitForURL((u) => u.toString().startsWith(server.sandbox.url));
    await microsoftSignIn(megan, password, { forOrganization: true, screenshots: true });
    await page
      .getByTestId('connected-sentence')
      .filter({ hasText: `Connected to ${tenant} (organisation-wide)` })
      .waitFor();
    expect(new URL(page.url()).search).toBe('');
    await page.getByTestId('callback-notice').getByText('Connected to Microsoft 365').waitFor();
    await page
      .getByTestId('connector-status')
      .filter({ hasText: /^Status: Connected$/ })
      .first()
      .waitFor();
    // Organisation-wide access can be restricted, RBAC for Applications first: the PowerShell carries
    // this app's client id and its service principal in the tenant; the legacy policy stays below.
    await page.getByText('Restrict Mailroom to some mailboxes (PowerShell)').click();
    await page
      .getByTestId('powershell')
      .first()
      .getByText(/New-ServicePrincipal -AppId [0-9a-f-]{36} -ObjectId [0-9a-f-]{36} /)
      .waitFor();
    await page.getByText('Legacy: an application access policy').click();
    await page
      .getByTestId('powershell')
      .getByText(/New-ApplicationAccessPolicy -AppId [0-9a-f-]{36}/)
      .waitFor();
    await shots('35-connected-organisation');
    organisationUrl = page.url();
  });

  it('organisation-wide by link: the admin opens it in their own browser, the page updates by itself', async () => {
    await createConnector('Organisation (link)');
    const card = page.getByRole('article', { name: 'Organisation-wide access' });
    await card.getByRole('button', { name: 'Get a link for your admin' }).click();
    const link = page.getByTestId('admin-consent-link');
    await link.getByText('Send this link to your Microsoft Entra admin').waitFor();
    const url = (await link.locator('.mono').textContent()) ?? '';
    // Mailroom's own link (decision 0009): opening it binds that browser to the consent.
    expect(url.startsWith(`${server.baseUrl}/api/v1/oauth/microsoft/admin-consent/start?ticket=`)).toBe(true);
    await link.getByText(/^Valid until/).waitFor();
    await shots('34-organisation-link');

    // The admin: another browser, no Mailroom account.
    const admin = await launchBrowser({ ignoreHTTPSErrors: true });
    try {
      const adminPage = admin.context.pages()[0] ?? (await admin.context.newPage());
      await onPage(adminPage, async () => {
        await page.goto(url);
        await microsoftSignIn(megan, password, { forOrganization: true });
        await page.getByRole('heading', { name: 'Permission granted' }).waitFor();
        await page.getByText(`Mailroom can now read mailboxes in ${tenant}.`).waitFor();
        await shot('34b-permission-granted-1280');
      });
    } finally {
      await admin.close();
    }
    await page
      .getByTestId('connected-sentence')
      .filter({ hasText: `Connected to ${tenant} (organisation-wide)` })
      .waitFor({ timeout: 20_000 });
  });

  it('refuses a replayed consent callback for Contoso from a browser that did not start it, and says why', async () => {
    // The outside review's reproduction: take the state of a consent someone started…
    await createConnector('Organisation (forged)');
    const card = page.getByRole('article', { name: 'Organisation-wide access' });
    await card.getByRole('button', { name: 'Get a link for your admin' }).click();
    const link = (await page.getByTestId('admin-consent-link').locator('.mono').textContent()) ?? '';
    const opened = await fetch(link, { redirect: 'manual' });
    const state = new URL(opened.headers.get('location') ?? '').searchParams.get('state') ?? '';
    expect(state).not.toBe('');
    // …and replay Microsoft's redirect, with Contoso's (public) tenant id, in a browser with no cookies.
    const other = await launchBrowser({ ignoreHTTPSErrors: true });
    try {
      const otherPage = other.context.pages()[0] ?? (await other.context.newPage());
      await otherPage.goto(
        `${server.baseUrl}/api/v1/oauth/microsoft/admin-consent/callback?admin_consent=True&tenant=${DEMO.contoso.tenantId}&state=${encodeURIComponent(state)}`,
      );
      await otherPage.getByRole('heading', { name: 'Mailroom could not finish connecting' }).waitFor();
      await otherPage.getByText('This consent was not started in this browser.', { exact: false }).waitFor();
    } finally {
      await other.close();
    }
    await page.reload();
    await page.getByTestId('connector-status').filter({ hasText: 'Not connected' }).first().waitFor();
  });

  it('own app registration: a wrong secret is pointed at, the right one connects → (own app registration)', async () => {
    await createConnector('Own app');
    await page.getByRole('button', { name: 'Enter your app registration' }).click();
    const form = page.locator('#own-app-form');
    await form.getByText('How to create the app registration').click();
    for (const p of [
      'Mail.ReadWrite',
      'Mail.Send',
      'MailboxSettings.ReadWrite',
      'User.Read.All',
      'Organization.Read.All',
    ]) {
      await form.getByText(p, { exact: true }).waitFor();
    }
    // Empty: refused next to the fields, nothing sent.
    await form.getByRole('button', { name: 'Verify and connect' }).click();
    await form.getByText('This field is required.').first().waitFor();

    await form.getByLabel('Directory (tenant) ID or domain').fill(ownApp.tenant);
    await form.getByLabel('Application (client) ID').fill(ownApp.clientId);
    await form.getByLabel('Client secret value').fill('not-the-secret');
    // A secret that expires in 10 days: saved, and warned about at once.
    const soon = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    await form.getByLabel('Secret expires on').fill(soon);
    await form.getByRole('button', { name: 'Verify and connect' }).click();
    await form.getByRole('alert').getByText('Microsoft refused these details').waitFor();
    await shots('36-own-app-refused');

    await form.getByLabel('Client secret value').fill(ownApp.secret);
    await form.getByRole('button', { name: 'Verify and connect' }).click();
    await page
      .getByTestId('connected-sentence')
      .filter({ hasText: `Connected to ${tenant} (own app registration)` })
      .waitFor();
    await page.getByText(ownApp.clientId).first().waitFor();
    // The same "Connected" notice as the other ways of connecting (issue 19 §5).
    await page.getByTestId('callback-notice').getByText('Connected to Microsoft 365').waitFor();
    await page
      .getByTestId('connector-status')
      .filter({ hasText: /^Status: Connected$/ })
      .first()
      .waitFor();
    const expiry = page.getByTestId('secret-expiry');
    await expiry.getByText(/^The client secret expires in 1[01] days/).waitFor();
    await shots('37-connected-own-app');

    // "Paste a new secret" opens the form again with the app registration filled in.
    await expiry.getByRole('button', { name: 'Paste a new secret' }).click();
    await heading('Reconnect', 2);
    await page
      .getByText('Reconnecting keeps this connector’s mailboxes, rules and history', { exact: false })
      .waitFor();
    const again = page.locator('#own-app-form');
    expect(await again.getByLabel('Application (client) ID').inputValue()).toBe(ownApp.clientId);
    await again.getByLabel('Client secret value').fill(ownApp.secret);
    await again.getByLabel('Secret expires on').fill('2099-12-31');
    await again.getByRole('button', { name: 'Verify and connect' }).click();
    await expiry.waitFor({ state: 'detached' });
    await again.waitFor({ state: 'detached' });
    await page
      .getByTestId('connected-sentence')
      .filter({ hasText: `Connected to ${tenant} (own app registration)` })
      .waitFor();
  });

  it('disconnect asks first, erases the tokens and keeps the connector', async () => {
    await page.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect “Own app” from Microsoft 365?' });
    await dialog.getByText('Mailroom erases its tokens and secrets for this connector.').waitFor();
    await dialog
      .getByText('The connector and its documents, mailboxes, rules and history are kept.')
      .waitFor();
    await shot('38-disconnect-dialog-1280');
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('connector-status').filter({ hasText: 'Not connected' }).first().waitFor();
    await heading('Authentication', 2);
    // The sandbox cheat sheet fills the app registration form in one click.
    await page.getByRole('button', { name: 'Fill in the app registration form with these' }).click();
    const form = page.locator('#own-app-form');
    expect(await form.getByLabel('Application (client) ID').inputValue()).toBe(ownApp.clientId);
    expect(await form.getByLabel('Client secret value').inputValue()).toBe(ownApp.secret);
    expect(await form.getByLabel('Secret expires on').inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'detached' });
  });

  it('own app registration with a certificate instead of a secret', async () => {
    const cert = createTestCertificate('Mailroom e2e');
    await control.addCertificate(ownApp.clientId, cert.certPem, 'Mailroom e2e');
    await page.getByRole('button', { name: 'Enter your app registration' }).click();
    const form = page.locator('#own-app-form');
    await form.getByLabel('Directory (tenant) ID or domain').fill(ownApp.tenant);
    await form.getByLabel('Application (client) ID').fill(ownApp.clientId);
    await form.getByText('Certificate', { exact: true }).click();
    await form.getByLabel('Certificate (PEM)').fill(cert.certPem);
    await form.getByLabel('Private key (PEM)').fill(cert.keyPem);
    await shot('37b-own-app-certificate-1280');
    await form.getByRole('button', { name: 'Verify and connect' }).click();
    await page
      .getByTestId('connected-sentence')
      .filter({ hasText: `Connected to ${tenant} (own app registration)` })
      .waitFor();
    await page.locator('.facts').getByText('Certificate', { exact: true }).waitFor();
    await page.getByText('Setup: done').waitFor();
    expect(await page.getByTestId('secret-expiry').count()).toBe(0);
  });

  it('en français : « Se connecter avec Microsoft » → Connecté à Contoso Insurance via lynne', async () => {
    await page.getByRole('button', { name: `Account menu for ${owner.name}` }).click();
    await page.getByRole('menuitemradio', { name: 'Français' }).click();
    await heading('Own app');
    await createConnector('Sinistres (Lynne)', {
      connectors: 'Connecteurs',
      create: 'Créer un connecteur',
      submit: 'Créer le connecteur',
    });
    await heading('Authentification', 2);
    await page
      .getByText('Si l’utilisateur qui se connecte est supprimé ou perd ses droits, l’accès s’arrête.')
      .waitFor();
    // Counting the directory is made slow (3 s) to watch the setup progress live.
    const slow = await control.addFault({
      path: '/users\\?\\$select=id',
      action: { kind: 'delay', ms: 3000 },
    });
    await page.getByRole('button', { name: 'Se connecter avec Microsoft' }).click();
    await page.waitForURL((u) => u.toString().startsWith(server.sandbox.url));
    await microsoftSignIn(lynne, password);
    // Generous waits: on a loaded 2-core machine the setup job may take a while to be picked up.
    await page
      .getByTestId('connected-sentence')
      .filter({ hasText: `Connecté à ${tenant} via ${lynne}` })
      .waitFor({ timeout: 60_000 });
    const progress = page.locator('[data-testid="setup-progress"][data-state="running"]');
    await progress.getByText('Mise en place de la connexion…').waitFor({ timeout: 60_000 });
    await progress
      .locator('li[data-state="running"]')
      .getByText('Comptage de l’annuaire')
      .waitFor({ timeout: 60_000 });
    await page.getByTestId('connector-status').filter({ hasText: 'Connexion en cours' }).first().waitFor();
    await shots('38b-setup-running-fr');
    await control.removeFault(slow.id);
    await page.locator('[data-testid="setup-progress"][data-state="running"]').waitFor({ state: 'detached' });
    await page
      .getByTestId('connector-status')
      .filter({ hasText: /^État : Connecté$/ })
      .first()
      .waitFor();
    await page.getByTestId('callback-notice').getByText('Connecté à Microsoft 365').waitFor();
    await page.getByRole('button', { name: 'Vérifier maintenant' }).waitFor();
    await shots('39-connected-fr');
    await page.getByRole('button', { name: `Menu du compte de ${owner.name}` }).click();
    await page.getByRole('menuitemradio', { name: 'English' }).click();
    await heading('Sinistres (Lynne)');
  });

  it('access loss: a disabled user is named, and "Reconnect with another user" offers the ways to connect', async () => {
    await control.disableUser(lynne);
    await page.getByRole('button', { name: 'Check now' }).click();
    await page
      .getByTestId('problem-sentence')
      .filter({ hasText: `${lynne} can no longer sign in, so Mailroom lost access.` })
      .waitFor();
    await page
      .getByTestId('connected-sentence')
      .filter({ hasText: `No access to ${tenant} via ${lynne} any more` })
      .waitFor();
    await page.getByRole('button', { name: 'Reconnect with another user' }).click();
    await heading('Reconnect', 2);
    await page.locator('#mode-card-delegated[data-highlight]').waitFor();
    await page.getByText(`If ${lynne} is removed or loses rights, access stops.`).first().waitFor();
    await shots('42-user-disabled');
    await control.enableUser(lynne);
  });

  it('the delegated connector is still connected after all this', async () => {
    await page.goto(delegatedUrl);
    await page
      .getByTestId('connected-sentence')
      .filter({ hasText: `via ${alex}` })
      .waitFor();
  });

  it('access loss: consent withdrawn in the tenant → "Admin consent again" on the organisation-wide connector', async () => {
    await control.withdrawConsent(DEMO.contoso.tenantId, DEMO.mailroomApp.clientId);
    await page.goto(organisationUrl);
    await page.getByRole('button', { name: 'Check now' }).click();
    await page
      .getByTestId('problem-sentence')
      .filter({ hasText: `Mailroom’s permission was removed in ${tenant}.` })
      .waitFor();
    await page.getByRole('button', { name: 'Admin consent again' }).click();
    await heading('Reconnect', 2);
    await page.locator('#mode-card-organisation[data-highlight]').waitFor();
    await shots('43-consent-withdrawn');
  });

  it('raised no script error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
