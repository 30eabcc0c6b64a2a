import { describe, expect, it } from 'vitest';
import { heading, owner, page, pageErrors, server, shot, useStack } from '../support/spec.ts';

async function atWidth(width: number) {
  await page.setViewportSize({ width, height: 900 });
}

async function openAccountMenu() {
  await page.getByRole('button', { name: `Account menu for ${owner.name}` }).click();
  await page.getByRole('menu').waitFor();
}

describe('foundation: setup → sign out → sign in → connector lifecycle', () => {
  useStack('foundation');

  it('sets up the first workspace', async () => {
    await page.goto(server.baseUrl);
    await page.waitForURL(/\/setup$/);
    await heading('Set up Mailroom');
    await shot('01-setup-1280');

    // An empty form is refused with messages next to the fields.
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.getByText('This field is required.').first().waitFor();

    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Email address').fill(owner.email);
    const password = page.getByRole('textbox', { name: 'Password', exact: true });
    await page.getByLabel('Workspace name').fill(owner.workspace);
    // Long enough, but among the most common: the server says why, under the field.
    await password.fill('password1234');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page
      .getByText('This password is too easy to guess: This is similar to a commonly used password.', {
        exact: false,
      })
      .waitFor();
    await shot('01b-setup-weak-password-1280');
    await password.fill(owner.password);
    await page.getByRole('button', { name: 'Create workspace' }).click();

    await heading('Welcome, Ada');
    const banner = page.getByRole('banner');
    await banner.getByText(owner.workspace).waitFor();
    await banner.getByText('Sandbox — Microsoft 365 emulator').waitFor();
    await shot('02-home-1280');
  });

  it('signs out and back in', async () => {
    await openAccountMenu();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await heading('Sign in');
    await page.getByRole('status').getByText('You have been signed out.').waitFor();

    // A wrong password gets a generic answer.
    await page.getByLabel('Email address').fill(owner.email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('The email address or password is incorrect.').waitFor();
    await shot('03-sign-in-error-1280');

    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Welcome, Ada');
  });

  it('creates a connector from Workspace settings → Connectors', async () => {
    await openAccountMenu();
    await page.getByRole('menuitem', { name: 'Workspace settings' }).click();
    await heading('General');
    const nav = page.getByRole('navigation', { name: 'Workspace settings' });
    await nav.getByRole('link', { name: 'Connectors' }).click();
    await heading('Connectors');
    await page.getByText('No connectors yet').waitFor();
    await shot('04-connectors-empty-1280');

    await page.getByRole('button', { name: 'Create connector' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create connector' });
    await dialog.waitFor();
    // The name field has the focus; an empty name is refused.
    expect(await dialog.getByLabel('Name').evaluate((el) => el === document.activeElement)).toBe(true);
    await dialog.getByRole('button', { name: 'Create connector' }).click();
    await dialog.getByText('This field is required.').waitFor();
    await dialog.getByLabel('Name').fill('x'.repeat(81));
    await dialog.getByText('Use at most 80 characters.').waitFor();

    await dialog.getByLabel('Name').fill('Microsoft');
    const type = dialog.getByLabel('Type');
    expect(await type.inputValue()).toBe('microsoft365');
    expect(await type.locator('option').allTextContents()).toEqual(['Microsoft 365']);
    await shot('05-create-connector-1280');
    await dialog.getByRole('button', { name: 'Create connector' }).click();

    // The connector's page opens, not connected, on its Authentication section.
    await heading('Microsoft');
    await dialog.waitFor({ state: 'detached' });
    expect(page.url()).toMatch(/\/settings\/connectors\/[0-9a-f-]{36}$/);
    await page.getByTestId('connector-status').filter({ hasText: 'Not connected' }).first().waitFor();
    await heading('Authentication', 2);
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).waitFor();
    await shot('06-connector-1280');
    await atWidth(768);
    await shot('07-connector-768');
    await atWidth(1280);
  });

  it('lists the connector with its type and status', async () => {
    await page
      .getByRole('navigation', { name: 'Breadcrumbs' })
      .getByRole('link', { name: 'Connectors' })
      .click();
    await heading('Connectors');
    const table = page.getByRole('table', { name: 'Connectors' });
    const row = table
      .getByRole('row')
      .filter({ has: page.getByRole('link', { name: 'Microsoft', exact: true }) });
    await row.waitFor();
    await row.getByText('Microsoft 365').waitFor();
    await row.getByText('Not connected').waitFor();
    await row.getByText('just now').waitFor();
    await shot('08-connectors-1280');
    await atWidth(768);
    await shot('09-connectors-768');
    await atWidth(1280);
  });

  it('deletes the connector after confirmation', async () => {
    await page.getByRole('link', { name: 'Microsoft', exact: true }).click();
    await heading('Microsoft');
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete the connector “Microsoft”?' });
    await dialog.waitFor();
    await dialog.getByText('Documents already created from its email stay in their inboxes.').waitFor();
    await dialog.getByText('Syncing stops: no new email is read from its mailboxes.').waitFor();
    // The safe answer has the focus.
    expect(
      await dialog.getByRole('button', { name: 'Cancel' }).evaluate((el) => el === document.activeElement),
    ).toBe(true);
    await atWidth(768);
    await shot('10-delete-dialog-768');
    await atWidth(1280);
    await dialog.getByRole('button', { name: 'Delete connector' }).click();

    await heading('Connectors');
    await page.getByRole('status').getByText('Connector “Microsoft” deleted').waitFor();
    await page.getByText('No connectors yet').waitFor();
    expect(await page.getByRole('link', { name: 'Microsoft', exact: true }).count()).toBe(0);
    await shot('11-connector-deleted-1280');
  });

  it('speaks French when asked, and remembers it', async () => {
    await openAccountMenu();
    await page.getByRole('menuitemradio', { name: 'Français' }).click();
    await heading('Connecteurs');
    await page.getByText('Aucun connecteur pour l’instant').waitFor();
    await page.reload();
    await heading('Connecteurs');
    await atWidth(768);
    await shot('12-connectors-fr-768');
    await atWidth(1280);
    await page.getByRole('button', { name: `Menu du compte de ${owner.name}` }).click();
    await page.getByRole('menuitemradio', { name: 'English' }).click();
    await heading('Connectors');
  });

  it('raised no script error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
