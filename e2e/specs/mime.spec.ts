import { api, type DocumentList } from '@mailroom/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  claims,
  connectClaimsInbox,
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

/** A visible 1×1 PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

let ws = '';
let folderId = '';

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
    ws = (await createOwner()).workspaces[0]!.id;
    ({ folderId } = await connectClaimsInbox(ws, { active: true }));
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
    // The frame is written again when the document's data is refetched: a look that falls in that
    // moment finds its context gone (a fresh clone's run failed so), and looks again.
    await until(
      'the inline image shown',
      async () =>
        (await image
          .evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))
          .catch(() => 0)) > 0,
      15_000,
    );
    expect(await image.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    await shot('120-document-inline-image-1280');
  });

  it('filters the inbox by the sender’s date as well as by arrival', async () => {
    const subject = 'Sent long before it arrived';
    await control.deliverMessage(claims, { subject, sentDateTime: '2019-03-14T10:00:00Z' });
    await documentWithSubject(subject);
    await page.goto(`${server.baseUrl}/w/${ws}/inbox`);
    await heading('Inbox');
    const rows = page.getByTestId('document-row');
    await rows.filter({ hasText: subject }).waitFor();
    await page.getByLabel('Dates').selectOption({ label: "Sent (the email's date)" });
    await page.getByLabel('Sent from').fill('2019-03-14');
    await page.getByLabel('Sent until').fill('2019-03-14');
    await until(
      'only the email sent on 14 March 2019',
      async () => (await rows.count()) === 1 && ((await rows.first().textContent()) ?? '').includes(subject),
      15_000,
    );
    expect(page.url()).toContain('dates=sent');
    await shot('121-inbox-by-sent-date-1280');
    // By arrival, those days hold nothing: it arrived today.
    await page.getByLabel('Dates').selectOption({ label: 'Received' });
    await page.getByLabel('Received from').waitFor();
    await page.getByText('No document matches').waitFor();
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
