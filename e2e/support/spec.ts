import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CSRF_HEADER,
  api,
  type Connector,
  type DirectoryList,
  type Mailbox,
  type MailboxList,
  type SessionInfo,
} from '@mailroom/contracts';
import { DEMO, EmulatorControl } from '@mailroom/m365-emulator';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { launchBrowser } from './browser.ts';
import { repoRoot, startServer, type RunningServer } from './server.ts';

/** Screenshots: the steps' and, after a failure, the page as it was. */
export const artifacts = path.join(repoRoot, 'e2e/.artifacts');

/** The workspace owner of every spec (created on the setup page by one, through the API by the others). */
export const owner = {
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  password: 'correct horse battery staple',
  workspace: 'Acme Insurance',
};

// The stack of the spec file that imports this module, set by `useStack` before its first step and
// read through these live bindings (Vitest gives every spec file a fresh copy of its modules).
export let server: RunningServer;
export let browser: { context: BrowserContext; close: () => Promise<void> };
export let page: Page;
/** The sandbox tenant's control API (the emulator's own client). */
export let control: EmulatorControl;
/** Errors the page threw: each spec's last step expects none. */
export const pageErrors: string[] = [];

/**
 * Call inside the spec's `describe`: the server (with its sandbox tenant) and Chromium with one page
 * start before the first step and stop after the last. The steps build on each other, so after a
 * failed step the rest are skipped (they would only fail for the same reason) and the failure leaves
 * `e2e/.artifacts/<name>-failure.png`, the page's address and the server's output. The spec's own
 * `beforeAll` hooks, registered after this, run once the stack is up. `serverEnv` adds environment
 * variables to the server's (a setting only this spec needs).
 */
export function useStack(
  name: string,
  opts: { ignoreHTTPSErrors?: boolean; timeoutMs?: number; serverEnv?: Record<string, string> } = {},
): void {
  beforeAll(async () => {
    await mkdir(artifacts, { recursive: true });
    server = await startServer(opts.serverEnv);
    control = new EmulatorControl(server.sandbox.url, await readFile(server.sandbox.caFile, 'utf8'));
    browser = await launchBrowser({ ignoreHTTPSErrors: opts.ignoreHTTPSErrors ?? false });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    // Generous by default: a 2-core machine running the server, the sandbox and Chromium at once can be slow.
    page.setDefaultTimeout(opts.timeoutMs ?? 30_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // What the page asked the server lately, printed after a failure: whether a click sent its request
    // (and what came back) is what a screenshot cannot say. Without query strings (codes, states).
    page.on('response', (r) => remember(`${r.request().method()} ${bare(r.url())} → ${r.status()}`));
    page.on('requestfailed', (r) => remember(`${r.method()} ${bare(r.url())} → ${r.failure()?.errorText}`));
    // E2E_TRACE=1 keeps a Playwright trace of a failed spec (e2e/.artifacts/<name>-trace.zip).
    if (process.env.E2E_TRACE) await browser.context.tracing.start({ screenshots: true, snapshots: true });
  });
  const requests: string[] = [];
  const bare = (url: string) => url.split('?')[0]!;
  const remember = (line: string) => {
    if (line.includes('/assets/')) return;
    requests.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (requests.length > 25) requests.shift();
  };

  let failed = false;
  beforeEach((ctx) => {
    if (failed) ctx.skip();
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      failed = true;
      if (process.env.E2E_TRACE)
        await browser.context.tracing.stop({ path: path.join(artifacts, `${name}-trace.zip`) });
      await page
        .screenshot({ path: path.join(artifacts, `${name}-failure.png`), fullPage: true })
        .catch(() => undefined);
      console.error(
        `At ${page.url()}\nThe page's last requests:\n${requests.join('\n')}\n` +
          `Server output at the failure:\n${server.output().slice(-5000)}`,
      );
    }
  });

  afterAll(async () => {
    control?.close();
    await browser?.close();
    await server?.stop();
  });
}

/** The owner and the first workspace, made through the API (the foundation spec covers the setup page); the browser is signed in as the owner. */
export async function createOwner(): Promise<SessionInfo> {
  const request = browser.context.request;
  const session = (await (await request.get(`${server.baseUrl}${api.session}`)).json()) as SessionInfo;
  const setup = await request.post(`${server.baseUrl}${api.setup}`, {
    headers: { [CSRF_HEADER]: session.csrfToken },
    data: {
      name: owner.name,
      email: owner.email,
      password: owner.password,
      workspaceName: owner.workspace,
      locale: 'en',
    },
  });
  expect(setup.status()).toBe(201);
  const info = (await setup.json()) as SessionInfo;
  csrfToken = info.csrfToken;
  return info;
}

/** The owner's CSRF token (set by `createOwner`), which `call` sends. */
let csrfToken = '';

/** The owner's own API calls (session cookie and CSRF token), for what other specs cover in the UI. */
export async function call<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH',
  url: string,
  data?: unknown,
): Promise<T> {
  const r = await browser.context.request.fetch(`${server.baseUrl}${url}`, {
    method,
    headers: method === 'GET' ? {} : { [CSRF_HEADER]: csrfToken },
    ...(data !== undefined ? { data } : {}),
  });
  if (r.status() >= 300) throw new Error(`${method} ${url}: ${r.status()} ${await r.text()}`);
  return (await r.json()) as T;
}

