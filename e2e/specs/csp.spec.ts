import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { startServer, type RunningServer } from '../support/server.ts';

/**
 * The built web app runs under the server's Content-Security-Policy (script-src 'self', no eval) and
 * Permissions-Policy without the browser refusing anything or complaining about the headers
 * (issue 18, 2.9: every page used to log a CSP error, zod's `new Function` probe).
 */
const owner = {
  name: 'Grace Hopper',
  email: 'grace@example.com',
  password: 'Compiler-Harbor-1952-Cobol',
  workspace: 'Navy Claims',
};

let server: RunningServer;
let browser: { context: BrowserContext; close: () => Promise<void> };
let page: Page;
/** CSP violations (from the page's own securitypolicyviolation events) and console errors and warnings. */
const complaints: string[] = [];

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.setDefaultTimeout(30_000);
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(
        `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`,
      );
    });
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning')
      complaints.push(`${m.type()} at ${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (err) => complaints.push(`page error at ${page.url()}: ${err.message}`));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function heading(name: string | RegExp) {
  await page.getByRole('heading', { name, level: 1 }).waitFor();
}

describe('the web app under its security headers', () => {
  it('sets up, browses settings, signs out and in without a CSP or Permissions-Policy complaint', async () => {
    const first = await page.goto(server.baseUrl);
    await page.waitForURL(/\/setup$/);
    await heading('Set up Mailroom');
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Email address').fill(owner.email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(owner.password);
    await page.getByLabel('Workspace name').fill(owner.workspace);
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await heading('Welcome, Grace');

    await page.getByRole('button', { name: `Account menu for ${owner.name}` }).click();
    await page.getByRole('menuitem', { name: 'Workspace settings' }).click();
    await heading('General');
    await page
      .getByRole('navigation', { name: 'Workspace settings' })
      .getByRole('link', { name: 'Connectors' })
      .click();
    await heading('Connectors');

    await page.getByRole('button', { name: `Account menu for ${owner.name}` }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await heading('Sign in');
    await page.getByLabel('Email address').fill(owner.email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Welcome, Grace');

    expect(complaints).toEqual([]);
    const csp = first?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(first?.headers()['permissions-policy']).toContain('camera=()');
  });
});
