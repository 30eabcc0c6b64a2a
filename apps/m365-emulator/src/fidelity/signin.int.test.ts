import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import type { SignInPageError } from '../testing/browser.ts';
import { EntraBrowser, parseForms } from '../testing/browser.ts';
import { authorizeUrl, rawClient } from './raw.ts';
import { decode } from './helpers.ts';

const C = DEMO.contoso;
const M = DEMO.mailroomApp;

describe('sign-in pages, prompt values, consent and admin consent', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await createEmulator();
  });
  afterAll(() => emu.close());

  it('login_hint pre-fills the username field of a real HTML form', async () => {
    const page = await new EntraBrowser(emu.caPem).request(authorizeUrl(emu, { loginHint: C.handlers[0] }));
    expect(page.status).toBe(200);
    const [form] = parseForms(page.html);
    expect(form?.id).toBe('signin');
    expect(form?.fields.login).toBe(C.handlers[0]);
    expect(page.html).toContain('name="passwd"');
  });

  it('a first sign-in to a multi-tenant app shows the consent page; declining redirects with access_denied (AADSTS65004)', async () => {
    const browser = new EntraBrowser(emu.caPem);
    const back = await browser.signIn(
      authorizeUrl(emu, { scope: 'openid offline_access User.Read Mail.ReadWrite' }),
      { username: C.handlers[1], password: C.password, consent: 'decline' },
    );
    expect(back.url.origin + back.url.pathname).toBe(M.redirectUri);
    expect(back.params.get('error')).toBe('access_denied');
    expect(back.params.get('error_description')).toMatch(
      /^AADSTS65004: User declined to consent to access the app\./,
    );
    expect(back.params.get('state')).toBe('st-1');
  });

  it('the consent page lists the requested permissions; a user consent then lets the user in without a prompt', async () => {
    const browser = new EntraBrowser(emu.caPem);
    const page = await browser.request(
      authorizeUrl(emu, { scope: 'openid offline_access Mail.ReadWrite', loginHint: C.handlers[0] }),
    );
    const login = parseForms(page.html)[0]!;
    const consent = await browser.request(new URL(login.action, emu.url).toString(), {
      form: { ...login.fields, passwd: C.password },
    });
    expect(parseForms(consent.html)[0]?.id).toBe('consent');
    expect(consent.html).toContain('data-permission="Mail.ReadWrite"');
    expect(consent.html).toContain('data-permission="offline_access"');
    expect(consent.html).not.toContain('Consent on behalf of your organization'); // not an admin
    const form = parseForms(consent.html)[0]!;
    const done = await browser.request(new URL(form.action, emu.url).toString(), {
      form: { ...form.fields, accept: 'true' },
    });
    expect(done.status).toBe(302);
    expect(new URL(done.location!).searchParams.get('code')).toBeTruthy();
    // Same browser, same scopes: the session and the consent are reused (no page at all).
    const again = await browser.signIn(authorizeUrl(emu, { scope: 'openid offline_access Mail.ReadWrite' }));
    expect(again.params.get('code')).toBeTruthy();
    const other = await new EntraBrowser(emu.caPem).signIn(
      authorizeUrl(emu, { scope: 'openid User.Read', loginHint: C.handlers[1] }),
      { username: C.handlers[1], password: C.password },
    );
    expect(other.params.get('code')).toBeTruthy(); // handler 2 consented for themselves only
  });

  it('prompt=select_account shows an account picker of the signed-in accounts', async () => {
    const browser = new EntraBrowser(emu.caPem);
    await browser.signIn(authorizeUrl(emu), {
      username: C.admin,
      password: C.password,
      consentForOrganization: true,
    });
    const picker = await browser.request(authorizeUrl(emu, { prompt: 'select_account' }));
    expect(parseForms(picker.html)[0]?.id).toBe('picker');
    expect(picker.html).toContain(`data-upn="${C.admin}"`);
    const back = await browser.signIn(authorizeUrl(emu, { prompt: 'select_account' }), {
      pickAccount: C.admin,
    });
    expect(back.params.get('code')).toBeTruthy();
    // "Use another account" leads to the credentials form.
    const other = await browser.signIn(authorizeUrl(emu, { prompt: 'select_account' }), {
      username: C.handlers[0],
      password: C.password,
    });
    expect(other.params.get('code')).toBeTruthy();
  });

  it('prompt=login asks for credentials even with a session; prompt=none fails with login_required without one', async () => {
    const browser = new EntraBrowser(emu.caPem);
    await browser.signIn(authorizeUrl(emu), { username: C.admin, password: C.password });
    const page = await browser.request(authorizeUrl(emu, { prompt: 'login' }));
    expect(parseForms(page.html)[0]?.id).toBe('signin');
    const none = await new EntraBrowser(emu.caPem).signIn(authorizeUrl(emu, { prompt: 'none' }));
    expect(none.params.get('error')).toBe('login_required');
    expect(none.params.get('error_description')).toMatch(/^AADSTS50058: /);
  });

  it('response_mode=form_post posts code and state; nonce and client_info reach the tokens', async () => {
    const browser = new EntraBrowser(emu.caPem);
    const url =
      authorizeUrl(emu, { responseMode: 'form_post', nonce: 'n-123', state: 'abc' }) + '&client_info=1';
    const back = await browser.signIn(url, { username: C.admin, password: C.password });
    expect(back.mode).toBe('form_post');
    expect(back.params.get('state')).toBe('abc');
    const code = back.params.get('code')!;
    const res = await rawClient(emu).token('organizations', {
      grant_type: 'authorization_code',
      client_id: M.clientId,
      client_secret: M.clientSecret,
      code,
      redirect_uri: M.redirectUri,
      scope: 'openid profile offline_access User.Read',
      client_info: '1',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      ext_expires_in: expect.any(Number),
    });
    const id = decode(res.body.id_token as string);
    expect(id).toMatchObject({
      nonce: 'n-123',
      tid: C.tenantId,
      iss: `${emu.url}/${C.tenantId}/v2.0`,
      aud: M.clientId,
      ver: '2.0',
    });
    expect(JSON.parse(Buffer.from(res.body.client_info as string, 'base64url').toString())).toEqual({
      uid: id.oid,
      utid: C.tenantId,
    });
  });

  it('admin consent (/v2.0/adminconsent) creates the service principal and grants application permissions', async () => {
    const emu2 = await createEmulator();
    try {
      const q = new URLSearchParams({
        client_id: M.clientId,
        scope: 'https://graph.microsoft.com/.default',
        redirect_uri: M.adminConsentRedirectUri,
        state: 'ac-1',
      });
      const nonAdmin = await new EntraBrowser(emu2.caPem)
        .signIn(`${emu2.url}/organizations/v2.0/adminconsent?${q}`, {
          username: C.handlers[0],
          password: C.password,
        })
        .catch((e: unknown) => e);
      expect((nonAdmin as SignInPageError).aadsts).toBe(90094);
      const back = await new EntraBrowser(emu2.caPem).signIn(
        `${emu2.url}/organizations/v2.0/adminconsent?${q}`,
        { username: C.admin, password: C.password },
      );
      expect(Object.fromEntries(back.params)).toEqual({
        admin_consent: 'True',
        tenant: C.tenantId,
        scope: 'https://graph.microsoft.com/.default',
        state: 'ac-1',
      });
      const res = await rawClient(emu2).token(C.tenantId, {
        grant_type: 'client_credentials',
        client_id: M.clientId,
        client_secret: M.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      });
      expect(res.status).toBe(200);
      expect(decode(res.body.access_token as string).roles).toEqual(
        expect.arrayContaining(['Mail.ReadWrite', 'Mail.Send', 'MailboxSettings.ReadWrite', 'User.Read.All']),
      );
    } finally {
      await emu2.close();
    }
  });

  it('a single-tenant app used through /organizations → AADSTS50194; from another tenant → AADSTS700016', async () => {
    const err = (await new EntraBrowser(emu.caPem)
      .signIn(authorizeUrl(emu, { clientId: DEMO.customerApp.clientId }), {})
      .catch((e: unknown) => e)) as SignInPageError;
    expect(err.aadsts).toBe(50194);
    const err2 = (await new EntraBrowser(emu.caPem)
      .signIn(authorizeUrl(emu, { clientId: DEMO.customerApp.clientId, tenant: DEMO.publisher.tenantId }), {})
      .catch((e: unknown) => e)) as SignInPageError;
    expect(err2.aadsts).toBe(700016);
  });

  it('a user of another tenant signing in on a tenant-specific authority → AADSTS50020', async () => {
    const err = (await new EntraBrowser(emu.caPem)
      .signIn(authorizeUrl(emu, { tenant: C.tenantId }), {
        username: DEMO.publisher.developer,
        password: DEMO.publisher.password,
      })
      .catch((e: unknown) => e)) as SignInPageError;
    expect(err.aadsts).toBe(50020);
  });
});