/** The sandbox's shared mailbox that the specs read mail from. */
export const claims = 'claims@contoso-insurance.com';

/**
 * claims@'s Inbox monitored by a connector "Contoso" on the sandbox's own app registration, set up
 * through the API (the connector pages have their own specs). `active`: the folder's rule is on.
 */
export async function connectClaimsInbox(
  ws: string,
  opts: { active?: boolean } = {},
): Promise<{ connectorId: string; mailboxId: string; folderId: string }> {
  const connector = await call<Connector>('POST', api.connectors(ws), {
    name: 'Contoso',
    type: 'microsoft365',
  });
  await call('POST', api.connectOwnApp(ws, connector.id), {
    tenant: DEMO.contoso.domain,
    clientId: DEMO.customerApp.clientId,
    clientSecret: DEMO.customerApp.clientSecret,
    secretExpiresAt: '2099-12-31',
  });
  const dir = await call<DirectoryList>('GET', `${api.directory(ws, connector.id)}?search=claims`);
  const set = await call<MailboxList>('PUT', api.mailboxes(ws, connector.id), {
    mailboxes: dir.items.filter((i) => i.address === claims),
  });
  const mailboxId = set.items[0]!.id;
  const tree = await call<{ items: { graphFolderId: string; displayName: string }[] }>(
    'GET',
    api.folderTree(ws, mailboxId),
  );
  const inbox = tree.items.find((f) => f.displayName === 'Inbox')!;
  const watched = await call<Mailbox>('PUT', api.monitoredFolders(ws, mailboxId), {
    folders: [
      { graphFolderId: inbox.graphFolderId, displayName: 'Inbox', ...(opts.active ? { active: true } : {}) },
    ],
  });
  return { connectorId: connector.id, mailboxId, folderId: watched.folders[0]!.id };
}

/**
 * Walks the sandbox's (Microsoft's) sign-in pages in the browser: account picker, sign-in form,
 * consent page, until Microsoft sends the browser back to Mailroom. `forOrganization` ticks the
 * admin's consent on behalf of the organisation; `screenshots` takes the pages' screenshots.
 */
export async function microsoftSignIn(
  upn: string,
  pw: string,
  opts: { forOrganization?: boolean; screenshots?: boolean } = {},
) {
  const sandboxOrigin = new URL(server.sandbox.url).origin;
  /** Clicks and waits for the page that follows (every step of Microsoft's pages is a full page load). */
  const submit = async (click: () => Promise<void>) => {
    await Promise.all([page.waitForEvent('load'), click()]);
  };
  for (let step = 0; step < 10; step++) {
    await page.waitForLoadState('load');
    if (new URL(page.url()).origin !== sandboxOrigin) return;
    if (await page.locator('form#picker').count()) {
      const mine = page.locator(`form#picker button[data-upn="${upn}"]`);
      await submit(() =>
        mine
          .count()
          .then((n) => (n ? mine.click() : page.locator('form#picker button[value="other"]').click())),
      );
    } else if (await page.locator('form#signin').count()) {
      // By id: the page speaks the person's language (ui_locales), English or French.
      await page.locator('#login').fill(upn);
      await page.locator('#passwd').fill(pw);
      if (opts.screenshots) await shot('30-microsoft-sign-in-1280');
      await submit(() => page.locator('form#signin button[type="submit"]').click());
    } else if (await page.locator('form#consent').count()) {
      if (opts.forOrganization && (await page.locator('#consent_org').count()))
        await page.locator('#consent_org').check();
      if (opts.screenshots)
        await shot(opts.forOrganization ? '33-microsoft-admin-consent-1280' : '31-microsoft-consent-1280');
      await submit(() => page.locator('form#consent button[name="accept"][value="true"]').click());
    } else if (await page.locator('form[name="hiddenform"]').count()) {
      await page.waitForEvent('load');
    } else {
      throw new Error(`Unexpected page at ${page.url()}:\n${(await page.content()).slice(0, 2000)}`);
    }
  }
  throw new Error(`Still on Microsoft's pages after 10 steps: ${page.url()}`);
}

/** Waits for a heading of the page (the SPA has no full page loads to wait for). */
export async function heading(name: string | RegExp, level = 1) {
  const h = page.getByRole('heading', { name, level });
  await h.waitFor();
  return h;
}

/** A full-page screenshot `e2e/.artifacts/<name>.png`. */
export async function shot(name: string) {
  // Let transitions (a dialog opening, a relayout after a resize) settle first.
  await page.waitForTimeout(400);
  // From the top: with the sticky top bar, a scrolled full-page capture would hide what is under it.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

/** Screenshots at 1280 and 768 px. */
export async function shots(name: string) {
  await shot(`${name}-1280`);
  await page.setViewportSize({ width: 768, height: 900 });
  await shot(`${name}-768`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Polls `fn` every half second until it says yes. */
export async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await page.waitForTimeout(500);
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/** Runs `steps` with `page` (and so every helper) on another browser's page, then back on the spec's own. */
export async function onPage<T>(other: Page, steps: () => Promise<T>): Promise<T> {
  const own = page;
  page = other;
  try {
    return await steps();
  } finally {
    page = own;
  }
}
