import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { EntraBrowser, SignInPageError } from '../testing/browser.ts';
import { authorizeUrl, expectAadError, getCode, pkcePair, rawClient } from './raw.ts';

const C = DEMO.contoso;
const M = DEMO.mailroomApp;
const X = DEMO.customerApp;
const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';

describe('AADSTS failures with Entra’s wire shape', () => {
  let emu: Emulator;
  let raw: ReturnType<typeof rawClient>;
  beforeAll(async () => {
    emu = await createEmulator();
    raw = rawClient(emu);
    // Mailroom is admin-consented in Contoso for these tests (delegated + application).
    await emu.control.grantConsent(C.tenantId, M.clientId);
  });
  afterAll(() => emu.close());

  const codeGrant = (code: string, extra: Record<string, string> = {}) => ({
    grant_type: 'authorization_code',
    client_id: M.clientId,
    client_secret: M.clientSecret,
    code,
    redirect_uri: M.redirectUri,
    scope: 'openid profile offline_access User.Read',
    ...extra,
  });

  describe('sign-in failures (HTML pages and the password grant)', () => {
    it('wrong password → AADSTS50126', async () => {
      const err = await new EntraBrowser(emu.caPem)
        .signIn(authorizeUrl(emu), { username: C.admin, password: 'nope' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SignInPageError);
      expect((err as SignInPageError).aadsts).toBe(50126);
      expect((err as SignInPageError).message).toBe(
        'AADSTS50126: Error validating credentials due to invalid username or password.',
      );
      const res = await raw.token(C.tenantId, {
        grant_type: 'password',
        client_id: X.clientId,
        client_secret: X.clientSecret,
        username: C.admin,
        password: 'nope',
        scope: 'User.Read',
      });
      expectAadError(expect, res, { status: 400, error: 'invalid_grant', code: 50126 });
    });

    it('disabled user → AADSTS50057', async () => {
      const u = await emu.control.createUser(C.tenantId, {
        userPrincipalName: 'disabled@contoso-insurance.com',
        displayName: 'Disabled',
        password: 'Pass-1!',
      });
      await emu.control.disableUser(u.id);
      const err = (await new EntraBrowser(emu.caPem)
        .signIn(authorizeUrl(emu), { username: u.userPrincipalName, password: 'Pass-1!' })
        .catch((e: unknown) => e)) as SignInPageError;
      expect(err.aadsts).toBe(50057);
      expect(err.message).toBe('AADSTS50057: The user account is disabled.');
      const res = await raw.token(C.tenantId, {
        grant_type: 'password',
        client_id: X.clientId,
        client_secret: X.clientSecret,
        username: u.userPrincipalName,
        password: 'Pass-1!',
        scope: 'User.Read',
      });
      expectAadError(expect, res, { status: 400, error: 'invalid_grant', code: 50057 });
    });

    it('deleted or unknown user → AADSTS50034', async () => {
      const u = await emu.control.createUser(C.tenantId, {
        userPrincipalName: 'gone@contoso-insurance.com',
        displayName: 'Gone',
        password: 'Pass-1!',
      });
      await emu.control.deleteUser(u.userPrincipalName);
      for (const username of [u.userPrincipalName, 'nobody@contoso-insurance.com']) {
        const err = (await new EntraBrowser(emu.caPem)
          .signIn(authorizeUrl(emu), { username, password: 'Pass-1!' })
          .catch((e: unknown) => e)) as SignInPageError;
        expect(err.aadsts).toBe(50034);
        expect(err.message).toMatch(
          /^AADSTS50034: The user account \{EUII Hidden\} does not exist in the Contoso Insurance directory\./,
        );
        const res = await raw.token(C.tenantId, {
          grant_type: 'password',
          client_id: X.clientId,
          client_secret: X.clientSecret,
          username,
          password: 'Pass-1!',
          scope: 'User.Read',
        });
        expectAadError(expect, res, { status: 400, error: 'invalid_grant', code: 50034 });
      }
    });
  });

  describe('authorization codes', () => {
    it('a code redeemed twice → AADSTS54005', async () => {
      const code = await getCode(emu, { username: C.admin, password: C.password });
      const ok = await raw.token('organizations', codeGrant(code));
      expect(ok.status).toBe(200);
      const correlationId = randomUUID();
      const res = await raw.token('organizations', codeGrant(code), { 'client-request-id': correlationId });
      expectAadError(expect, res, { status: 400, error: 'invalid_grant', code: 54005, correlationId });
    });

    it('PKCE verifier mismatch → AADSTS501481 (S256), and plain PKCE works', async () => {
      const { challenge } = pkcePair();
      const code = await getCode(emu, { username: C.admin, password: C.password, challenge, method: 'S256' });
      const res = await raw.token('organizations', codeGrant(code, { code_verifier: pkcePair().verifier }));
      expectAadError(expect, res, { status: 400, error: 'invalid_grant', code: 501481 });
      const plain = 'a-plain-verifier-that-is-long-enough-0123456789';
      const code2 = await getCode(emu, {
        username: C.admin,
        password: C.password,
        challenge: plain,
        method: 'plain',
      });
      expect((await raw.token('organizations', codeGrant(code2, { code_verifier: plain }))).status).toBe(200);
    });

    it('an expired code → AADSTS70008', async () => {
      const emu2 = await createEmulator({ tokenLifetimes: { authCodeSeconds: 600 } });
      try {
        await emu2.control.grantConsent(C.tenantId, M.clientId);
        const code = await getCode(emu2, { username: C.admin, password: C.password });
        await emu2.control.advanceClock(601);
        expectAadError(expect, await rawClient(emu2).token('organizations', codeGrant(code)), {
          status: 400,
          error: 'invalid_grant',
          code: 70008,
        });
      } finally {
        await emu2.close();
      }
    });

    it('redirect URI not registered → AADSTS50011 (sign-in page, and token endpoint)', async () => {
      const err = (await new EntraBrowser(emu.caPem)
        .signIn(authorizeUrl(emu, { redirectUri: 'http://localhost:4000/evil' }), {
          username: C.admin,
          password: C.password,
        })
        .catch((e: unknown) => e)) as SignInPageError;
      expect(err).toBeInstanceOf(SignInPageError);
      expect(err.aadsts).toBe(50011);
      expect(err.message).toBe(
        `AADSTS50011: The redirect URI 'http://localhost:4000/evil' specified in the request does not match the redirect URIs configured for the application '${M.clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
      );
      const code = await getCode(emu, { username: C.admin, password: C.password });
      const res = await raw.token(
        'organizations',
        codeGrant(code, { redirect_uri: 'http://localhost:4000/evil' }),
      );
      expectAadError(expect, res, { status: 400, error: 'invalid_request', code: 50011 });
    });
  });

  describe('refresh tokens', () => {
    const signInForRefresh = async (username: string, password: string) => {
      const code = await getCode(emu, { username, password });
      const res = await raw.token('organizations', codeGrant(code));
      expect(res.status).toBe(200);
      return res.body.refresh_token as string;
    };
    const refresh = (rt: string, scope = 'openid profile offline_access User.Read') =>
      raw.token('organizations', {
        grant_type: 'refresh_token',
        client_id: M.clientId,
        client_secret: M.clientSecret,
        refresh_token: rt,
        scope,
      });

    it('rotates: every refresh returns a new refresh token', async () => {
      const rt1 = await signInForRefresh(C.admin, C.password);
      const r = await refresh(rt1);
      expect(r.status).toBe(200);
      expect(r.body.refresh_token).toEqual(expect.any(String));
      expect(r.body.refresh_token).not.toBe(rt1);
    });

    it('after a password reset → AADSTS50173 with the grant and TokensValidFrom dates', async () => {
      const u = await emu.control.createUser(C.tenantId, {
        userPrincipalName: 'pw.reset@contoso-insurance.com',
        displayName: 'Pw Reset',
        password: 'Pass-1!',
      });
      const rt = await signInForRefresh(u.userPrincipalName, 'Pass-1!');
      await emu.control.resetPassword(u.id, 'Pass-2!');
      const res = await refresh(rt);
      expectAadError(expect, res, {
        status: 400,
        error: 'invalid_grant',
        code: 50173,
        message:
          /^AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed\. The user might have changed or reset their password\. The grant was issued on '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z' and the TokensValidFrom date \(before which tokens are not valid\) for this user is '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z'\./,
      });
    });

    it('after "revoke sessions" → AADSTS50173, and the browser session is gone too', async () => {
      const u = await emu.control.createUser(C.tenantId, {
        userPrincipalName: 'revoke@contoso-insurance.com',
        displayName: 'Revoke',
        password: 'Pass-1!',
      });
      const browser = new EntraBrowser(emu.caPem);
      const code = await getCode(emu, { username: u.userPrincipalName, password: 'Pass-1!', browser });
      const rt = (await raw.token('organizations', codeGrant(code))).body.refresh_token as string;
      await emu.control.revokeSessions(u.userPrincipalName);
      expectAadError(expect, await refresh(rt), { status: 400, error: 'invalid_grant', code: 50173 });
      const silent = await browser.signIn(
        authorizeUrl(emu, { prompt: 'none', loginHint: u.userPrincipalName }),
      );
      expect(silent.params.get('error')).toBe('login_required');
      expect(silent.params.get('error_description')).toMatch(/^AADSTS50058: /);
    });

    it('idle longer than the configured lifetime → AADSTS700082 with suberror bad_token', async () => {
      const rt = await signInForRefresh(C.admin, C.password);
      const lifetimes = await emu.control.getTokenLifetimes();
      await emu.control.setTokenLifetimes({ refreshTokenIdleSeconds: 5 });
      await emu.control.advanceClock(6);
      try {
        expectAadError(expect, await refresh(rt), {
          status: 400,
          error: 'invalid_grant',
          code: 700082,
          suberror: 'bad_token',
          message:
            /^AADSTS700082: The refresh token has expired due to inactivity\. The token was issued on \S+ and was inactive for 00:00:05\./,
        });
      } finally {
        await emu.control.setTokenLifetimes({ refreshTokenIdleSeconds: lifetimes.refreshTokenIdleSeconds });
      }
    });

    it('consent missing → AADSTS65001 consent_required (scope never granted, or consent withdrawn)', async () => {
      const rt = await signInForRefresh(C.admin, C.password);
      const res = await refresh(rt, 'openid offline_access Mail.Read');
      expectAadError(expect, res, {
        status: 400,
        error: 'invalid_grant',
        code: 65001,
        suberror: 'consent_required',
      });
      expect(res.body.error_description).toMatch(
        new RegExp(
          `^AADSTS65001: The user or administrator has not consented to use the application with ID '${M.clientId}' named 'Mailroom'\\.`,
        ),
      );
      await emu.control.withdrawConsent(C.tenantId, M.clientId);
      try {
        expectAadError(expect, await refresh(rt), {
          status: 400,
          error: 'invalid_grant',
          code: 65001,
          suberror: 'consent_required',
        });
      } finally {
        await emu.control.grantConsent(C.tenantId, M.clientId);
      }
    });
  });

  describe('client authentication and tenancy', () => {
    it('app not in the tenant → AADSTS700016 (unauthorized_client)', async () => {
      const emu2 = await createEmulator();
      try {
        const res = await rawClient(emu2).token(C.tenantId, {
          grant_type: 'client_credentials',
          client_id: M.clientId,
          client_secret: M.clientSecret,
          scope: GRAPH_DEFAULT,
        });
        expectAadError(expect, res, { status: 400, error: 'unauthorized_client', code: 700016 });
        expect(res.body.error_description).toMatch(
          new RegExp(
            `^AADSTS700016: Application with identifier '${M.clientId}' was not found in the directory 'Contoso Insurance'\\.`,
          ),
        );
        const unknown = await rawClient(emu2).token(C.tenantId, {
          grant_type: 'client_credentials',
          client_id: randomUUID(),
          client_secret: 'x',
          scope: GRAPH_DEFAULT,
        });
        expectAadError(expect, unknown, { status: 400, error: 'unauthorized_client', code: 700016 });
      } finally {
        await emu2.close();
      }
    });

    it('wrong secret → AADSTS7000215 (invalid_client, 401), in the body or with HTTP Basic', async () => {
      const res = await raw.token(C.tenantId, {
        grant_type: 'client_credentials',
        client_id: X.clientId,
        client_secret: 'wrong',
        scope: GRAPH_DEFAULT,
      });
      expectAadError(expect, res, { status: 401, error: 'invalid_client', code: 7000215 });
      const basic = Buffer.from(`${encodeURIComponent(X.clientId)}:${encodeURIComponent('wrong')}`).toString(
        'base64',
      );
      const res2 = await raw.token(
        C.tenantId,
        { grant_type: 'client_credentials', scope: GRAPH_DEFAULT },
        { authorization: `Basic ${basic}` },
      );
      expectAadError(expect, res2, { status: 401, error: 'invalid_client', code: 7000215 });
      const good = Buffer.from(
        `${encodeURIComponent(X.clientId)}:${encodeURIComponent(X.clientSecret)}`,
      ).toString('base64');
      expect(
        (
          await raw.token(
            C.tenantId,
            { grant_type: 'client_credentials', scope: GRAPH_DEFAULT },
            { authorization: `Basic ${good}` },
          )
        ).status,
      ).toBe(200);
    });

    it('expired secret → AADSTS7000222 (invalid_client, 401); a new secret works; no credential → 7000218', async () => {
      const s = await emu.control.addSecret(X.clientId, { displayName: 'rotating' });
      const form = {
        grant_type: 'client_credentials',
        client_id: X.clientId,
        client_secret: s.secretText,
        scope: GRAPH_DEFAULT,
      };
      expect((await raw.token(C.tenantId, form)).status).toBe(200);
      await emu.control.expireSecret(X.clientId, s.keyId);
      expectAadError(expect, await raw.token(C.tenantId, form), {
        status: 401,
        error: 'invalid_client',
        code: 7000222,
      });
      await emu.control.deleteSecret(X.clientId, s.keyId);
      expectAadError(expect, await raw.token(C.tenantId, form), {
        status: 401,
        error: 'invalid_client',
        code: 7000215,
      });
      const none = await raw.token(C.tenantId, {
        grant_type: 'client_credentials',
        client_id: X.clientId,
        scope: GRAPH_DEFAULT,
      });
      expectAadError(expect, none, { status: 401, error: 'invalid_client', code: 7000218 });
    });

    it('client credentials on /common → AADSTS9001023', async () => {
      const res = await raw.token('common', {
        grant_type: 'client_credentials',
        client_id: M.clientId,
        client_secret: M.clientSecret,
        scope: GRAPH_DEFAULT,
      });
      expectAadError(expect, res, { status: 400, error: 'invalid_request', code: 9001023 });
      expect(res.body.error_description).toMatch(
        /^AADSTS9001023: The grant type is not supported over the \/common or \/consumers endpoints\. Please use the \/organizations or tenant-specific endpoint\./,
      );
    });

    it('unknown tenant → AADSTS90002; client credentials without /.default → AADSTS1002012', async () => {
      expectAadError(
        expect,
        await raw.token('nowhere.example', {
          grant_type: 'client_credentials',
          client_id: X.clientId,
          client_secret: X.clientSecret,
          scope: GRAPH_DEFAULT,
        }),
        {
          status: 400,
          error: 'invalid_request',
          code: 90002,
        },
      );
      expectAadError(
        expect,
        await raw.token(C.tenantId, {
          grant_type: 'client_credentials',
          client_id: X.clientId,
          client_secret: X.clientSecret,
          scope: 'Mail.Read',
        }),
        {
          status: 400,
          error: 'invalid_scope',
          code: 1002012,
        },
      );
    });
  });
});
