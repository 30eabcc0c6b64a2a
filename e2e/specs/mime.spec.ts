import {
  CSRF_HEADER,
  api,
  type Connector,
  type DirectoryList,
  type DocumentList,
  type Mailbox,
  type MailboxList,
} from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  control,
  createOwner,
  heading,
  page,
  pageErrors,
  server,
  shot,
  until,
  useStack,
} from '../support/spec.ts';

/**
 * Issue 19 §1 in the browser: an email's inline image shows in its (sandboxed) body, the sender's
 * date beside the arrival, a body the parser could not read shown as plain text, and attachments
 * beyond the ones kept named with the reason.
 */
const claims = 'claims@contoso-insurance.com';
/** A visible 1×1 PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

let ws = '';
let csrf = '';
let folderId = '';

async function call<T>(method: 'GET' | 'POST' | 'PUT', url: string, data?: unknown): Promise<T> {
  const r = await page.request.fetch(`${server.baseUrl}${url}`, {
    method,
    headers: method === 'GET' ? {} : { [CSRF_HEADER]: csrf },
    ...(data !== undefined ? { data } : {}),
  });
  if (r.status() >= 300) throw new Error(`${method} ${url}: ${r.status()} ${await r.text()}`);
  return (await r.json()) as T;
}

/** The document of the email with this subject, once a sync round has read it. */
async function documentWithSubject(subject: string): Promise<string> {
  let id = '';
  await until(
    `the email "${subject}" to become a document`,
    async () => {
      await call('POST', api.syncFolder(ws, folderId));
      const list = await call<DocumentList>('GET', `${api.documents(ws)}?limit=200`);
      id = list.items.find((d) => d.subject === subject)?.id ?? '';
      return id !== '';
    },
    90_000,
  );
  return id;
}

describe('what an email holds, on its document page', () => {
  useStack('mime', { timeoutMs: 15_000 });
  beforeAll(async () => {
    const session = await createOwner();
    ws = session.workspaces[0]!.id;
    csrf = session.csrfToken;
    // claims@'s Inbox read by a connector, set up through the API (the connector pages have their own specs).
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
    const mailbox = set.items[0]!;
    const tree = await call<{ items: { graphFolderId: string; displayName: string }[] }>(
      'GET',
      api.folderTree(ws, mailbox.id),
    );
    const inbox = tree.items.find((f) => f.displayName === 'Inbox')!;
    const watched = await call<Mailbox>('PUT', api.monitoredFolders(ws, mailbox.id), {
      folders: [{ graphFolderId: inbox.graphFolderId, displayName: 'Inbox', active: true }],
    });
    folderId = watched.folders[0]!.id;
  });

  it('shows an inline-only image in the body and the sent date beside the received one', async () => {
    const subject = 'Inline logo and an old date';
    await control.deliverMessage(claims, {
      subject,
      sentDateTime: '2026-11-02T08:30:00Z',
      body: {
        contentType: 'html',
        content: '<p>Our logo:</p><p><img src="cid:logo@example" alt="logo" width="40" height="40"></p>',
      },
      attachments: [
        {
          '@odata.type': '#microsoft.graph.fileAttachment',
          name: 'logo.png',
          contentType: 'image/png',
          contentBytes: PNG,
          isInline: true,
          contentId: 'logo@example',
        },
      ],
    });
    const id = await documentWithSubject(subject);
    await page.goto(`${server.baseUrl}/w/${ws}/inbox/${id}`);
    await heading(subject);
    const facts = page.getByTestId('document-facts');
    await facts.getByText('Sent').waitFor();
    expect(await page.getByTestId('document-sent').locator('time').getAttribute('datetime')).toBe(
      '2026-11-02T08:30:00.000Z',
    );
    await page.getByTestId('attachments').getByText('shown in the message', { exact: false }).waitFor();
    // The image loaded inside the sandboxed frame (an opaque origin: the page hands it over as data:).
    const image = page.frameLocator('[data-testid="mail-body"]').locator('img[alt="logo"]');
    await until(
      'the inline image shown',
      async () =>
        (await image.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))) > 0,
      15_000,
    );
    expect(await image.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    await shot('120-document-inline-image-1280');
  });

  it('a body the parser cannot read is shown as plain text, and says so', async () => {
    const subject = 'No blank line after the headers';
    await control.deliverEml(
      claims,
      `From: sender@example.com\r\nTo: ${claims}\r\nSubject: ${subject}\r\nContent-Type: text/plain\r\nThe text of the claim is here.\r\nSecond line.\r\n`,
    );
    const id = await documentWithSubject(subject);
    await page.goto(`${server.baseUrl}/w/${ws}/inbox/${id}`);
    await heading(subject);
    await page
      .getByTestId('mail-text')
      .getByText('The text of the claim is here.', { exact: false })
      .waitFor();
    await page.getByTestId('plain-text-note').getByText('Shown as plain text', { exact: false }).waitFor();
    await shot('121-document-plain-text-1280');
  });

  it('raised no script error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
