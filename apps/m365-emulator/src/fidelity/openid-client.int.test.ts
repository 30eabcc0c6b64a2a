import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { createCaFetch } from '../testing/fetch.ts';
import { EntraBrowser } from '../testing/browser.ts';

const C = DEMO.contoso;
const M = DEMO.mailroomApp;

describe('openid-client v6 against the emulator', () => {
  let emu: Emulator;
  let caFetch: ReturnType<typeof createCaFetch>;
  beforeAll(async () => {
    emu = await createEmulator();
    caFetch = createCaFetch(emu.caPem);
    await emu.control.grantConsent(C.tenantId, M.clientId);
  });
  afterAll(() => emu.close());

  const discover = () =>
    oidc.discovery(new URL(`${emu.url}/${C.tenantId}/v2.0`), M.clientId, M.clientSecret, undefined, {
      [oidc.customFetch]: caFetch as unknown as oidc.CustomFetch,
    });

  it('discovers the tenant issuer (issuer equals the discovery URL, endpoints carry the tenant GUID)', async () => {
    const config = await discover();
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(`${emu.url}/${C.tenantId}/v2.0`);
    expect(meta.token_endpoint).toBe(`${emu.url}/${C.tenantId}/oauth2/v2.0/token`);
    expect(meta.jwks_uri).toBe(`${emu.url}/${C.tenantId}/discovery/v2.0/keys`);
    expect(meta.token_endpoint_auth_methods_supported).toEqual([
      'client_secret_post',
      'private_key_jwt',
      'client_secret_basic',
    ]);
  });

  it('runs authorization code + PKCE with nonce/state checks and ID token signature validation against the JWKS', async () => {
    const config = await discover();
    oidc.enableNonRepudiationChecks(config); // openid-client then verifies the ID token signature with jwks_uri
    const verifier = oidc.randomPKCECodeVerifier();
    const challenge = await oidc.calculatePKCECodeChallenge(verifier);
    const nonce = oidc.randomNonce();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: M.redirectUri,
      scope: 'openid profile email offline_access User.Read',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      nonce,
      state,
      login_hint: C.handlers[0],
    });
    const back = await new EntraBrowser(emu.caPem).signIn(url.href, { password: C.password });
    const tokens = await oidc.authorizationCodeGrant(config, back.url, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: state,
    });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: `${emu.url}/${C.tenantId}/v2.0`,
      aud: M.clientId,
      tid: C.tenantId,
      preferred_username: C.handlers[0],
      nonce,
      email: C.handlers[0],
    });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    // openid-client fetched the JWKS to verify the signature.
    expect(
      (await emu.control.requests({ area: 'entra' })).some(
        (e) => e.path === `/${C.tenantId}/discovery/v2.0/keys`,
      ),
    ).toBe(true);
    expect(tokens.refresh_token).toBeTruthy();

    // The same ID token verifies with jose against the published JWKS (kid/x5t/x5c).
    const jwks = (await (await caFetch(config.serverMetadata().jwks_uri!)).json()) as {
      keys: { kid: string; x5t: string; x5c: string[]; issuer: string }[];
    };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', issuer: `${emu.url}/${C.tenantId}/v2.0` });
    expect(jwks.keys[0]!.kid).toBe(jwks.keys[0]!.x5t);
    const verified = await jwtVerify(tokens.id_token!, createLocalJWKSet(jwks as never), {
      issuer: `${emu.url}/${C.tenantId}/v2.0`,
      audience: M.clientId,
    });
    expect(verified.protectedHeader).toMatchObject({ alg: 'RS256', kid: jwks.keys[0]!.kid });

    // Refresh with openid-client: a new refresh token each time.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  });

  it('rejects a tampered ID token signature (non-repudiation checks)', async () => {
    const jwks = (await (await caFetch(`${emu.url}/${C.tenantId}/discovery/v2.0/keys`)).json()) as never;
    const config = await discover();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: M.redirectUri,
      scope: 'openid profile',
      nonce: 'n',
      state: 's',
      login_hint: C.admin,
    });
    const back = await new EntraBrowser(emu.caPem).signIn(url.href, { password: C.password });
    const tokens = await oidc.authorizationCodeGrant(config, back.url, {
      expectedNonce: 'n',
      expectedState: 's',
    });
    const [h, p, s] = tokens.id_token!.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, preferred_username: 'evil@contoso-insurance.com' })).toString('base64url')}.${s}`;
    await expect(jwtVerify(forged, createLocalJWKSet(jwks))).rejects.toThrow(/signature/i);
  });
});
