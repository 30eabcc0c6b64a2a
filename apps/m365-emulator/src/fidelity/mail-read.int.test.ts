import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import {
  customerAppToken,
  delegatedToken,
  fail,
  graphClient,
  IMMUTABLE,
  mailroomAppToken,
} from './mail-helpers.ts';
import { composeMime } from '../mail/mime.ts';
import { msalApp, signInWithMsal } from './helpers.ts';
import { createCaFetch } from '../testing/fetch.ts';

const C = DEMO.contoso;
const CLAIMS = C.sharedMailboxes[0];

describe('Graph mail read endpoints (graph-client)', () => {
  let emu: Emulator;
  let app: Client;
  beforeAll(async () => {
    emu = await createEmulator({ demoMail: false });
    app = graphClient(emu, await mailroomAppToken(emu));
  });
  afterAll(() => emu.close());

  it('lists top-level folders, hidden ones on request, child folders, and resolves well-known names', async () => {
    const top = (await app.api(`/users/${CLAIMS}/mailFolders`).top(50).get()) as {
      value: { displayName: string; id: string; isHidden: boolean }[];
    };
    expect(top.value.map((f) => f.displayName)).toEqual([
      'Inbox',
      'Drafts',
      'Sent Items',
      'Deleted Items',
      'Junk Email',
      'Outbox',
      'Archive',
      'Conversation History',
    ]);
    const hidden = (await app
      .api(`/users/${CLAIMS}/mailFolders`)
      .query({ includeHiddenFolders: 'true' })
      .top(50)
      .get()) as { value: { displayName: string; isHidden: boolean }[] };
    expect(hidden.value.filter((f) => f.isHidden).map((f) => f.displayName)).toEqual([
      'Sync Issues',
      'Scheduled',
    ]);
    const paged = (await app.api(`/users/${CLAIMS}/mailFolders`).top(3).get()) as {
      value: unknown[];
      '@odata.nextLink': string;
    };
    expect(paged.value).toHaveLength(3);
    expect(paged['@odata.nextLink']).toContain('$skip=3');
    const inbox = (await app.api(`/users/${CLAIMS}/mailFolders/InBox`).get()) as {
      id: string;
      displayName: string;
      totalItemCount: number;
    };
    expect(inbox.displayName).toBe('Inbox');
    expect(
      (
        (await app.api(`/users/${CLAIMS}/mailFolders/${encodeURIComponent(inbox.id)}`).get()) as {
          id: string;
        }
      ).id,
    ).toBe(inbox.id);
    const sync = hidden.value.find((f) => f.displayName === 'Sync Issues') as unknown as { id: string };
    const kids = (await app
      .api(`/users/${CLAIMS}/mailFolders/${sync.id}/childFolders`)
      .query({ includeHiddenFolders: 'true' })
      .get()) as { value: { displayName: string }[] };
    expect(kids.value.map((f) => f.displayName)).toEqual(['Conflicts', 'Local Failures', 'Server Failures']);
  });

  it('creates messages from JSON and from .eml; lists, selects, filters, orders, pages; serves MIME and attachments', async () => {
    const pdf = Buffer.from('%PDF-1.4 test');
    const a = await emu.control.deliverMessage(CLAIMS, {
      subject: 'JSON claim',
      body: { contentType: 'text', content: 'Hello <world>' },
      from: { emailAddress: { name: 'Ann', address: 'ann@example.com' } },
      toRecipients: [{ emailAddress: { address: CLAIMS } }],
      receivedDateTime: '2026-01-10T10:00:00Z',
      attachments: [
        {
          '@odata.type': '#microsoft.graph.fileAttachment',
          name: 'form.pdf',
          contentType: 'application/pdf',
          contentBytes: pdf.toString('base64'),
        },
      ],
    });
    const eml = await composeMime({
      from: 'Bob <bob@example.org>',
      to: CLAIMS,
      subject: 'EML claim',
      html: '<p>See <b>photo</b></p>',
      messageId: '<eml-1@example.org>',
      date: new Date('2026-01-11T10:00:00Z'),
      attachments: [
        { filename: 'photo.jpg', content: Buffer.from([0xff, 0xd8, 0xff, 0xd9]), contentType: 'image/jpeg' },
      ],
    });
    const b = await emu.control.deliverEml(CLAIMS, eml);
    const list = (await app
      .api(`/users/${CLAIMS}/mailFolders/inbox/messages`)
      .select('subject,from,hasAttachments')
      .orderby('subject asc')
      .get()) as { value: Record<string, unknown>[] };
    expect(list.value.map((m) => m.subject)).toEqual(['EML claim', 'JSON claim']);
    expect(Object.keys(list.value[0]!).sort()).toEqual([
      '@odata.etag',
      'from',
      'hasAttachments',
      'id',
      'subject',
    ]);
    const filtered = (await app
      .api(`/users/${CLAIMS}/messages`)
      .filter('receivedDateTime ge 2026-01-11T00:00:00Z and hasAttachments eq true')
      .get()) as { value: { subject: string }[] };
    expect(filtered.value.map((m) => m.subject)).toEqual(['EML claim']);
    const page = (await app.api(`/users/${CLAIMS}/messages`).top(1).get()) as {
      value: unknown[];
      '@odata.nextLink': string;
    };
    expect(page.value).toHaveLength(1);
    expect(((await app.api(page['@odata.nextLink']).get()) as { value: unknown[] }).value).toHaveLength(1);

    const got = (await app.api(`/users/${CLAIMS}/messages/${a.id}`).get()) as Record<string, unknown>;
    expect(got).toMatchObject({
      subject: 'JSON claim',
      hasAttachments: true,
      isRead: false,
      body: { contentType: 'html' },
    });
    expect(got['@odata.etag']).toBe(`W/"${got.changeKey as string}"`);
    expect(got.bodyPreview).toBe('Hello <world>');
    const text = (await app
      .api(`/users/${CLAIMS}/messages/${b.id}`)
      .header('Prefer', 'outlook.body-content-type="text"')
      .select('body')
      .get()) as { body: { contentType: string; content: string } };
    expect(text.body).toEqual({ contentType: 'text', content: 'See photo' });
    const headers = (await app
      .api(`/users/${CLAIMS}/messages/${b.id}`)
      .select('internetMessageHeaders,internetMessageId')
      .get()) as { internetMessageId: string; internetMessageHeaders: { name: string; value: string }[] };
    expect(headers.internetMessageId).toBe('<eml-1@example.org>');
    expect(headers.internetMessageHeaders.find((h) => h.name === 'Subject')?.value).toBe('EML claim');

    // $value is the original .eml, byte for byte.
    const f = createCaFetch(emu.caPem);
    const token = await mailroomAppToken(emu);
    const raw = await f(`${emu.url}/v1.0/users/${CLAIMS}/messages/${b.id}/$value`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(Buffer.from(await raw.arrayBuffer()).equals(eml)).toBe(true);

    const atts = (await app.api(`/users/${CLAIMS}/messages/${b.id}/attachments`).get()) as {
      value: { id: string; name: string; contentType: string; contentBytes: string; '@odata.type': string }[];
    };
    expect(atts.value.map((x) => [x['@odata.type'], x.name, x.contentType])).toEqual([
      ['#microsoft.graph.fileAttachment', 'photo.jpg', 'image/jpeg'],
    ]);
    const bytes = await f(
      `${emu.url}/v1.0/users/${CLAIMS}/messages/${b.id}/attachments/${atts.value[0]!.id}/$value`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(bytes.headers.get('content-type')).toBe('image/jpeg');

    // An attached message is an itemAttachment; $expand=microsoft.graph.itemattachment/item gives the message.
    const inner = await composeMime({
      from: 'garage@example.net',
      to: 'bob@example.org',
      subject: 'Estimate 42',
      text: 'Total 900',
    });
    const outer = await composeMime({
      from: 'bob@example.org',
      to: CLAIMS,
      subject: 'FW: estimate',
      text: 'see attached',
      attachments: [
        {
          filename: 'Estimate 42.eml',
          content: inner,
          contentType: 'message/rfc822',
          contentDisposition: 'attachment',
        },
      ],
    });
    const fw = await emu.control.deliverEml(CLAIMS, outer);
    const items = (await app.api(`/users/${CLAIMS}/messages/${fw.id}/attachments`).get()) as {
      value: { id: string; '@odata.type': string }[];
    };
    expect(items.value.map((x) => x['@odata.type'])).toEqual(['#microsoft.graph.itemAttachment']);
    const expanded = (await app
      .api(`/users/${CLAIMS}/messages/${fw.id}/attachments/${items.value[0]!.id}`)
      .expand('microsoft.graph.itemattachment/item')
      .get()) as { item: { subject: string; from: { emailAddress: { address: string } } } };
    expect(expanded.item).toMatchObject({
      subject: 'Estimate 42',
      from: { emailAddress: { address: 'garage@example.net' } },
    });
    expect([...new Uint8Array(await bytes.arrayBuffer())]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
  });

  it('answers like Graph: malformed id, unknown id, no mailbox, access policy, FullAccess, bad query, unknown segment', async () => {
    const e1 = await fail(app.api(`/users/${CLAIMS}/messages/not-an-id!`).get());
    expect([e1.statusCode, e1.code, e1.message]).toEqual([
      400,
      'ErrorInvalidIdMalformed',
      'Id is malformed.',
    ]);
    const msg = await emu.control.deliverMessage(CLAIMS, { subject: 'x' });
    await emu.control.deleteMessage(CLAIMS, msg.id);
    const e2 = await fail(app.api(`/users/${CLAIMS}/messages/${msg.id}`).get());
    expect([e2.statusCode, e2.code, e2.message]).toEqual([
      404,
      'ErrorItemNotFound',
      'The specified object was not found in the store.',
    ]);
    expect(e2.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const e3 = await fail(app.api(`/users/${C.noMailboxUser}/messages`).get());
    expect([e3.statusCode, e3.code]).toEqual([404, 'MailboxNotEnabledForRESTAPI']);
    const customer = graphClient(emu, await customerAppToken(emu));
    expect(
      ((await customer.api(`/users/${CLAIMS}/messages`).get()) as { value: unknown[] }).value.length,
    ).toBeGreaterThan(0);
    const e4 = await fail(customer.api(`/users/${C.handlers[0]}/mailFolders/inbox/messages`).get());
    expect([e4.statusCode, e4.code, e4.message]).toEqual([
      403,
      'ErrorAccessDenied',
      'Access to OData is disabled.',
    ]);
    const handler = graphClient(
      emu,
      await delegatedToken(emu, C.handlers[0], ['Mail.Read', 'Mail.Read.Shared']),
    );
    expect(
      ((await handler.api(`/users/${CLAIMS}/mailFolders('Inbox')/messages`).get()) as { value: unknown[] })
        .value.length,
    ).toBeGreaterThan(0);
    expect(
      ((await handler.api('/me/mailFolders/inbox/messages').get()) as { value: unknown[] }).value,
    ).toEqual([]);
    const admin = graphClient(emu, await delegatedToken(emu, C.admin, ['Mail.Read', 'Mail.Read.Shared']));
    const e5 = await fail(admin.api(`/users/${CLAIMS}/messages`).get());
    expect([e5.statusCode, e5.code]).toEqual([403, 'ErrorAccessDenied']);
    const e6 = await fail(app.api(`/users/${CLAIMS}/messages`).select('nope').get());
    expect([e6.statusCode, e6.code]).toEqual([400, 'RequestBroker--ParseUri']);
    const e7 = await fail(app.api(`/users/${CLAIMS}/messages`).filter("subject eq 'open").get());
    expect([e7.statusCode, e7.code]).toEqual([400, 'BadRequest']);
    const e8 = await fail(app.api(`/users/${CLAIMS}/mailFoldrs`).get());
    expect([e8.statusCode, e8.code]).toEqual([400, 'BadRequest']);
    const e9 = await fail(app.api(`/users/${CLAIMS}/mailFolders/nosuchfolder/messages`).get());
    expect([e9.statusCode, e9.code]).toEqual([400, 'ErrorInvalidIdMalformed']);
  });

  it('immutable ids survive a move; REST ids do not (Prefer: IdType="ImmutableId" → Preference-Applied)', async () => {
    const d = await emu.control.deliverMessage(CLAIMS, { subject: 'moving' });
    const res = (await app
      .api(`/users/${CLAIMS}/messages/${d.immutableId}`)
      .headers(IMMUTABLE)
      .responseType('raw' as never)
      .get()) as Response;
    expect(res.headers.get('preference-applied')).toBe('IdType="ImmutableId"');
    expect(((await res.json()) as { id: string }).id).toBe(d.immutableId);
    await emu.control.moveMessage(CLAIMS, d.id, 'archive');
    const byImmutable = (await app
      .api(`/users/${CLAIMS}/messages/${d.immutableId}`)
      .headers(IMMUTABLE)
      .get()) as { id: string; subject: string; parentFolderId: string };
    expect([byImmutable.id, byImmutable.subject]).toEqual([d.immutableId, 'moving']);
    const e = await fail(app.api(`/users/${CLAIMS}/messages/${d.id}`).get());
    expect(e.code).toBe('ErrorItemNotFound');
    const archive = (await app.api(`/users/${CLAIMS}/mailFolders/archive`).get()) as { id: string };
    expect(byImmutable.parentFolderId).toBe(archive.id);
  });

  it('Mail.ReadBasic: headers and metadata, but no body, attachments or extended properties', async () => {
    const d = await emu.control.deliverGenerated(C.handlers[1], { seed: 2, pdfs: 1, jpegs: 0 });
    // An app that only ever asks for Mail.ReadBasic (the Mailroom app's admin consent would add Mail.ReadWrite to the token).
    const appId = 'b0b0b0b0-1111-4222-8333-444455556666';
    await emu.control.registerApp(C.tenantId, {
      appId,
      displayName: 'Basic reader',
      redirectUris: [DEMO.mailroomApp.redirectUri],
      secrets: [{ value: 'basic-reader-secret' }],
      delegatedPermissions: ['Mail.ReadBasic'],
    });
    await emu.control.grantConsent(C.tenantId, appId, { user: C.handlers[1], delegated: ['Mail.ReadBasic'] });
    const cca = msalApp(emu, { clientId: appId, clientSecret: 'basic-reader-secret' }, C.tenantId);
    const basic = graphClient(
      emu,
      (
        await signInWithMsal(emu, cca, {
          username: C.handlers[1],
          password: C.password,
          scopes: ['Mail.ReadBasic'],
        })
      ).accessToken,
    );
    const m = (await basic.api(`/me/messages/${d.id}`).get()) as Record<string, unknown>;
    expect(m.subject).toBe(d.subject);
    expect(m.hasAttachments).toBe(true);
    expect(m.body).toBeUndefined();
    expect(m.bodyPreview).toBeUndefined();
    expect((await fail(basic.api(`/me/messages/${d.id}/attachments`).get())).code).toBe('ErrorAccessDenied');
    expect((await fail(basic.api(`/me/messages/${d.id}/$value`).get())).statusCode).toBe(403);
    const full = graphClient(emu, await delegatedToken(emu, C.handlers[1], ['Mail.Read']));
    expect(((await full.api(`/me/messages/${d.id}`).get()) as { body: unknown }).body).toBeDefined();
  });
});
