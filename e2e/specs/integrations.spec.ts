import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { api, type DocumentList } from '@mailroom/contracts';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  claims,
  connectClaimsInbox,
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
} from '../support/spec.ts';

/** What the receiver was sent: the headers a Standard Webhooks library reads, and the raw body. */
interface Received {
  headers: Record<string, string>;
  body: string;
}

/** A webhook receiver on 127.0.0.1 that keeps every request and answers 200. */
function startReceiver(): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      received.push({ headers, body });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('thanks, received');
    });
  });
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/hooks/mailroom`,
        received,
        close: () => new Promise((done) => srv.close(() => done())),
      });
    });
  });
}

let ws = '';
let apiKey = '';
let rotatedSecret = '';
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let secret = '';
let firstWebhookId = '';

/** Lists documents the way an integration does: from Node, with the key and no cookie. */
function listDocumentsWithKey() {
  return fetch(`${server.baseUrl}${api.documents(ws)}`, { headers: { authorization: `Bearer ${apiKey}` } });
}

/**
 * A document, the way mail arrives: claims@'s Inbox read by a connector (set up through the API: the
 * connector pages have their own specs), a sandbox test email into it, and a sync round.
 */
async function receiveAnEmail(): Promise<string> {
  const { connectorId, folderId } = await connectClaimsInbox(ws, { active: true });
  const { subject } = await call<{ subject: string }>('POST', api.sandboxTestEmail(ws, connectorId), {
    address: claims,
    sender: 'external',
    attachments: false,
  });
  let documentId = '';
  await until(
    'the test email to become a document',
    async () => {
      await call('POST', api.syncFolder(ws, folderId));
      const list = await call<DocumentList>('GET', api.documents(ws));
      documentId = list.items.find((d) => d.subject === subject)?.id ?? '';
      return documentId !== '';
    },
    90_000,
  );
  return documentId;
}

async function settingsSection(name: string) {
  await page.getByRole('navigation', { name: 'Workspace settings' }).getByRole('link', { name }).click();
  await heading(name);
}

/** The receiver's requests after the first `n`, once there are more. */
async function nextReceived(n: number): Promise<Received> {
  await until('the receiver to get a request', async () => receiver.received.length > n, 30_000);
  return receiver.received[n]!;
}

describe('integrations: API keys and signed webhooks', () => {
  // The receiver listens on 127.0.0.1, which the server refuses as a webhook target by default (SSRF).
  useStack('integrations', { serverEnv: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
  beforeAll(async () => {
    ws = (await createOwner()).workspaces[0]!.id;
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('creates an API key and shows it once, then only its prefix (a double click creates one)', async () => {
    await page.goto(`${server.baseUrl}/w/${ws}/settings/general`);
    await heading('General');
    await settingsSection('API keys');
    await page.getByText('No API key yet').waitFor();
    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create an API key' });
    await dialog.getByLabel('Name').fill('Claims platform');
    await dialog.getByRole('radio', { name: 'Read', exact: true }).check();
    await shot('90-api-key-create-1280');
    await dialog.getByRole('button', { name: 'Create key' }).dblclick();

    const shown = page.getByRole('dialog', { name: 'Your new API key' });
    const field = shown.getByRole('textbox', { name: 'API key' });
    await field.waitFor();
    apiKey = await field.inputValue();
    expect(apiKey).toMatch(/^mrk_[A-Za-z0-9_-]{40}$/);
    await shown.getByText('Copy it now: you will not see it again.').waitFor();
    await shown.getByRole('button', { name: 'Copy' }).waitFor();
    await shot('91-api-key-shown-once-1280');
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'hidden' });

    const row = page.getByTestId('api-key-row').filter({ hasText: 'Claims platform' });
    await row.getByText(`${apiKey.slice(0, 12)}…`).waitFor();
    // One key, and the one shown is it (decision 0019: a repeat gets the first key's secret).
    expect(await row.count()).toBe(1);
    await row.getByText('All inboxes').waitFor();
    await row.getByText('Never used').waitFor();
    // Only the prefix: the key itself is nowhere on the page any more.
    expect(await page.content()).not.toContain(apiKey);
  });

  it('lets a system list documents with the key', async () => {
    const res = await listDocumentsWithKey();
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: unknown[] };
    expect(Array.isArray(body.items)).toBe(true);
    // The list says it was used.
    await page.reload();
    const row = page.getByTestId('api-key-row').filter({ hasText: 'Claims platform' });
    await row.getByText('Read', { exact: true }).waitFor();
    await row.getByText('just now').first().waitFor();
    expect(await row.getByText('Never used').count()).toBe(0);
    await shots('92-api-keys');
  });

  it('revokes the key after a confirmation; the same request is then refused', async () => {
    await page.getByRole('button', { name: 'Revoke the API key Claims platform' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke “Claims platform”?' });
    await dialog.getByText(`${apiKey.slice(0, 12)}…`, { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.getByTestId('api-key-row').filter({ hasText: 'Claims platform' });
    await row.getByText('Revoked').waitFor();
    expect(await row.getAttribute('data-state')).toBe('revoked');
    expect(await page.getByRole('button', { name: 'Revoke the API key Claims platform' }).count()).toBe(0);
    await shot('93-api-key-revoked-1280');

    const res = await listDocumentsWithKey();
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_api_key');
    expect(body.error.message).toContain('revoked');
  });

  it('adds a webhook endpoint and shows its signing secret once (a double click adds one)', async () => {
    await settingsSection('Webhooks');
    await page.getByText('No endpoint yet').waitFor();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a webhook endpoint' });
    await dialog.getByRole('textbox', { name: 'URL' }).fill(receiver.url);
    await dialog.getByLabel('Description').fill('Claims platform (test receiver)');
    await dialog.getByPlaceholder('All events').click();
    await page.getByRole('option', { name: /document\.created/ }).click();
    await page.getByRole('option', { name: /document\.approved/ }).click();
    // Close the list by clicking elsewhere in the dialog (Escape would close the dialog too).
    await dialog.getByText('Where Mailroom POSTs the events.', { exact: false }).click();
    await shot('94-webhook-add-1280');
    await dialog.getByRole('button', { name: 'Add endpoint' }).dblclick();

    const added = page.getByRole('dialog', { name: 'Endpoint added' });
    const field = added.getByRole('textbox', { name: 'Signing secret' });
    await field.waitFor();
    secret = await field.inputValue();
    expect(secret).toMatch(/^whsec_/);
    await added.getByRole('link', { name: 'Standard Webhooks' }).waitFor();
    await added.getByText('Copy it now: you will not see it again.').waitFor();
    await shot('95-webhook-secret-1280');
    await added.getByRole('button', { name: 'Open the endpoint' }).click();
    await heading(receiver.url);
    expect(await page.content()).not.toContain(secret);
    const facts = page.getByTestId('endpoint-facts');
    await facts.getByText('document.created').waitFor();
    await facts.getByText('All inboxes').waitFor();
    await page.getByText('Nothing delivered yet.', { exact: false }).waitFor();
    // One endpoint: two would deliver every event twice.
    const endpoints = await call<{ items: { url: string }[] }>('GET', api.webhooks(ws));
    expect(endpoints.items.filter((e) => e.url === receiver.url)).toHaveLength(1);
  });

  it('sends a test event: delivered, logged, and signed so that standardwebhooks verifies it', async () => {
    const before = receiver.received.length;
    const send = page.getByRole('button', { name: 'Send test event' });
    await send.click();
    await page.getByText('Test event queued', { exact: false }).waitFor();
    const delivery = page.locator('[data-testid="webhook-delivery"][data-event="webhook.test"]');
    await page.locator('[data-testid="webhook-delivery"][data-state="succeeded"]').waitFor();
    expect(await delivery.count()).toBe(1);

    const got = await nextReceived(before);
    const payload = new Webhook(secret).verify(got.body, got.headers) as { type: string; data: unknown };
    expect(payload.type).toBe('webhook.test');
    firstWebhookId = got.headers['webhook-id']!;
    expect(firstWebhookId).toMatch(/^msg_/);
    await delivery.getByText(firstWebhookId).waitFor();
    await delivery.getByText('HTTP 200').waitFor();

    await page.getByRole('button', { name: `Attempts of ${firstWebhookId}` }).click();
    const attempt = page.getByTestId('webhook-attempt').first();
    await attempt.getByText('thanks, received').waitFor();
    await attempt.getByText('Request body (signed)').click();
    await attempt.getByText('"webhook.test"', { exact: false }).waitFor();
    await shots('96-webhook-delivery-log');
  });

  it('redelivers with the same webhook-id', async () => {
    const before = receiver.received.length;
    await page.getByRole('button', { name: `Redeliver ${firstWebhookId}` }).click();
    const got = await nextReceived(before);
    expect(got.headers['webhook-id']).toBe(firstWebhookId);
    new Webhook(secret).verify(got.body, got.headers);
    // The attempts (still open from the last step) show the second one once the log is read again.
    await page.getByTestId('webhook-attempt').nth(1).waitFor();
    // Still one delivery, now with two attempts.
    const delivery = page.locator('[data-testid="webhook-delivery"][data-event="webhook.test"]');
    expect(await delivery.count()).toBe(1);
    await delivery.locator('td').nth(5).getByText('2', { exact: true }).waitFor();
  });

  it('disables and enables the endpoint, with the reason shown', async () => {
    await page.getByRole('button', { name: 'Disable' }).click();
    const notice = page.getByTestId('endpoint-disabled');
    await notice.getByText('This endpoint is disabled').waitFor();
    await notice.getByText('Disabled by an admin.', { exact: false }).waitFor();
    await notice.getByRole('button', { name: 'Enable' }).click();
    await notice.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Disable' }).waitFor();
  });

  it('edits the endpoint: a new description, every event', async () => {
    await page.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit endpoint' });
    await dialog.getByLabel('Description').fill('Claims platform (staging)');
    // Clearing the event types subscribes the endpoint to every event, including later ones.
    const events = dialog.locator('#webhook-events');
    await events.focus();
    await events.press('Backspace');
    await events.press('Backspace');
    await dialog.getByPlaceholder('All events').waitFor();
    // Leave the field by clicking elsewhere in the dialog (its list of options would cover the buttons).
    await dialog.getByText('Where Mailroom POSTs the events.', { exact: false }).click();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Claims platform (staging)').waitFor();
    await page.getByTestId('endpoint-facts').getByText('All events').waitFor();
  });

  it('rotates the secret: the new one is shown once and both sign for a while', async () => {
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
    await dialog.getByText('for 24 hours', { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Rotate secret' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const field = page.getByTestId('shown-once').getByRole('textbox', { name: 'Signing secret' });
    const rotated = await field.inputValue();
    rotatedSecret = rotated;
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await page.getByTestId('endpoint-rotation').waitFor();
    await shot('97-webhook-rotated-1280');

    // The next delivery carries a signature from each secret: receivers that have not switched yet
    // still verify it, and so do the ones that have.
    const before = receiver.received.length;
    await page.getByRole('button', { name: 'Send test event' }).click();
    const got = await nextReceived(before);
    new Webhook(rotated).verify(got.body, got.headers);
    new Webhook(secret).verify(got.body, got.headers);
    expect(() =>
      new Webhook(`whsec_${Buffer.from('not the secret').toString('base64')}`).verify(got.body, got.headers),
    ).toThrow();

    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.getByTestId('shown-once').count()).toBe(0);
  });

  it('delivers document.created when mail arrives, and the document page shows the delivery', async () => {
    const before = receiver.received.length;
    const documentId = await receiveAnEmail();
    // The sandbox's mailbox may hold other mail of today: find this document's delivery.
    const forDocument = () =>
      receiver.received
        .slice(before)
        .find(
          (r) => (JSON.parse(r.body) as { data?: { documentId?: string } }).data?.documentId === documentId,
        );
    await until('document.created at the receiver', async () => forDocument() !== undefined, 30_000);
    const got = forDocument()!;
    const payload = new Webhook(rotatedSecret).verify(got.body, got.headers) as { type: string };
    expect(payload.type).toBe('document.created');

    await page.goto(`${server.baseUrl}/w/${ws}/inbox/${documentId}`);
    const section = page.getByTestId('document-webhooks');
    const line = section.locator('[data-testid="document-webhook"][data-state="succeeded"]');
    await line.waitFor();
    await line.getByText('document.created').waitFor();
    await line.getByText(receiver.url).waitFor();
    await line.getByText('HTTP 200').waitFor();
    await page.getByRole('heading', { name: 'Webhooks', level: 2 }).waitFor();
    await shot('98-document-webhooks-1280');
  });

  it('lists the endpoint; the webhooks page in French', async () => {
    await page.goto(`${server.baseUrl}/w/${ws}/settings/webhooks`);
    await heading('Webhooks');
    const row = page.getByTestId('webhook-row');
    await row.getByRole('link', { name: receiver.url }).waitFor();
    await row.getByText('Enabled').waitFor();
    await shots('99-webhooks');
    await page.getByRole('button', { name: `Account menu for ${owner.name}` }).click();
    await page.getByRole('menuitemradio', { name: 'Français' }).click();
    await heading('Webhooks');
    await page.getByTestId('webhook-row').getByText('Activé').waitFor();
    await page.getByRole('button', { name: 'Ajouter un point de terminaison' }).waitFor();
    await shot('99b-webhooks-fr-1280');
    await page.getByRole('button', { name: `Menu du compte de ${owner.name}` }).click();
    await page.getByRole('menuitemradio', { name: 'English' }).click();
    await heading('Webhooks');
  });

  it('deletes the endpoint after a confirmation', async () => {
    await page.getByTestId('webhook-row').getByRole('link', { name: receiver.url }).click();
    await heading(receiver.url);
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this endpoint?' });
    await dialog.getByRole('button', { name: 'Delete endpoint' }).click();
    await heading('Webhooks');
    await page.getByRole('status').getByText(`Endpoint ${receiver.url} deleted.`, { exact: false }).waitFor();
    await page.getByText('No endpoint yet').waitFor();
  });

  it('keeps it all in the audit log', async () => {
    await settingsSection('Audit log');
    const log = page.getByRole('table', { name: 'Audit log' });
    // Sentences naming the key or endpoint (issue 19 §5).
    const says = (words: string) => log.getByText(words, { exact: false }).first().waitFor();
    await says('Created the API key');
    await says('Revoked the API key');
    await says('Refused the API key');
    await says('Added the webhook endpoint');
    await says('Rotated the signing secret of');
    await says('Deleted the webhook endpoint');
  });

  it('raised no script error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
