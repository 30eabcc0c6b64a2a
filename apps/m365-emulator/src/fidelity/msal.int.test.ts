import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { createTestCertificate } from '../testing/certificates.ts';
import { decode, mailroomMsal, msalApp, signInWithMsal } from './helpers.ts';

const C = DEMO.contoso;
const SCOPES = ['User.Read', 'Mail.ReadWrite'];

describe('@azure/msal-node against the emulator', () => {
  let emu: Emulator;
  beforeAll(async () => {
    // 60 s access tokens: inside MSAL's 300 s renewal window, so acquireTokenSilent must refresh.
    emu = await createEmulator({ tokenLifetimes: { accessTokenSeconds: 60 } });
  });
  afterAll(() => emu.close());

  it('signs a user in with auth code + PKCE through the HTML pages (consent for the organisation)', async () => {
    const cca = mailroomMsal(emu);
    const r = await signInWithMsal(emu, cca, {
      username: C.admin,
      password: C.password,
      scopes: SCOPES,
      consentForOrganization: true,
    });
    expect(r.account?.tenantId).toBe(C.tenantId);
    expect(r.account?.username).toBe(C.admin);
    expect(r.account?.homeAccountId).toBe(`${r.uniqueId}.${C.tenantId}`);
    expect(r.idTokenClaims).toMatchObject({
      tid: C.tenantId,
      preferred_username: C.admin,
      name: 'Megan Bowen',
      aud: DEMO.mailroomApp.clientId,
      ver: '2.0',
    });
    expect(r.scopes.map((s) => s.toLowerCase())).toEqual(
      expect.arrayContaining(['user.read', 'mail.readwrite']),
    );
    const at = decode(r.accessToken);
    expect(at).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${C.tenantId}/`,
      tid: C.tenantId,
      appid: DEMO.mailroomApp.clientId,
      upn: C.admin,
      idtyp: 'user',
    });
    expect(String(at.scp).split(' ')).toEqual(expect.arrayContaining(['User.Read', 'Mail.ReadWrite']));
    expect(at.roles).toBeUndefined();
  });

  it('works with the /common authority too (issuer template {tenantid} in the metadata)', async () => {
    const cca = mailroomMsal(emu, 'common');
    const r = await signInWithMsal(emu, cca, {
      username: C.admin,
      password: C.password,
      scopes: ['User.Read'],
    });
    expect(r.account?.tenantId).toBe(C.tenantId);
    expect(r.idTokenClaims).toMatchObject({ iss: `${emu.url}/${C.tenantId}/v2.0` });
    const silent = await cca.acquireTokenSilent({
      account: r.account!,
      scopes: ['User.Read'],
      forceRefresh: true,
    });
    expect(silent.fromCache).toBe(false);
  });

  it('refreshes after expiry with acquireTokenSilent, rotating the refresh token', async () => {
    const cca = mailroomMsal(emu);
    const first = await signInWithMsal(emu, cca, {
      username: C.handlers[0],
      password: C.password,
      scopes: SCOPES,
    });
    const before = (await emu.control.requests({ area: 'entra' })).filter((e) =>
      e.path.endsWith('/oauth2/v2.0/token'),
    ).length;
    const rtBefore = Object.values(
      JSON.parse(cca.getTokenCache().serialize()).RefreshToken as Record<string, { secret: string }>,
    )[0]!.secret;
    const silent = await cca.acquireTokenSilent({ account: first.account!, scopes: SCOPES });
    expect(silent.fromCache).toBe(false);
    expect(silent.accessToken).not.toBe(first.accessToken);
    expect(decode(silent.accessToken).oid).toBe(decode(first.accessToken).oid);
    const rtAfter = Object.values(
      JSON.parse(cca.getTokenCache().serialize()).RefreshToken as Record<string, { secret: string }>,
    )[0]!.secret;
    expect(rtAfter).not.toBe(rtBefore);
    const after = (await emu.control.requests({ area: 'entra' })).filter((e) =>
      e.path.endsWith('/oauth2/v2.0/token'),
    ).length;
    expect(after).toBe(before + 1);
  });

  it('after an admin password reset the refresh fails as MSAL reports AADSTS50173 (ServerError, invalid_grant)', async () => {
    const user = await emu.control.createUser(C.tenantId, {
      userPrincipalName: 'reset.me@contoso-insurance.com',
      displayName: 'Reset Me',
      password: 'Old-Pass-1!',
    });
    const cca = mailroomMsal(emu);
    const first = await signInWithMsal(emu, cca, {
      username: user.userPrincipalName,
      password: 'Old-Pass-1!',
      scopes: SCOPES,
    });
    await emu.control.resetPassword(user.userPrincipalName, 'New-Pass-2!');
    const err = await cca
      .acquireTokenSilent({ account: first.account!, scopes: SCOPES })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err).not.toBeInstanceOf(InteractionRequiredAuthError);
    const e = err as ServerError;
    expect(e.errorCode).toBe('invalid_grant');
    expect(String(e.errorNo)).toBe('50173');
    expect(e.subError ?? '').toBe('');
    expect(e.errorMessage).toContain('AADSTS50173: The provided grant has expired due to it being revoked');
  });

  it('a refresh token idle longer than its lifetime fails with AADSTS700082 as InteractionRequiredAuthError (bad_token)', async () => {
    const emu2 = await createEmulator();
    try {
      await emu2.control.setTokenLifetimes({ accessTokenSeconds: 60 });
      const cca = mailroomMsal(emu2);
      const first = await signInWithMsal(emu2, cca, {
        username: C.admin,
        password: C.password,
        scopes: SCOPES,
        consentForOrganization: true,
      });
      await emu2.control.advanceClock(91 * 24 * 3600);
      const err = await cca
        .acquireTokenSilent({ account: first.account!, scopes: SCOPES })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InteractionRequiredAuthError);
      const e = err as InteractionRequiredAuthError;
      expect(e.errorCode).toBe('invalid_grant');
      expect(String(e.errorNo)).toBe('700082');
      expect(e.subError).toBe('bad_token');
      expect(e.errorMessage).toContain('was inactive for 90.00:00:00');
    } finally {
      await emu2.close();
    }
  });

  it('acquireTokenByClientCredential with a secret returns an app-only token with the consented roles', async () => {
    const cca = msalApp(
      emu,
      { clientId: DEMO.customerApp.clientId, clientSecret: DEMO.customerApp.clientSecret },
      C.tenantId,
    );
    const r = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    const at = decode(r!.accessToken);
    expect(at).toMatchObject({
      tid: C.tenantId,
      appid: DEMO.customerApp.clientId,
      appidacr: '1',
      idtyp: 'app',
      aud: 'https://graph.microsoft.com',
    });
    expect(at.roles).toEqual(
      expect.arrayContaining(['Mail.ReadWrite', 'MailboxSettings.Read', 'User.Read.All']),
    );
    expect(at.scp).toBeUndefined();
  });

  it('acquireTokenByClientCredential with a certificate (PS256 + x5t#S256, and RS256 + SHA-1 x5t)', async () => {
    const cert = createTestCertificate();
    await emu.control.addCertificate(DEMO.customerApp.clientId, cert.certPem);
    const sha256 = msalApp(
      emu,
      {
        clientId: DEMO.customerApp.clientId,
        clientCertificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.keyPem },
      },
      C.domain,
    );
    const r1 = await sha256.acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    });
    expect(decode(r1!.accessToken)).toMatchObject({ appidacr: '2', tid: C.tenantId });
    const sha1 = msalApp(
      emu,
      {
        clientId: DEMO.customerApp.clientId,
        clientCertificate: { thumbprint: cert.thumbprintSha1, privateKey: cert.keyPem },
      },
      C.tenantId,
    );
    const r2 = await sha1.acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    });
    expect(decode(r2!.accessToken)).toMatchObject({ appidacr: '2', tid: C.tenantId });
  });

  it('rejects a certificate the app does not have (AADSTS700027, invalid_client)', async () => {
    const other = createTestCertificate('not-registered');
    const cca = msalApp(
      emu,
      {
        clientId: DEMO.customerApp.clientId,
        clientCertificate: { thumbprintSha256: other.thumbprintSha256, privateKey: other.keyPem },
      },
      C.tenantId,
    );
    const err = (await cca
      .acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })
      .catch((e: unknown) => e)) as ServerError;
    expect(err).toBeInstanceOf(ServerError);
    expect(err.errorCode).toBe('invalid_client');
    expect(String(err.errorNo)).toBe('700027');
  });
});
