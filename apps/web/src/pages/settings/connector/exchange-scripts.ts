/**
 * The Exchange Online PowerShell that limits which mailboxes an app-only connection reads, with the
 * tenant's own values filled in (reference §5). RBAC for Applications first — Microsoft's way for new
 * setups (issue 22 §2.5) — and the application access policy as the legacy way. Placeholders stay in
 * angle brackets where Mailroom cannot know the value (the group an admin chooses).
 */
export interface ScriptValues {
  clientId: string;
  /** The app's service principal object id in the tenant (null: not known yet, a placeholder). */
  servicePrincipalId: string | null;
  /** The mail-enabled security group whose members Mailroom may read. */
  group: string;
  /** A mailbox to test with. */
  mailbox: string;
  /** Placeholder for the service principal when it is not known. */
  principalPlaceholder: string;
}

/** The management scope's name: shown in Exchange admin tools, so it says whose it is. */
export const SCOPE_NAME = 'Mailroom mailboxes';

/** Scope the app to the group's members, read only, then check one mailbox. */
export function rbacRestrictScript(v: ScriptValues): string {
  return [
    'Connect-ExchangeOnline',
    `New-ServicePrincipal -AppId ${v.clientId} -ObjectId ${v.servicePrincipalId ?? v.principalPlaceholder} -DisplayName "Mailroom"`,
    `$group = (Get-Group -Identity "${v.group}").DistinguishedName`,
    `New-ManagementScope -Name "${SCOPE_NAME}" -RecipientRestrictionFilter "MemberOfGroup -eq '$group'"`,
    `New-ManagementRoleAssignment -App ${v.clientId} -Role "Application Mail.Read" -CustomResourceScope "${SCOPE_NAME}"`,
    '# Only if outflow writes to Outlook (categories, moves) or forwards mail:',
    `# New-ManagementRoleAssignment -App ${v.clientId} -Role "Application Mail.ReadWrite" -CustomResourceScope "${SCOPE_NAME}"`,
    `# New-ManagementRoleAssignment -App ${v.clientId} -Role "Application Mail.Send" -CustomResourceScope "${SCOPE_NAME}"`,
    `Test-ServicePrincipalAuthorization -Identity ${v.clientId} -Resource ${v.mailbox}`,
  ].join('\n');
}

/** A mailbox outside the RBAC scope: add it to the scope's group, then check. */
export function rbacAddMailboxScript(v: Pick<ScriptValues, 'clientId' | 'group' | 'mailbox'>): string {
  return [
    'Connect-ExchangeOnline',
    `Get-ManagementRoleAssignment -RoleAssignee ${v.clientId} | Format-Table Role, CustomResourceScope`,
    `Add-DistributionGroupMember -Identity "${v.group}" -Member ${v.mailbox}`,
    `Test-ServicePrincipalAuthorization -Identity ${v.clientId} -Resource ${v.mailbox}`,
  ].join('\n');
}

/** Legacy: an application access policy restricting the app to the group. */
export function legacyRestrictScript(v: Pick<ScriptValues, 'clientId' | 'group' | 'mailbox'>): string {
  return [
    'Connect-ExchangeOnline',
    `New-ApplicationAccessPolicy -AppId ${v.clientId} -PolicyScopeGroupId "${v.group}" -AccessRight RestrictAccess -Description "Mailroom"`,
    `Test-ApplicationAccessPolicy -Identity ${v.mailbox} -AppId ${v.clientId}`,
  ].join('\n');
}

/** Legacy: a mailbox an application access policy keeps out — find the policy, add the mailbox, test. */
export function legacyBlockedScript(v: Pick<ScriptValues, 'clientId' | 'group' | 'mailbox'>): string {
  return [
    'Connect-ExchangeOnline',
    `Get-ApplicationAccessPolicy | Where-Object AppId -eq "${v.clientId}"`,
    `Add-DistributionGroupMember -Identity "${v.group}" -Member ${v.mailbox}`,
    `Test-ApplicationAccessPolicy -Identity ${v.mailbox} -AppId ${v.clientId}`,
  ].join('\n');
}
