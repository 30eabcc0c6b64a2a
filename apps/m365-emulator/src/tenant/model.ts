/**
 * The emulated directory: tenants, users (with their Exchange Online mailbox facts), groups, app
 * registrations, service principals, consents and Application Access Policies. Plain data, so a
 * snapshot is a JSON file. Part 2 (Graph mail) extends users/mailboxes from here.
 */

export type UserKind = 'user' | 'shared' | 'room';
export type UserState = 'enabled' | 'disabled' | 'deleted';

export interface VerifiedDomain {
  name: string;
  isDefault: boolean;
  isInitial: boolean;
}

export interface Tenant {
  id: string;
  displayName: string;
  domains: VerifiedDomain[];
  countryLetterCode: string;
  createdMs: number;
}

export interface User {
  id: string;
  tenantId: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  jobTitle: string | null;
  /** null: cannot sign in with a password (e.g. shared mailboxes). */
  password: string | null;
  state: UserState;
  /** Has an Exchange Online mailbox (licence); false → Graph mail calls fail. */
  hasMailbox: boolean;
  /** Mailbox type (Graph `mailboxSettings.userPurpose`). */
  kind: UserKind;
  /** Global administrator: may consent on behalf of the organisation. */
  isAdmin: boolean;
  /** Refresh tokens and sign-in sessions issued before this instant are revoked (ms). */
  tokensValidFromMs: number;
  createdMs: number;
}

/** Exchange `Add-MailboxPermission -AccessRights FullAccess`: user → mailbox. */
export interface MailboxPermission {
  tenantId: string;
  mailboxId: string;
  userId: string;
  accessRights: 'FullAccess';
}

export interface Group {
  id: string;
  tenantId: string;
  displayName: string;
  mail: string | null;
  mailEnabled: boolean;
  securityEnabled: boolean;
  /** User ids or nested group ids. */
  memberIds: string[];
}

export interface ClientSecret {
  keyId: string;
  displayName: string;
  /** First three characters of the value, as the portal shows. */
  hint: string;
  secretText: string;
  startMs: number;
  endMs: number;
}

export interface ClientCertificate {
  keyId: string;
  displayName: string;
  certPem: string;
  sha1Hex: string;
  sha256Hex: string;
  endMs: number;
}

export type SignInAudience = 'AzureADMyOrg' | 'AzureADMultipleOrgs';

export interface AppRegistration {
  /** Application (client) id. */
  appId: string;
  objectId: string;
  homeTenantId: string;
  displayName: string;
  signInAudience: SignInAudience;
  redirectUris: string[];
  secrets: ClientSecret[];
  certificates: ClientCertificate[];
  /** Statically requested Graph delegated permissions (used by `.default` and admin consent). */
  delegatedPermissions: string[];
  /** Statically requested Graph application permissions (app roles). */
  applicationPermissions: string[];
  isPublicClient: boolean;
}

/** Enterprise application: the app's instance in one tenant, created by consent. */
export interface ServicePrincipal {
  id: string;
  appId: string;
  tenantId: string;
  displayName: string;
  /** Graph application permissions granted by an admin (token `roles`). */
  appRoles: string[];
  createdMs: number;
}

/** oauth2PermissionGrant: delegated scopes for one user, or for all users (principalId null). */
export interface DelegatedGrant {
  id: string;
  tenantId: string;
  clientAppId: string;
  principalId: string | null;
  scopes: string[];
}

export type AccessRight = 'RestrictAccess' | 'DenyAccess';

/** Exchange Application Access Policy (New-ApplicationAccessPolicy). */
export interface AppAccessPolicy {
  id: string;
  tenantId: string;
  appId: string;
  scopeGroupId: string;
  accessRight: AccessRight;
  description: string;
}

/**
 * RBAC for Applications (Exchange Online; issue 22 §1.8): what Microsoft now asks new setups to use
 * instead of application access policies. A management scope names recipients — members of a group
 * (`New-ManagementScope -RecipientRestrictionFilter "MemberOfGroup -eq '…'"`) or a property's value —
 * and a role assignment (`New-ManagementRoleAssignment -App … -Role "Application Mail.Read"
 * -CustomResourceScope …`) grants the app the role's Graph permission on the scope's mailboxes only.
 * Permissions are additive with what Entra consented tenant-wide.
 */
export interface ManagementScope {
  id: string;
  tenantId: string;
  name: string;
  /** `MemberOfGroup -eq '<group>'` (nested groups count). */
  groupId?: string;
  /** Or a property of the recipient equal to a value (e.g. `{ property: 'jobTitle', value: 'Claims' }`). */
  filter?: { property: 'userPrincipalName' | 'displayName' | 'jobTitle' | 'mail'; value: string };
}

/** The application roles of RBAC for Applications and the Graph permission each grants. */
export const APP_RBAC_ROLES = {
  'Application Mail.Read': 'Mail.Read',
  'Application Mail.ReadBasic': 'Mail.ReadBasic',
  'Application Mail.ReadWrite': 'Mail.ReadWrite',
  'Application Mail.Send': 'Mail.Send',
  'Application MailboxSettings.Read': 'MailboxSettings.Read',
  'Application MailboxSettings.ReadWrite': 'MailboxSettings.ReadWrite',
} as const;
export type AppRbacRole = keyof typeof APP_RBAC_ROLES;

export interface AppRoleAssignment {
  id: string;
  tenantId: string;
  appId: string;
  role: AppRbacRole;
  /** A management scope's id; null: the whole organisation. */
  scopeId: string | null;
}

/** One line of `Test-ServicePrincipalAuthorization -Identity <app> -Resource <mailbox>`. */
export interface ServicePrincipalAuthorization {
  RoleName: AppRbacRole;
  GrantedPermissions: string;
  AllowedResourceScope: string;
  ScopeType: 'CustomRecipientScope' | 'Organization';
  InScope: boolean;
}

export interface DirectoryData {
  tenants: Tenant[];
  users: User[];
  mailboxPermissions: MailboxPermission[];
  groups: Group[];
  apps: AppRegistration[];
  servicePrincipals: ServicePrincipal[];
  grants: DelegatedGrant[];
  accessPolicies: AppAccessPolicy[];
  /** RBAC for Applications (absent in snapshots written before it). */
  managementScopes?: ManagementScope[];
  appRoleAssignments?: AppRoleAssignment[];
}

export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
