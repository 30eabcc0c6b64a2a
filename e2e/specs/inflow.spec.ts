import path from 'node:path';
import { api, type Invitation, type MailboxList, type ManagedInboxList } from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  artifacts,
  browser,
  call,
  claims,
  connectClaimsInbox,
  control,
  createOwner,
  heading,
  owner,
  page,
  pageErrors,
  server,
  until,
  useStack,
} from '../support/spec.ts';

const member = { name: 'Bob Stone', password: 'another long passphrase' };

let ws = '';
let connectorId = '';
const dialogs: string[] = [];
/** Every URL the browser asked for that is neither Mailroom nor a data/blob URL. */
const remote: string[] = [];

async function settings(section: string) {
  await page.goto(`${server.baseUrl}/w/${ws}/settings/${section}`);
}

const folderPanel = () =>
  page.locator(
    `[data-testid="mailbox"][data-address="${claims}"] [data-testid="folder-panel"][data-folder="Inbox"]`,
  );

/** Waits for a PATCH of the folder's rule while doing something in the panel. */
async function ruleChange(action: () => Promise<unknown>) {
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes('/folders/')),
    action(),
  ]);
}

/** Runs a sync round of claims@/Inbox now (the Sync now button), and waits for its backlog to clear. */
async function syncNow() {
  await page.goto(`${server.baseUrl}/w/${ws}/settings/connectors/${connectorId}`);
  await folderPanel().getByRole('button', { name: 'Sync now' }).click();
  await folderPanel().getByText('Sync started').waitFor();
}

