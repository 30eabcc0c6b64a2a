import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { ControlError } from './client.ts';
import type { SignInPageError } from '../testing/browser.ts';
import { EntraBrowser } from '../testing/browser.ts';
import { authorizeUrl, rawClient } from '../fidelity/raw.ts';
import { caHttpMessageHandler } from '../testing/graph-client.ts';

const C = DEMO.contoso;
const X = DEMO.customerApp;

describe('control API (typed client)', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await createEmulator();
  });
  afterAll(() => emu.close());

  const appToken = async () =>
    (
      await rawClient(emu).token(C.tenantId, {
        grant_type: 'client_credentials',
        client_id: X.clientId,
        client_secret: X.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      })
    ).body.access_token as string;
  const graphGet = async (path: string, token: string) => {
    const res = await rawClient(emu).fetch(`${emu.url}/v1.0${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('seeds another tenant and lists it; reset goes back to the initial seed', async () => {
    const r = await emu.control.seed({
      tenants: [
        {
          displayName: 'Fabrikam',
          domains: ['fabrikam.example'],
          users: [{ userPrincipalName: 'ann@fabrikam.example', displayName: 'Ann', password: 'p' }],
        },
      ],
    });
    expect(r.tenants[0]?.displayName).toBe('Fabrikam');
    expect((await emu.control.state()).tenants.map((t) => t.displayName)).toContain('Fabrikam');
    await emu.control.reset();
    expect((await emu.control.state()).tenants.map((t) => t.displayName).sort()).toEqual([
      'Contoso Insurance',
      'Mailroom (publisher)',
    ]);
    await expect(emu.control.seed({ tenants: [{ displayName: 'bad' }] } as never)).rejects.toMatchObject({
      status: 400,
    });
  });

  it('creates, disables, enables and deletes users (Graph /users follows)', async () => {
    const u = await emu.control.createUser(C.domain, {
      userPrincipalName: 'new.hire@contoso-insurance.com',
      displayName: 'New Hire',
      password: 'p',
    });
    const token = await appToken();
    expect((await graphGet(`/users/${u.id}?$select=accountEnabled`, token)).body.accountEnabled).toBe(true);
    await emu.control.disableUser(u.userPrincipalName);
    expect((await graphGet(`/users/${u.id}?$select=accountEnabled`, token)).body.accountEnabled).toBe(false);
    await emu.control.enableUser(u.id);
    await emu.control.deleteUser(u.id);
    expect((await graphGet(`/users/${u.id}`, token)).status).toBe(404);
    await expect(emu.control.getUser(u.id)).rejects.toBeInstanceOf(ControlError);
  });

  it('adds and removes redirect URIs (http only for localhost)', async () => {
    const uri = 'http://localhost:5173/callback';
    const url = authorizeUrl(emu, { redirectUri: uri });
    expect(
      ((await new EntraBrowser(emu.caPem).signIn(url, {}).catch((e: unknown) => e)) as SignInPageError)
        .aadsts,
    ).toBe(50011);
    await emu.control.addRedirectUri(DEMO.mailroomApp.clientId, uri);
    const page = await new EntraBrowser(emu.caPem).request(url);
    expect(page.html).toContain('id="signin"');
    await emu.control.removeRedirectUri(DEMO.mailroomApp.clientId, uri);
    await expect(
      emu.control.addRedirectUri(DEMO.mailroomApp.clientId, 'http://example.com/cb'),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('access policies and group members change what an app-only token may read', async () => {
    const token = await appToken();
    const alex = `/users/${C.handlers[0]}/mailboxSettings`;
    expect((await graphGet(alex, token)).status).toBe(403);
    await emu.control.addGroupMember(C.accessPolicyGroup, C.handlers[0]);
    expect((await graphGet(alex, token)).status).toBe(200);
    await emu.control.removeGroupMember(C.accessPolicyGroup, C.handlers[0]);
    expect((await graphGet(alex, token)).status).toBe(403);
    const state = await emu.control.state();
    for (const p of state.accessPolicies) await emu.control.removeAccessPolicy(p.id);
    expect((await graphGet(alex, token)).status).toBe(200);
    const deny = await emu.control.addAccessPolicy(C.tenantId, {
      appId: X.clientId,
      scopeGroup: C.accessPolicyGroup,
      accessRight: 'DenyAccess',
    });
    expect((await graphGet(`/users/${C.sharedMailboxes[0]}/mailboxSettings`, token)).body).toMatchObject({
      error: { code: 'ErrorAccessDenied', message: 'Access to OData is disabled.' },
    });
    await emu.control.removeAccessPolicy(deny.id);
  });

  it('grants and removes FullAccess mailbox permissions', async () => {
    await emu.control.grantMailboxPermission(C.sharedMailboxes[0], C.admin);
    expect(
      (await emu.control.state()).mailboxPermissions.filter(
        (p) => p.mailboxId === emu.state.dir.findUser(C.sharedMailboxes[0])!.id,
      ),
    ).toHaveLength(3);
    await emu.control.removeMailboxPermission(C.sharedMailboxes[0], C.admin);
    expect(
      emu.state.dir.hasFullAccess(
        emu.state.dir.findUser(C.sharedMailboxes[0])!.id,
        emu.state.dir.findUser(C.admin)!.id,
      ),
    ).toBe(false);
  });

  it('token lifetimes are configurable; the request log counts calls', async () => {
    const since = (await emu.control.requests()).at(-1)?.seq ?? 0;
    await emu.control.setTokenLifetimes({ accessTokenSeconds: 120 });
    const res = await rawClient(emu).token(C.tenantId, {
      grant_type: 'client_credentials',
      client_id: X.clientId,
      client_secret: X.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(res.body.expires_in).toBe(120);
    await expect(emu.control.setTokenLifetimes({ nope: 1 } as never)).rejects.toMatchObject({ status: 400 });
    const log = await emu.control.requests({ since, area: 'entra' });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      method: 'POST',
      path: `/${C.tenantId}/oauth2/v2.0/token`,
      status: 200,
      tenantId: C.tenantId,
      clientId: X.clientId,
    });
    await emu.control.clearRequests();
    expect(await emu.control.requests({ area: 'entra' })).toEqual([]);
  });

  it('saves a snapshot that a new emulator can start from', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-snap-'));
    try {
      await emu.control.createUser(C.tenantId, {
        userPrincipalName: 'snap@contoso-insurance.com',
        displayName: 'Snap',
      });
      const { file } = await emu.control.saveSnapshot(join(dir, 'snapshot.json'));
      expect(existsSync(file)).toBe(true);
      const emu2 = await createEmulator({ dataDir: dir, loadSnapshot: true });
      try {
        expect(emu2.state.dir.findUser('snap@contoso-insurance.com')?.displayName).toBe('Snap');
      } finally {
        await emu2.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the SDK middleware helper is exported for Graph callers', () => {
    expect(typeof caHttpMessageHandler(emu.caPem).execute).toBe('function');
  });
});
