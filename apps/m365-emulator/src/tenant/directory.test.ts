import { describe, expect, it } from 'vitest';
import { Directory } from './directory.ts';
import { applySeed, demoSeed, seedTenantId, validateSeed } from '../seed/load.ts';
import { DEMO } from '../seed/demo.ts';

describe('demo seed and directory', () => {
  const dir = new Directory();
  applySeed(dir, demoSeed(), Date.now());
  const C = DEMO.contoso;

  it('has the stable ids the server relies on', () => {
    expect(dir.findTenant(C.domain)?.id).toBe(C.tenantId);
    expect(dir.findTenant(C.initialDomain)?.id).toBe(C.tenantId);
    expect(dir.findApp(DEMO.mailroomApp.clientId)?.signInAudience).toBe('AzureADMultipleOrgs');
    expect(dir.findApp(DEMO.mailroomApp.clientId)?.secrets[0]?.secretText).toBe(
      DEMO.mailroomApp.clientSecret,
    );
    expect(dir.findApp(DEMO.customerApp.clientId)?.homeTenantId).toBe(C.tenantId);
    expect(dir.findUser(C.sharedMailboxes[0])).toMatchObject({
      kind: 'shared',
      hasMailbox: true,
      state: 'disabled',
    });
    expect(dir.findUser(C.noMailboxUser)?.hasMailbox).toBe(false);
  });

  it('FullAccess for both handlers on both shared mailboxes', () => {
    for (const m of C.sharedMailboxes)
      for (const h of C.handlers)
        expect(dir.hasFullAccess(dir.findUser(m)!.id, dir.findUser(h)!.id)).toBe(true);
    expect(dir.hasFullAccess(dir.findUser(C.sharedMailboxes[0])!.id, dir.findUser(C.admin)!.id)).toBe(false);
  });

  it('Application Access Policies: RestrictAccess limits to the group, DenyAccess wins, nested groups count', () => {
    const app = DEMO.customerApp.clientId;
    const claims = dir.findUser(C.sharedMailboxes[0])!.id;
    const alex = dir.findUser(C.handlers[0])!.id;
    expect(dir.appMayAccessMailbox(C.tenantId, app, claims)).toBe(true);
    expect(dir.appMayAccessMailbox(C.tenantId, app, alex)).toBe(false);
    expect(dir.appMayAccessMailbox(C.tenantId, DEMO.mailroomApp.clientId, alex)).toBe(true); // no policy for Mailroom
    const group = dir.findGroup(C.tenantId, C.accessPolicyGroup)!;
    dir.addGroup({
      id: 'nested',
      tenantId: C.tenantId,
      displayName: 'n',
      mail: null,
      mailEnabled: false,
      securityEnabled: true,
      memberIds: [alex],
    });
    group.memberIds.push('nested');
    expect(dir.appMayAccessMailbox(C.tenantId, app, alex)).toBe(true);
    dir.accessPolicies.push({
      id: 'd',
      tenantId: C.tenantId,
      appId: app,
      scopeGroupId: 'nested',
      accessRight: 'DenyAccess',
      description: ' ',
    });
    expect(dir.appMayAccessMailbox(C.tenantId, app, alex)).toBe(false);
  });

  it('snapshots round-trip', () => {
    const copy = new Directory();
    copy.load(JSON.parse(JSON.stringify(dir.toData())));
    expect(copy.findUser(C.admin)?.id).toBe(dir.findUser(C.admin)?.id);
    expect(copy.listUsers(C.tenantId)).toHaveLength(dir.listUsers(C.tenantId).length);
  });

  it('validates seeds with a path to the problem', () => {
    expect(() =>
      validateSeed({
        tenants: [{ displayName: 'x', domains: ['x.com'], users: [{ displayName: 'no upn' }] }],
      }),
    ).toThrow(/tenants\[0\]\.users\[0\]: userPrincipalName is required/);
    expect(seedTenantId({ displayName: 'x', domains: ['x.com'] })).toMatch(/^[0-9a-f-]{36}$/);
  });
});
