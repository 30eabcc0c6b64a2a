import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphError } from '@microsoft/microsoft-graph-client';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { msalApp } from './helpers.ts';
import { customerAppToken, graphClient } from './mail-helpers.ts';

/**
 * RBAC for Applications (issue 22 §1.8), beside the legacy application access policies: a management
 * scope (a group's members, or a property's value) and a role assignment grant an app a Graph permission
 * on the scope's mailboxes only, additively with what Entra consented; Test-ServicePrincipalAuthorization
 * says which role covers which mailbox. Tokens from msal-node, calls with the Graph SDK, unchanged.
 */
const C = DEMO.contoso;
const [CLAIMS, PRODUCTION] = C.sharedMailboxes;
const ALEX = C.handlers[0];
const SCOPED = {
  appId: 'c0a5e0f1-0000-4000-8000-0000000000a1',
  secret: 'Rbac8Q~scoped.Secret_0123456789abcdefgh',
};
const status = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (e: unknown) => [(e as GraphError).statusCode, (e as GraphError).code].join(' '),
  );

describe('RBAC for Applications', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await createEmulator({ demoMail: false });
    // An app consented with no Graph application permission at all: only RBAC can let it in.
    await emu.control.registerApp(C.tenantId, {
      appId: SCOPED.appId,
      displayName: 'Scoped reader',
      secrets: [{ value: SCOPED.secret }],
      applicationPermissions: [],
    });
    await emu.control.grantConsent(C.tenantId, SCOPED.appId, { application: [] });
  });
  afterAll(() => emu.close());

  const scopedToken = async () =>
    (await msalApp(
      emu,
      { clientId: SCOPED.appId, clientSecret: SCOPED.secret },
      C.tenantId,
    ).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'], skipCache: true }))!
      .accessToken;
  const inbox = (token: string, mailbox: string) =>
    graphClient(emu, token).api(`/users/${mailbox}/mailFolders/inbox/messages`).get();

  it('a role assignment on a group scope opens exactly that group’s mailboxes, for that role only', async () => {
    const token = await scopedToken();
    expect(await status(inbox(token, CLAIMS))).toBe('403 ErrorAccessDenied');

    const scope = await emu.control.addManagementScope(C.tenantId, {
      name: 'Mailroom mailboxes',
      group: C.accessPolicyGroup,
    });
    const read = await emu.control.addAppRoleAssignment(C.tenantId, {
      appId: SCOPED.appId,
      role: 'Application Mail.Read',
      scope: 'Mailroom mailboxes',
    });
    expect(read.scopeId).toBe(scope.id);
    expect(await status(inbox(token, CLAIMS))).toBe(200);
    expect(await status(inbox(token, PRODUCTION))).toBe(200);
    expect(await status(inbox(token, ALEX))).toBe('403 ErrorAccessDenied');
    // Mail.Read only: no writes, no sending.
    expect(
      await status(
        graphClient(emu, token)
          .api(`/users/${CLAIMS}/sendMail`)
          .post({
            message: { subject: 'x', toRecipients: [{ emailAddress: { address: 'a@example.com' } }] },
          }),
      ),
    ).toBe('403 ErrorAccessDenied');

    expect(await emu.control.testServicePrincipalAuthorization(C.tenantId, SCOPED.appId, CLAIMS)).toEqual([
      {
        RoleName: 'Application Mail.Read',
        GrantedPermissions: 'Mail.Read',
        AllowedResourceScope: 'Mailroom mailboxes',
        ScopeType: 'CustomRecipientScope',
        InScope: true,
      },
    ]);
    expect(
      (await emu.control.testServicePrincipalAuthorization(C.tenantId, SCOPED.appId, ALEX)).map(
        (r) => r.InScope,
      ),
    ).toEqual([false]);

    // A scope on a property's value (RecipientRestrictionFilter), for one more mailbox.
    await emu.control.addManagementScope(C.tenantId, {
      name: 'Alex only',
      filter: { property: 'userPrincipalName', value: ALEX },
    });
    const alex = await emu.control.addAppRoleAssignment(C.tenantId, {
      appId: SCOPED.appId,
      role: 'Application Mail.Read',
      scope: 'Alex only',
    });
    expect(await status(inbox(token, ALEX))).toBe(200);
    await emu.control.removeAppRoleAssignment(alex.id);
    expect(await status(inbox(token, ALEX))).toBe('403 ErrorAccessDenied');
    // A scope in use cannot go; once free, it can.
    await expect(emu.control.removeManagementScope(scope.id)).rejects.toThrow(/used by a role assignment/);
    await emu.control.removeAppRoleAssignment(read.id);
    await emu.control.removeManagementScope(scope.id);
    expect(await status(inbox(token, CLAIMS))).toBe('403 ErrorAccessDenied');
  });

  it('additive with Entra consent under a legacy application access policy: RBAC opens a mailbox the policy keeps out', async () => {
    // The customer's app: Mail.ReadWrite consented tenant-wide, restricted by a policy to the group.
    const token = await customerAppToken(emu);
    expect(await status(inbox(token, ALEX))).toBe('403 ErrorAccessDenied');
    await emu.control.addManagementScope(C.tenantId, {
      name: 'Handlers',
      filter: { property: 'userPrincipalName', value: ALEX },
    });
    await emu.control.addAppRoleAssignment(C.tenantId, {
      appId: DEMO.customerApp.clientId,
      role: 'Application Mail.Read',
      scope: 'Handlers',
    });
    expect(await status(inbox(token, ALEX))).toBe(200);
    expect(await status(inbox(token, CLAIMS))).toBe(200);
    // An assignment needs the app's service principal in the tenant.
    await expect(
      emu.control.addAppRoleAssignment(C.tenantId, {
        appId: '00000000-1111-2222-3333-444444444444',
        role: 'Application Mail.Read',
      }),
    ).rejects.toThrow(/no service principal/);
  });

  it('role assignments and scopes survive a snapshot', async () => {
    const data = await emu.control.state();
    expect(data.managementScopes?.map((s) => s.name)).toContain('Handlers');
    expect(data.appRoleAssignments?.map((a) => a.role)).toContain('Application Mail.Read');
  });
});
