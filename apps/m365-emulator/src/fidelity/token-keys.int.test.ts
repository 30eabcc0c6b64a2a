import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { createCaFetch } from '../testing/fetch.ts';
import { rawClient } from './raw.ts';
import { graphClient } from './mail-helpers.ts';

/**
 * Entra's token lifetimes and signing keys (issue 22 §1.5): access tokens live a random 60–90 minutes,
 * and a key rollover publishes two keys, signs new tokens with the new one and keeps the old ones valid
 * until the previous key is retired. Checked with openid-client and jose, unchanged.
 */
const C = DEMO.contoso;
const M = DEMO.mailroomApp;

describe('token lifetimes and signing-key rollover', () => {
  let emu: Emulator;
  let caFetch: ReturnType<typeof createCaFetch>;
  beforeAll(async () => {
    emu = await createEmulator({ demoMail: false });
    caFetch = createCaFetch(emu.caPem);
    await emu.control.grantConsent(C.tenantId, M.clientId);
  });
  afterAll(() => emu.close());

  const appToken = async () => {
    const r = await rawClient(emu).token(C.tenantId, {
      grant_type: 'client_credentials',
      client_id: M.clientId,
      client_secret: M.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(r.status).toBe(200);
    return r.body as { access_token: string; expires_in: number };
  };
  const jwks = async () => {
    const config = await oidc.discovery(
      new URL(`${emu.url}/${C.tenantId}/v2.0`),
      M.clientId,
      M.clientSecret,
      undefined,
      {
        [oidc.customFetch]: caFetch as unknown as oidc.CustomFetch,
      },
    );
    const res = await caFetch(config.serverMetadata().jwks_uri!);
    return (await res.json()) as JSONWebKeySet;
  };

  it('access tokens live a random 60–90 minutes, and expires_in says how long', async () => {
    const lifetimes = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const t = await appToken();
      const payload = JSON.parse(Buffer.from(t.access_token.split('.')[1]!, 'base64url').toString()) as {
        iat: number;
        exp: number;
      };
      expect(t.expires_in).toBeGreaterThanOrEqual(3600);
      expect(t.expires_in).toBeLessThanOrEqual(5400);
      expect(payload.exp - payload.iat).toBe(t.expires_in);
      lifetimes.add(t.expires_in);
    }
    // Random, not one fixed hour (twelve equal draws out of 1,801 values would be a broken model).
    expect(lifetimes.size).toBeGreaterThan(1);
  });

  it('a rollover: two keys in the JWKS, new tokens signed with the new one, old tokens valid until the old key is retired', async () => {
    const before = await appToken();
    const first = await jwks();
    expect(first.keys).toHaveLength(1);
    const { kid, previousKid } = await emu.control.rolloverSigningKey();
    expect(previousKid).toBe(first.keys[0]!.kid);

    const both = await jwks();
    expect(both.keys.map((k) => k.kid)).toEqual([previousKid, kid]);
    const after = await appToken();
    expect(decodeProtectedHeader(after.access_token).kid).toBe(kid);
    expect(decodeProtectedHeader(before.access_token).kid).toBe(previousKid);
    // Both verify against the published set (jose, as a resource server would).
    const set = createLocalJWKSet(both);
    await jwtVerify(after.access_token, set);
    await jwtVerify(before.access_token, set);
    // Graph accepts both.
    const me = (token: string) => graphClient(emu, token).api(`/users/${C.admin}`).get();
    await expect(me(before.access_token)).resolves.toBeTruthy();
    await expect(me(after.access_token)).resolves.toBeTruthy();

    // Retiring the previous key: its tokens are refused, the new ones still work.
    expect((await emu.control.retireSigningKeys()).retired).toEqual([previousKid]);
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([kid]);
    await expect(me(before.access_token)).rejects.toMatchObject({ statusCode: 401 });
    await expect(me(after.access_token)).resolves.toBeTruthy();
  });
});