describe('inflow rules, inboxes and documents', () => {
  useStack('inflow', { ignoreHTTPSErrors: true, timeoutMs: 15_000 });
  beforeAll(async () => {
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    browser.context.on('request', (r) => {
      const u = r.url();
      if (
        !u.startsWith(server.baseUrl) &&
        !u.startsWith('data:') &&
        !u.startsWith('blob:') &&
        !u.startsWith('about:') &&
        !u.startsWith('cid:')
      )
        remote.push(u);
    });
    ws = (await createOwner()).workspaces[0]!.id;
    // The connector and claims@'s Inbox through the API: the connector pages have their own specs.
    ({ connectorId } = await connectClaimsInbox(ws));
  });

  it('creates the inboxes Claims and Production, the type Claim and the tag email', async () => {
    await settings('inboxes');
    await heading('Inboxes');
    for (const name of ['Claims', 'Production']) {
      await page.getByRole('button', { name: 'Create inbox' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create inbox' });
      await dialog.getByLabel('Name').fill(name);
      await dialog.getByRole('button', { name: 'Create inbox' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('table', { name: 'Inboxes' }).getByRole('link', { name }).waitFor();
    }
    await page.getByLabel('New document type').fill('Claim');
    await page.getByRole('button', { name: 'Add type' }).click();
    await page.getByRole('list', { name: 'Document types' }).getByText('Claim').waitFor();
    await page.getByLabel('New tag').fill('email');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByRole('list', { name: 'Tags' }).getByText('email').waitFor();
    // The creator is on each new inbox's access list.
    await page.locator('[data-testid="inbox-row"][data-inbox="Claims"]').getByText(owner.name).waitFor();
    await page.screenshot({ path: path.join(artifacts, '80-inboxes-1280.png'), fullPage: true });
  });

  it('sets the rule of claims@/Inbox: Claims, type Claim, tag email, filtering on; says it is for new mail', async () => {
    await page.goto(`${server.baseUrl}/w/${ws}/settings/connectors/${connectorId}`);
    const folder = folderPanel();
    await folder.getByLabel('Target inbox').waitFor();
    await ruleChange(() => folder.getByLabel('Target inbox').selectOption({ label: 'Claims' }));
    await ruleChange(() => folder.getByLabel('Document type').selectOption({ label: 'Claim' }));
    await folder.getByLabel('Tags', { exact: true }).click();
    await ruleChange(() => page.getByRole('option', { name: 'email', exact: true }).click());
    await page.keyboard.press('Escape');
    await ruleChange(() => folder.getByRole('switch', { name: 'Inflow filtering' }).click());
    await folder
      .getByText('Changes to this rule apply to emails that arrive from now on.', { exact: false })
      .waitFor();
    await ruleChange(() => folder.getByRole('switch', { name: 'Active' }).click());
    await folder.getByTestId('folder-state').filter({ hasText: 'Active' }).waitFor();
    await until(
      'the rule saved',
      async () => {
        const m = await call<MailboxList>('GET', api.mailboxes(ws, connectorId));
        const f = m.items[0]!.folders[0]!;
        return f.filterInflow && f.documentTypeId !== null && f.tagIds.length === 1 && f.active;
      },
      10_000,
    );
    await page.screenshot({ path: path.join(artifacts, '81-rule-editor-1280.png'), fullPage: true });
  });

  const adjuster = 'adjuster@loss-adjusters.example';
  const outflowEditor = () => folderPanel().getByTestId('outflow-editor');
  const outflowAction = (n: number, kind: string) =>
    outflowEditor().getByRole('group', { name: `Action ${n}: ${kind}` });
  async function addOutflowAction(kind: string) {
    await outflowEditor().getByLabel('New action').selectOption({ label: kind });
    await outflowEditor().getByRole('button', { name: 'Add action' }).click();
  }

  it('Write back to Outlook: says before saving that the connection cannot forward (no Mail.Send) or colour a new category', async () => {
    await page.goto(`${server.baseUrl}/w/${ws}/settings/connectors/${connectorId}`);
    await outflowEditor()
      .getByText('No action: Mailroom leaves the emails in Outlook as they are.')
      .waitFor();
    await outflowEditor()
      .getByText('Changes apply to document events from now on', { exact: false })
      .waitFor();
    await addOutflowAction('Forward the email');
    await outflowAction(1, 'Forward the email')
      .getByText(
        'This connection cannot forward mail from this mailbox: Microsoft has not granted Mail.Send. Grant it to the app in Microsoft Entra, then check the connection again.',
      )
      .waitFor();
    const save = outflowEditor().getByRole('button', { name: 'Save Outlook actions' });
    expect(await save.isDisabled()).toBe(true);
    // A category can be set (Mail.ReadWrite), but not created with its colour (no MailboxSettings.ReadWrite).
    await addOutflowAction('Set a category');
    await outflowAction(2, 'Set a category')
      .getByText('it will be set without a colour', { exact: false })
      .waitFor();
    expect(await outflowAction(2, 'Set a category').getByTestId('outflow-missing-permission').count()).toBe(
      0,
    );
    expect(await save.isDisabled()).toBe(true);
    await page.screenshot({
      path: path.join(artifacts, '81b-outflow-missing-permission-1280.png'),
      fullPage: true,
    });
    await outflowEditor().getByRole('button', { name: 'Discard changes' }).click();
    await outflowEditor()
      .getByText('No action: Mailroom leaves the emails in Outlook as they are.')
      .waitFor();
  });

  it('after an admin grants Mail.Send and MailboxSettings.ReadWrite and the connection is checked, the warnings go', async () => {
    // What Contoso's admin does in Microsoft Entra: consent to two more application permissions.
    await control.grantConsent(DEMO.contoso.domain, DEMO.customerApp.clientId, {
      application: ['Mail.Send', 'MailboxSettings.ReadWrite'],
    });
    // "Check the connection again": a fresh token, whose roles Mailroom reads.
    await call('POST', api.checkConnector(ws, connectorId));
    await until(
      'the mailbox to allow forwarding and creating categories',
      async () => {
        const m = await call<MailboxList>('GET', api.mailboxes(ws, connectorId));
        const p = m.items[0]!.outflowPermissions;
        return p.known && p.missing.forward.length === 0 && p.canCreateCategories;
      },
      30_000,
    );
    await page.reload();
    await addOutflowAction('Forward the email');
    await addOutflowAction('Set a category');
    await outflowAction(2, 'Set a category').getByLabel('Category').waitFor();
    expect(await outflowEditor().getByTestId('outflow-missing-permission').count()).toBe(0);
    expect(await outflowEditor().getByTestId('outflow-no-colour').count()).toBe(0);
    await outflowEditor().getByRole('button', { name: 'Discard changes' }).click();
  });

  it('adds to the rule: category "Claims: approved" on approval, forward to the adjuster on bounce; saved', async () => {
    await addOutflowAction('Set a category');
    const category = outflowAction(1, 'Set a category');
    await category.getByLabel('When').selectOption({ label: 'When a document is approved' });
    await category.getByLabel('Category').fill('Claims: approved');
    await category.getByLabel('Colour').selectOption({ label: 'Green' });
    await addOutflowAction('Forward the email');
    const forward = outflowAction(2, 'Forward the email');
    await forward.getByLabel('When').selectOption({ label: 'When a document is bounced' });
    await forward.getByLabel('Forward to').fill(adjuster);
    await forward.getByLabel('Comment').fill('Bounced by the claims team: please review.');
    await page.screenshot({ path: path.join(artifacts, '81c-outflow-editor-1280.png'), fullPage: true });
    await ruleChange(() => outflowEditor().getByRole('button', { name: 'Save Outlook actions' }).click());
    await outflowEditor().getByText('Outlook actions saved.').waitFor();
    const m = await call<MailboxList>('GET', api.mailboxes(ws, connectorId));
    const saved = m.items[0]!.folders[0]!.outflow;
    expect(saved.map((a) => [a.kind, a.on, typeof a.id])).toEqual([
      ['category', 'document.approved', 'string'],
      ['forward', 'document.bounced', 'string'],
    ]);
    expect(saved[0]).toMatchObject({ category: 'Claims: approved', color: 'preset4' });
    expect(saved[1]).toMatchObject({ to: adjuster, comment: 'Bounced by the claims team: please review.' });
    // Saved means the draft is the rule: nothing left to save, the fields show what was saved.
    await page.reload();
    await outflowAction(2, 'Forward the email').getByLabel('Forward to').waitFor();
    expect(await outflowAction(2, 'Forward the email').getByLabel('Forward to').inputValue()).toBe(adjuster);
    expect(await outflowEditor().getByRole('button', { name: 'Save Outlook actions' }).count()).toBe(0);
  });

  it('the Claims inbox gets its own action in Workspace settings → Inboxes: move to Deleted Items on deletion', async () => {
    await settings('inboxes');
    await page.getByRole('button', { name: 'Edit Claims' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit inbox Claims' });
    const editor = dialog.getByTestId('outflow-editor');
    await editor.getByText('No action: Mailroom leaves the emails in Outlook as they are.').waitFor();
    await editor.getByLabel('New action').selectOption({ label: 'Move the email' });
    await editor.getByRole('button', { name: 'Add action' }).click();
    const move = editor.getByRole('group', { name: 'Action 1: Move the email' });
    await move.getByLabel('When').selectOption({ label: 'When a document is deleted' });
    // Documents of an inbox come from several mailboxes: only folders every mailbox has.
    await move.getByLabel('Destination folder').selectOption({ label: 'Deleted Items' });
    // claims@ (the one mailbox feeding Claims) may now move mail: nothing to warn about.
    expect(await editor.getByTestId('outflow-missing-permission').count()).toBe(0);
    await Promise.all([
      page.waitForResponse(
        (r) => r.request().method() === 'PATCH' && r.url().includes('/inboxes/') && r.ok(),
      ),
      dialog.getByRole('button', { name: 'Save' }).click(),
    ]);
    await dialog.waitFor({ state: 'detached' });
    const inboxes = await call<ManagedInboxList>('GET', api.managedInboxes(ws));
    const saved = inboxes.items.find((i) => i.name === 'Claims')!.outflow;
    expect(saved).toEqual([
      {
        id: expect.any(String),
        kind: 'move',
        on: 'document.deleted',
        destinationFolderId: 'deleteditems',
        destinationName: 'Deleted Items',
      },
    ]);
    // Back where the next step sends its test emails from.
    await page.goto(`${server.baseUrl}/w/${ws}/settings/connectors/${connectorId}`);
    await folderPanel().getByLabel('Target inbox').waitFor();
  });

  let external = '';
  let internal = '';
  it('a test email from outside lands in Claims with type and tag; one from inside is listed as filtered', async () => {
    for (const [label, set] of [
      ['External sender (a customer)', (s: string) => (external = s)],
      ['Internal sender (a colleague)', (s: string) => (internal = s)],
    ] as const) {
      await page.getByRole('button', { name: 'Send a test email' }).click();
      const dialog = page.getByRole('dialog', { name: 'Send a test email' });
      await dialog.getByLabel(label).check();
      await dialog.getByRole('button', { name: 'Send' }).click();
      await dialog.waitFor({ state: 'detached' });
      const sent = page.getByTestId('test-email-sent');
      await sent.getByText('It will appear on the next sync.').waitFor();
      set(/“(.+?)”/.exec((await sent.textContent()) ?? '')?.[1] ?? '');
    }
    expect(external).not.toBe('');
    expect(internal).not.toBe('');
    await syncNow();

    const folder = folderPanel();
    await until(
      'one email filtered today',
      async () => {
        if ((await folder.getByText('1 email filtered today').count()) > 0) return true;
        await page.reload();
        await folder.getByLabel('Target inbox').waitFor();
        return false;
      },
      60_000,
    );
    await folder.getByText('1 email filtered today').click();
    const item = folder.getByTestId('filtered-email').filter({ hasText: internal });
    await item.getByText('Internal sender').waitFor();

    await page.goto(`${server.baseUrl}/w/${ws}/inbox`);
    await heading('Inbox');
    await page.getByLabel('Inbox', { exact: true }).selectOption({ label: 'Claims' });
    const row = page.getByTestId('document-row').filter({ hasText: external });
    await row.waitFor();
    await row.getByTestId('document-type').filter({ hasText: 'Claim' }).waitFor();
    await row.getByTestId('document-tag').filter({ hasText: 'email' }).waitFor();
    expect(await page.getByTestId('document-row').filter({ hasText: internal }).count()).toBe(0);
    // Search finds it by a word of its subject; the filtered one only with the Filtered status.
    await page.getByRole('searchbox', { name: 'Search' }).fill(external.split(/\s+/).slice(-1)[0]!);
    await row.waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await page.getByLabel('Status').selectOption({ label: 'Filtered' });
    await page.getByTestId('document-row').filter({ hasText: internal }).waitFor();
    await page.screenshot({ path: path.join(artifacts, '82-inbox-filtered-1280.png'), fullPage: true });
    await page.getByLabel('Status').selectOption({ label: 'New, approved, bounced' });
  });

  it('approves the routed document; the history says so', async () => {
    // The list is refetched after the status filter changed: open the row's address rather than click
    // an element that a re-render may replace (a detached row made this step flaky).
    const link = page.getByTestId('document-row').filter({ hasText: external }).locator('a');
    await link.waitFor();
    await page.goto(`${server.baseUrl}${await link.getAttribute('href')}`);
    await heading(external);
    await page.getByTestId('document-facts').getByText('New').waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('document-facts').getByText('Approved').waitFor();
    const history = page.getByTestId('document-history');
    for (const kind of ['received', 'routed', 'approved'])
      await history.locator(`li[data-kind="${kind === 'received' ? 'ingested' : kind}"]`).waitFor();
    await history.locator('li[data-kind="approved"]').getByText(owner.email).waitFor();
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await page.screenshot({ path: path.join(artifacts, '83-document-approved-1280.png'), fullPage: true });
  });

  it('the approved email gets the category "Claims: approved" in Outlook; the Outlook section says so', async () => {
    await until(
      'the category on the email in claims@',
      async () => {
        const messages = await control.listMessages(claims);
        return messages.some((m) => m.subject === external && m.categories.includes('Claims: approved'));
      },
      60_000,
    );
    const outlook = page.getByTestId('document-outflow');
    await outlook.getByText('Category “Claims: approved” set — on approval').waitFor({ timeout: 30_000 });
    await outlook.locator('li[data-state="done"][data-kind="category"]').waitFor();
    // The history line is written with the outcome; the page stops looking once nothing is pending.
    const line = page
      .getByTestId('document-history')
      .locator('li[data-kind="outflow"]')
      .getByText('Category “Claims: approved” set (on approval)', { exact: false });
    await until(
      'the outflow line in the history',
      async () => {
        if ((await line.count()) > 0) return true;
        await page.reload();
        await heading(external);
        return false;
      },
      30_000,
    );
    expect(await outlook.locator('li').count()).toBe(1);
    await page.screenshot({ path: path.join(artifacts, '83b-document-outlook-1280.png'), fullPage: true });
  });

  it("bounces another external email: it is forwarded once to the adjuster (the emulator's outbound log)", async () => {
    await page.goto(`${server.baseUrl}/w/${ws}/settings/connectors/${connectorId}`);
    await page.getByRole('button', { name: 'Send a test email' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send a test email' });
    await dialog.getByLabel('External sender (a customer)').check();
    await dialog.getByRole('button', { name: 'Send' }).click();
    await dialog.waitFor({ state: 'detached' });
    const sent = page.getByTestId('test-email-sent');
    await sent.getByText('It will appear on the next sync.').waitFor();
    const bounced = /“(.+?)”/.exec((await sent.textContent()) ?? '')?.[1] ?? '';
    expect(bounced).not.toBe('');
    expect(bounced).not.toBe(external);
    await syncNow();
    let doc: { id: string } | undefined;
    await until(
      'the second external email as a document',
      async () => {
        const list = await call<{ items: { id: string; subject: string }[] }>(
          'GET',
          `${api.documents(ws)}?limit=200`,
        );
        doc = list.items.find((d) => d.subject === bounced);
        return doc !== undefined;
      },
      60_000,
    );
    const before = (await control.outbound()).filter((m) => m.to.includes(adjuster)).length;
    expect(before).toBe(0);
    await page.goto(`${server.baseUrl}/w/${ws}/inbox/${doc!.id}`);
    await heading(bounced);
    await page.getByRole('button', { name: 'Bounce' }).click();
    const bounce = page.getByRole('dialog', { name: 'Bounce this document' });
    await bounce.getByLabel('Reason').fill('Not a claim: a quote request.');
    await bounce.getByRole('button', { name: 'Bounce' }).click();
    await bounce.waitFor({ state: 'detached' });
    await page.getByTestId('document-facts').getByText('Bounced').waitFor();

    const forwards = async () =>
      (await control.outbound()).filter((m) => m.to.includes(adjuster) && m.subject.includes(bounced));
    await until('the forward in the outbound log', async () => (await forwards()).length > 0, 60_000);
    expect((await forwards()).length).toBe(1);
    await page
      .getByTestId('document-outflow')
      .getByText(`Forwarded to ${adjuster} — on bounce`)
      .waitFor({ timeout: 30_000 });
    // Exactly once: nothing more a few seconds later (retries, sweeps and refetches included).
    await page.waitForTimeout(5_000);
    expect((await forwards()).length).toBe(1);
    expect((await control.outbound()).filter((m) => m.to.includes(adjuster)).length).toBe(1);
    await page.screenshot({ path: path.join(artifacts, '83c-document-forwarded-1280.png'), fullPage: true });
  });

  it('XSS corpus: nothing runs, nothing loads from elsewhere unless "Show images"', async () => {
    const payload = `<img src=x onerror="window.top.__xss='img'">`;
    const html = [
      `<p>Hello</p><script>window.top.__xss='script'</script>`,
      `<img src="https://remote-images.invalid/pixel.png" alt="pixel">`,
      `<a href="javascript:window.top.__xss='href'">click</a><svg onload="window.top.__xss='svg'"><image href="https://remote-svg.invalid/x.png"/></svg>`,
      `<iframe src="https://remote-frame.invalid/"></iframe><object data="https://remote-object.invalid/x"></object>`,
      `<div style="background:url(https://remote-css.invalid/bg.png)">styled</div><link rel="stylesheet" href="https://remote-css.invalid/x.css">`,
      `<img srcset="https://remote-srcset.invalid/a.png 2x" src="cid:nothing"><video poster="https://remote-video.invalid/p.png"></video>`,
      `<form action="https://remote-form.invalid/"><input name=q autofocus onfocus="window.top.__xss='focus'"></form>`,
      `<base href="https://remote-base.invalid/"><meta http-equiv="refresh" content="0;url=https://remote-meta.invalid/">`,
    ].join('\n');
    const boundary = 'xss-boundary';
    const eml = [
      `From: "${payload}" <attacker@evil.example>`,
      `To: ${claims}`,
      `Subject: XSS ${payload} <script>window.top.__xss='subject'</script>`,
      `X-Custom: <script>window.top.__xss='header'</script>`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      '',
      html,
      `--${boundary}`,
      `Content-Type: text/html; name="x.html"`,
      `Content-Disposition: attachment; filename="\\"><img src=x onerror=window.top.__xss='file'>.html"`,
      '',
      `<script>window.top.__xss='attachment'</script>`,
      `--${boundary}--`,
      '',
    ].join('\r\n');
    await control.deliverEml(claims, eml);
    await syncNow();
    await page.goto(`${server.baseUrl}/w/${ws}/inbox`);
    await heading('Inbox');
    const row = page.getByTestId('document-row').filter({ hasText: 'XSS' });
    await until(
      'the XSS email in the inbox',
      async () => {
        if ((await row.count()) > 0) return true;
        await page.reload();
        await heading('Inbox');
        return false;
      },
      60_000,
    );
    remote.length = 0;
    await row.locator('a').click();
    await heading(/^XSS /);
    const frame = page.frameLocator('[data-testid="mail-body"]');
    await frame.getByText('Hello').waitFor();
    await page.getByTestId('attachments').waitFor();
    await page.waitForTimeout(1500);
    expect(await page.getByTestId('mail-body').getAttribute('sandbox')).toBe('');
    expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(remote).toEqual([]);
    // The subject and file name are text, shown as such.
    await page
      .getByRole('heading', { level: 1 })
      .getByText(`window.top.__xss='subject'`, { exact: false })
      .waitFor();
    // What the frame holds: no element carries a remote address it could load.
    const remoteIn = async () => {
      const f = page.frames().find((x) => x !== page.mainFrame());
      if (!f) return null;
      return f.evaluate(() =>
        [...document.querySelectorAll('*')]
          .flatMap((e) =>
            ['src', 'href', 'srcset', 'poster', 'data', 'background', 'action'].map(
              (n) => e.getAttribute(n) ?? '',
            ),
          )
          .filter((v) => /^(https?:)?\/\//i.test(v)),
      );
    };
    expect(await remoteIn()).toEqual([]);

    await page.getByTestId('show-images').click();
    await page.getByText('Remote images are shown', { exact: false }).waitFor();
    await until('the remote image in the frame', async () => ((await remoteIn()) ?? []).length > 0, 10_000);
    // Only the https image comes back: nothing else of the corpus.
    expect(await remoteIn()).toEqual(['https://remote-images.invalid/pixel.png']);
    await page.waitForTimeout(1000);
    expect(remote.filter((u) => !u.includes('remote-images.invalid'))).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    await page.screenshot({ path: path.join(artifacts, '84-xss-corpus-1280.png'), fullPage: true });
  });

  it('a member who is not on Claims sees neither its documents nor the document itself (UI and API)', async () => {
    const inv = await call<Invitation>('POST', api.invitations(ws), {
      email: 'bob@example.com',
      role: 'member',
    });
    const documents = await call<{ items: { id: string; subject: string }[] }>(
      'GET',
      `${api.documents(ws)}?limit=200`,
    );
    const claimDoc = documents.items.find((d) => d.subject === external)!;
    await page.getByRole('button', { name: `Account menu for ${owner.name}` }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await heading('Sign in');
    await page.goto(inv.url!);
    await page.getByLabel('Your name').fill(member.name);
    await page.getByRole('textbox', { name: 'Choose a password', exact: true }).fill(member.password);
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await heading('Welcome, Bob');

    await page.goto(`${server.baseUrl}/w/${ws}/inbox`);
    await heading('Inbox');
    await page.getByText('No document yet').waitFor();
    expect(await page.getByTestId('document-row').count()).toBe(0);
    await page.goto(`${server.baseUrl}/w/${ws}/inbox/${claimDoc.id}`);
    await page.getByRole('heading', { name: 'Document not found' }).waitFor();
    const api404 = await page.request.get(`${server.baseUrl}${api.document(ws, claimDoc.id)}`);
    expect(api404.status()).toBe(404);
    const eml404 = await page.request.get(`${server.baseUrl}${api.documentEml(ws, claimDoc.id)}`);
    expect(eml404.status()).toBe(404);
    // Settings show the member only the inbox they are on.
    await settings('inboxes');
    const table = page.getByRole('table', { name: 'Inboxes' });
    await table.getByRole('link', { name: 'Inbox', exact: true }).waitFor();
    expect(await table.getByText('Claims').count()).toBe(0);
    await page.screenshot({ path: path.join(artifacts, '85-member-inboxes-1280.png'), fullPage: true });
  });

  it('inbox filters: a select changed just as the debounced search change is due keeps both changes', async () => {
    // Each change used to rebuild the URL from the last rendered one: the later of two changes made
    // before the first's navigation committed undid the other (the flaky "approves" step above).
    const cdp = await page.context().newCDPSession(page);
    const seen: string[] = [];
    try {
      for (const delay of [295, 299, 300]) {
        await page.goto(`${server.baseUrl}/w/${ws}/inbox?status=filtered`);
        await page.getByRole('searchbox', { name: 'Search' }).waitFor();
        // A slower machine (as CI can be) widens the window between a navigation and its render.
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
        seen.push(
          await page.evaluate(async (ms) => {
            const input = document.querySelector<HTMLInputElement>('input[type="search"]')!;
            const select = [...document.querySelectorAll('select')].find((s) =>
              [...s.options].some((o) => o.value === 'filtered'),
            )!;
            const set = (el: HTMLInputElement | HTMLSelectElement, v: string) => {
              Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el) as object, 'value')!.set!.call(el, v);
              el.dispatchEvent(
                new Event(el instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }),
              );
            };
            set(input, 'abc'); // the search box applies it 300 ms later
            await new Promise((r) => setTimeout(r, ms));
            set(select, ''); // "New, approved, bounced"
            await new Promise((r) => setTimeout(r, 1500));
            return location.search;
          }, delay),
        );
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      }
    } finally {
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      await cdp.detach();
    }
    expect(seen).toEqual(['?q=abc', '?q=abc', '?q=abc']);
  });

  it('raised no script error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
