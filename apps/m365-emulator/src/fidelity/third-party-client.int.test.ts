import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { createCaFetch } from '../testing/fetch.ts';
import { WebhookReceiver } from '../testing/webhook.ts';
import { fail, graphClient, IMMUTABLE, mailroomAppToken } from './mail-helpers.ts';

/**
 * The four gaps a third-party Graph client (EmailEngine, behind a proxy answering as
 * graph.microsoft.com) found, and the sandbox's mail surviving restarts (issue 22 §1.7).
 */
const C = DEMO.contoso;
const CLAIMS = C.sharedMailboxes[0];

describe('what a third-party Graph client needs (EmailEngine)', () => {
  let emu: Emulator;
  let app: Client;
  let token: string;
  beforeAll(async () => {
    emu = await createEmulator({ demoMail: false });
    token = await mailroomAppToken(emu);
    app = graphClient(emu, token);
  });
  afterAll(async () => {
    await emu.close();
  });

  it('a nested $select inside $expand=attachments(...) picks the attachment properties, as Graph does', async () => {
    await emu.control.deliverMessage(CLAIMS, {
      subject: 'with a form',
      attachments: [
        {
          '@odata.type': '#microsoft.graph.fileAttachment',
          name: 'form.pdf',
          contentType: 'application/pdf',
          contentBytes: Buffer.from('%PDF-1.4 x').toString('base64'),
        },
      ],
    });
    const page = (await app
      .api(`/users/${CLAIMS}/mailFolders/inbox/messages`)
      .query({ $select: 'subject', $expand: 'attachments($select=id,name,size,contentType,isInline)' })
      .get()) as { value: { subject: string; attachments: Record<string, unknown>[] }[] };
    const att = page.value.find((m) => m.subject === 'with a form')!.attachments[0]!;
    expect(Object.keys(att).sort()).toEqual(
      ['@odata.type', 'contentType', 'id', 'isInline', 'name', 'size'].sort(),
    );
    expect(att).toMatchObject({
      name: 'form.pdf',
      size: 10,
      contentType: 'application/pdf',
      isInline: false,
    });
    // The expanded collection is typed as the base attachment: a fileAttachment property needs its cast.
    const bad = await fail(
      app.api(`/users/${CLAIMS}/messages`).query({ $expand: 'attachments($select=name,contentBytes)' }).get(),
    );
    expect([bad.statusCode, bad.message]).toEqual([
      400,
      "Parsing OData Select and Expand failed: Could not find a property named 'contentBytes' on type 'microsoft.graph.attachment'.",
    ]);
    const cast = (await app
      .api(`/users/${CLAIMS}/messages`)
      .query({ $expand: 'attachments($select=name,microsoft.graph.fileAttachment/contentBytes)' })
      .get()) as { value: { subject: string; attachments: Record<string, unknown>[] }[] };
    expect(cast.value.find((m) => m.subject === 'with a form')!.attachments[0]!.contentBytes).toBe(
      Buffer.from('%PDF-1.4 x').toString('base64'),
    );
  });

  it('@odata links and discovery documents point at the host the client called (Host, or a proxy’s X-Forwarded-Host)', async () => {
    const f = createCaFetch(emu.caPem);
    const auth = { authorization: `Bearer ${token}` };
    for (let i = 0; i < 3; i++) await emu.control.deliverMessage(CLAIMS, { subject: `page ${i}` });
    const get = async (url: string, headers: Record<string, string> = {}) =>
      (await (await f(url, { headers: { ...auth, ...headers } })).json()) as Record<string, string>;

    // Through a proxy that answers as graph.microsoft.com.
    const proxied = { 'x-forwarded-host': 'graph.microsoft.com', 'x-forwarded-proto': 'https' };
    const list = await get(`${emu.url}/v1.0/users/${CLAIMS}/messages?$top=1`, proxied);
    expect(list['@odata.context']).toMatch(/^https:\/\/graph\.microsoft\.com\/v1\.0\/\$metadata#/);
    expect(list['@odata.nextLink']).toMatch(/^https:\/\/graph\.microsoft\.com\/v1\.0\/users\//);
    let delta = await get(`${emu.url}/v1.0/users/${CLAIMS}/mailFolders/inbox/messages/delta`, {
      ...proxied,
      prefer: 'odata.maxpagesize=2',
    });
    expect(delta['@odata.nextLink']).toMatch(
      /^https:\/\/graph\.microsoft\.com\/v1\.0\/users\/.+\/delta\?\$skiptoken=/,
    );
    // The link works when the proxy sends it back to the emulator.
    while (delta['@odata.nextLink'])
      delta = await get(delta['@odata.nextLink'].replace('https://graph.microsoft.com', emu.url), proxied);
    expect(delta['@odata.deltaLink']).toMatch(
      /^https:\/\/graph\.microsoft\.com\/v1\.0\/users\/.+\/delta\?\$deltatoken=/,
    );
    const batch = (await (
      await f(`${emu.url}/v1.0/$batch`, {
        method: 'POST',
        headers: { ...auth, ...proxied, 'content-type': 'application/json' },
        body: JSON.stringify({
          requests: [{ id: '1', method: 'GET', url: `/users/${CLAIMS}/messages?$top=1` }],
        }),
      })
    ).json()) as { responses: { body: Record<string, string> }[] };
    expect(batch.responses[0]!.body['@odata.nextLink']).toMatch(/^https:\/\/graph\.microsoft\.com\//);

    const login = { 'x-forwarded-host': 'login.microsoftonline.com' };
    const oidc = await get(`${emu.url}/${C.tenantId}/v2.0/.well-known/openid-configuration`, login);
    expect(oidc.issuer).toBe(`https://login.microsoftonline.com/${C.tenantId}/v2.0`);
    expect(oidc.token_endpoint).toBe(`https://login.microsoftonline.com/${C.tenantId}/oauth2/v2.0/token`);
    expect(oidc.jwks_uri).toMatch(/^https:\/\/login\.microsoftonline\.com\//);

    // Called by another name of the same machine (Host): links under that name.
    const byAddress = emu.url.replace('//localhost', '//127.0.0.1');
    const direct = await get(`${byAddress}/v1.0/users/${CLAIMS}/messages?$top=1`);
    expect(direct['@odata.nextLink']!.startsWith(`${byAddress}/v1.0/`)).toBe(true);
    // And by its own name, as before.
    expect(
      (await get(`${emu.url}/v1.0/users/${CLAIMS}/messages?$top=1`))['@odata.nextLink']!.startsWith(
        `${emu.url}/v1.0/`,
      ),
    ).toBe(true);
  });

  it('a notification answered within 10 s is delivered (Microsoft’s limit), not retried as after 3 s; a 403 is retried', async () => {
    expect((await emu.control.getNotificationSettings()).deliveryTimeoutMs).toBe(10_000);
    const hook = await new WebhookReceiver().start(emu.issueServerCertificate());
    try {
      const sub = (await app.api('/subscriptions').post({
        changeType: 'created',
        notificationUrl: `${hook.url}/slow`,
        resource: `users/${CLAIMS}/messages`,
        expirationDateTime: new Date(emu.state.clock.now() + 3600_000).toISOString(),
        clientState: 's',
      })) as { id: string };
      hook.behaviour = ({ query }) =>
        query.has('validationToken') ? undefined : { status: 202, delayMs: 3500 };
      const since = (await emu.control.notificationLog()).at(-1)?.seq ?? 0;
      await emu.control.deliverMessage(CLAIMS, { subject: 'slow but in time' });
      await hook.waitFor(() => hook.items('/slow').length >= 1, 15_000);
      for (let i = 0; i < 100; i++) {
        if ((await emu.control.notificationLog(since)).some((r) => r.kind === 'notification')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const log = (await emu.control.notificationLog(since)).filter((r) => r.kind === 'notification');
      expect(log.map((r) => [r.attempt, r.result, r.delivered])).toEqual([[1, 202, true]]);

      // Any answer but a 2xx — a 403 too — is retried (for up to 4 h), not dropped.
      await emu.control.setNotificationSettings({ retryBaseMs: 50, retryMaxDelayMs: 100 });
      let refusals = 2;
      hook.behaviour = ({ query }) =>
        query.has('validationToken') ? undefined : refusals-- > 0 ? { status: 403 } : undefined;
      const since2 = (await emu.control.notificationLog()).at(-1)!.seq;
      await emu.control.deliverMessage(CLAIMS, { subject: 'refused twice' });
      for (let i = 0; i < 200; i++) {
        if ((await emu.control.notificationLog(since2)).some((r) => r.delivered)) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(
        (await emu.control.notificationLog(since2))
          .filter((r) => r.kind === 'notification')
          .map((r) => [r.attempt, r.result]),
      ).toEqual([
        [1, 403],
        [2, 403],
        [3, 202],
      ]);
      hook.behaviour = undefined;
      await app.api(`/subscriptions/${sub.id}`).delete();
    } finally {
      await hook.close();
    }
  }, 30_000);
});

describe('ids and mail across emulator restarts', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'emu-restart-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('an immutable id is never reused after a restart (Exchange never reuses an id)', async () => {
    const dir = dataDir();
    let emu = await createEmulator({ demoMail: false, dataDir: dir });
    const before = await emu.control.deliverMessage(CLAIMS, { subject: 'before the restart' });
    await emu.close();
    emu = await createEmulator({ demoMail: false, dataDir: dir });
    try {
      const after = await emu.control.deliverMessage(CLAIMS, { subject: 'after the restart' });
      expect(after.immutableId).not.toBe(before.immutableId);
      expect(after.id).not.toBe(before.id);
      const app = graphClient(emu, await mailroomAppToken(emu));
      const gone = await fail(
        app.api(`/users/${CLAIMS}/messages/${before.immutableId}`).headers(IMMUTABLE).get(),
      );
      expect(gone.statusCode).toBe(404);
    } finally {
      await emu.close();
    }
  });

  it('with snapshots (the sandbox), mail, categories and sent items survive a restart under the same ids', async () => {
    const dir = dataDir();
    let emu = await createEmulator({ dataDir: dir, loadSnapshot: true });
    const app = graphClient(emu, await mailroomAppToken(emu));
    const demoCount = (await emu.control.mailStats()).messages;
    expect(demoCount).toBeGreaterThan(100);
    const test = await emu.control.deliverMessage(CLAIMS, {
      subject: 'A test email',
      attachments: [
        {
          '@odata.type': '#microsoft.graph.fileAttachment',
          name: 'note.txt',
          contentType: 'text/plain',
          contentBytes: Buffer.from('kept').toString('base64'),
        },
      ],
    });
    await app
      .api(`/users/${CLAIMS}/outlook/masterCategories`)
      .post({ displayName: 'Mailroom: routed', color: 'preset4' });
    await app.api(`/users/${CLAIMS}/messages/${test.id}`).patch({ categories: ['Mailroom: routed'] });
    await app.api(`/users/${CLAIMS}/sendMail`).post({
      message: {
        subject: 'Sent from the sandbox',
        body: { contentType: 'text', content: 'hello' },
        toRecipients: [{ emailAddress: { address: 'someone@example.com' } }],
      },
    });
    await emu.control.saveSnapshot();
    await emu.close();

    emu = await createEmulator({ dataDir: dir, loadSnapshot: true });
    try {
      const again = graphClient(emu, await mailroomAppToken(emu));
      // The demo mail is not generated a second time.
      expect((await emu.control.mailStats()).messages).toBe(demoCount + 2);
      const kept = (await again
        .api(`/users/${CLAIMS}/messages/${test.immutableId}`)
        .headers(IMMUTABLE)
        .expand('attachments')
        .get()) as { subject: string; categories: string[]; attachments: { contentBytes: string }[] };
      expect(kept.subject).toBe('A test email');
      expect(kept.categories).toEqual(['Mailroom: routed']);
      expect(Buffer.from(kept.attachments[0]!.contentBytes, 'base64').toString()).toBe('kept');
      const cats = (await again.api(`/users/${CLAIMS}/outlook/masterCategories`).get()) as {
        value: { displayName: string }[];
      };
      expect(cats.value.map((c) => c.displayName)).toContain('Mailroom: routed');
      const sent = (await again.api(`/users/${CLAIMS}/mailFolders/sentitems/messages`).get()) as {
        value: { subject: string }[];
      };
      expect(sent.value.map((m) => m.subject)).toContain('Sent from the sandbox');
      // New mail after the restart gets new ids.
      const fresh = await emu.control.deliverMessage(CLAIMS, { subject: 'after' });
      expect(fresh.immutableId).not.toBe(test.immutableId);
    } finally {
      await emu.close();
    }
  }, 60_000);
});
