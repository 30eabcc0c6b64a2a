import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { createCaFetch } from '../testing/fetch.ts';
import { mailroomMsal, msalApp, signInWithMsal } from './helpers.ts';

const C = DEMO.contoso;
const M = DEMO.mailroomApp;
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';

// The signed-in user's directory roles, as Graph lists them (/me/transitiveMemberOf cast to
// directoryRole): what an app reads to learn whether the person who consented is an administrator.
describe('GET /me/transitiveMemberOf/microsoft.graph.directoryRole', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await createEmulator();
    await emu.control.grantConsent(C.tenantId, M.clientId); // Mailroom admin-consented in Contoso
  });
  afterAll(() => emu.close());

  const get = async (token: string, path: string) => {
    const res = await createCaFetch(emu.caPem)(`${emu.url}/v1.0${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return {
      status: res.status,
      body: (await res.json()) as { value?: Record<string, unknown>[]; error?: { code: string } },
    };
  };
  const userToken = async (username: string, scopes: string[]) =>
    (await signInWithMsal(emu, mailroomMsal(emu), { username, password: C.password, scopes })).accessToken;
  const rolesPath =
    '/me/transitiveMemberOf/microsoft.graph.directoryRole?$select=id,displayName,roleTemplateId';

  it("lists a Global Administrator's role with RoleManagement.Read.Directory", async () => {
    const r = await get(await userToken(C.admin, ['User.Read', 'RoleManagement.Read.Directory']), rolesPath);
    expect(r.status).toBe(200);
    expect(r.body.value).toEqual([
      expect.objectContaining({
        '@odata.type': '#microsoft.graph.directoryRole',
        displayName: 'Global Administrator',
        roleTemplateId: GLOBAL_ADMIN,
      }),
    ]);
  });

  it('lists no role for a user who holds none', async () => {
    const r = await get(
      await userToken(C.handlers[0], ['User.Read', 'RoleManagement.Read.Directory']),
      rolesPath,
    );
    expect(r.status).toBe(200);
    expect(r.body.value).toEqual([]);
  });

  it('returns roles "with limited information" (ids only) to a token with User.Read alone', async () => {
    // Contoso's own app registration holds User.Read but no directory permission.
    const own = msalApp(
      emu,
      { clientId: DEMO.customerApp.clientId, clientSecret: DEMO.customerApp.clientSecret },
      C.tenantId,
    );
    const token = (
      await signInWithMsal(emu, own, { username: C.admin, password: C.password, scopes: ['User.Read'] })
    ).accessToken;
    const r = await get(token, rolesPath);
    expect(r.status).toBe(200);
    expect(r.body.value).toHaveLength(1);
    expect(r.body.value![0]).toMatchObject({
      '@odata.type': '#microsoft.graph.directoryRole',
      displayName: null,
      roleTemplateId: null,
    });
    expect(r.body.value![0]!.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses an app-only token (/me needs a signed-in user)', async () => {
    const token = (await msalApp(
      emu,
      { clientId: M.clientId, clientSecret: M.clientSecret },
      C.tenantId,
    ).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))!.accessToken;
    const r = await get(token, rolesPath);
    expect(r.status).toBe(400);
  });
});
