import { describe, expect, it } from 'vitest';
import { legacyBlockedScript, rbacAddMailboxScript, rbacRestrictScript } from './exchange-scripts.ts';

const v = {
  clientId: '11111111-2222-4333-8444-555555555555',
  servicePrincipalId: '99999999-8888-4777-8666-555555555555',
  group: 'mailroom-mailboxes@contoso.com',
  mailbox: 'claims@contoso.com',
  principalPlaceholder: '<service principal object id>',
};

describe('Exchange PowerShell for the restriction', () => {
  it('leads with RBAC for Applications: the service principal, a scope on the group, the role, the test', () => {
    const lines = rbacRestrictScript(v).split('\n');
    expect(lines[1]).toBe(
      'New-ServicePrincipal -AppId 11111111-2222-4333-8444-555555555555 -ObjectId 99999999-8888-4777-8666-555555555555 -DisplayName "Mailroom"',
    );
    expect(lines).toContain(
      `New-ManagementScope -Name "Mailroom mailboxes" -RecipientRestrictionFilter "MemberOfGroup -eq '$group'"`,
    );
    expect(lines).toContain(
      'New-ManagementRoleAssignment -App 11111111-2222-4333-8444-555555555555 -Role "Application Mail.Read" -CustomResourceScope "Mailroom mailboxes"',
    );
    expect(lines.at(-1)).toBe(
      'Test-ServicePrincipalAuthorization -Identity 11111111-2222-4333-8444-555555555555 -Resource claims@contoso.com',
    );
    // Write and send roles are offered, commented out: read-only unless outflow needs them.
    expect(
      lines
        .filter((l) => l.includes('Mail.ReadWrite') || l.includes('Mail.Send'))
        .every((l) => l.startsWith('#')),
    ).toBe(true);
  });

  it('keeps a placeholder when the service principal is not known', () => {
    expect(rbacRestrictScript({ ...v, servicePrincipalId: null })).toContain(
      '-ObjectId <service principal object id>',
    );
  });

  it('adds a mailbox outside the scope to its group, or to the legacy policy’s group', () => {
    expect(rbacAddMailboxScript(v)).toContain(
      'Test-ServicePrincipalAuthorization -Identity 11111111-2222-4333-8444-555555555555 -Resource claims@contoso.com',
    );
    expect(legacyBlockedScript(v)).toContain('Test-ApplicationAccessPolicy -Identity claims@contoso.com');
  });
});
