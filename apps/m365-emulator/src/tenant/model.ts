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

export interface DirectoryData {
  tenants: Tenant[];
  users: User[];
  mailboxPermissions: MailboxPermission[];
  groups: Group[];
  apps: AppRegistration[];
  servicePrincipals: ServicePrincipal[];
  grants: DelegatedGrant[];
  accessPolicies: AppAccessPolicy[];
}

export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
