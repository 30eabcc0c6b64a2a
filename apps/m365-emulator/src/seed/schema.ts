/** The seed file format (JSON or YAML). Everything but names is optional. */

export interface SeedFile {
  tenants: SeedTenant[];
}

export interface SeedTenant {
  /** GUID; derived from the first domain when omitted. */
  id?: string;
  displayName: string;
  /** First = default unless one says `default: true`; an `*.onmicrosoft.com` domain is the initial one. */
  domains: (string | { name: string; default?: boolean })[];
  countryLetterCode?: string;
  users?: SeedUser[];
  groups?: SeedGroup[];
  mailboxPermissions?: SeedMailboxPermission[];
  applications?: SeedApplication[];
  consents?: SeedConsent[];
  applicationAccessPolicies?: SeedAccessPolicy[];
}

export interface SeedUser {
  id?: string;
  userPrincipalName: string;
  displayName: string;
  givenName?: string;
  surname?: string;
  /** Defaults to the UPN when the user has a mailbox. */
  mail?: string;
  jobTitle?: string;
  password?: string;
  /** Default true for `user`, false for `shared`/`room` (their accounts are sign-in disabled). */
  enabled?: boolean;
  deleted?: boolean;
  hasMailbox?: boolean;
  kind?: 'user' | 'shared' | 'room';
  admin?: boolean;
}

export interface SeedGroup {
  id?: string;
  displayName: string;
  mail?: string;
  mailEnabled?: boolean;
  securityEnabled?: boolean;
  /** UPNs, user ids, or group mail/ids. */
  members?: string[];
}

export interface SeedMailboxPermission {
  /** Mailbox UPN or id. */
  mailbox: string;
  /** Grantee UPN or id. */
  user: string;
  accessRights?: 'FullAccess';
}

export interface SeedSecret {
  value: string;
  keyId?: string;
  displayName?: string;
  /** ISO date; default two years from now. */
  expires?: string;
}

export interface SeedCertificate {
  /** PEM of the public certificate. */
  pem: string;
  keyId?: string;
  displayName?: string;
}

export interface SeedApplication {
  appId: string;
  displayName: string;
  multiTenant?: boolean;
  publicClient?: boolean;
  redirectUris?: string[];
  secrets?: SeedSecret[];
  certificates?: SeedCertificate[];
  delegatedPermissions?: string[];
  applicationPermissions?: string[];
}

export interface SeedConsent {
  /** Client id of an app registered in any tenant of the seed. */
  appId: string;
  /** Admin consent for the whole organisation: delegated for all users + application roles. */
  admin?: boolean;
  /** One user's delegated consent (UPN or id) when not `admin`. */
  user?: string;
  /** Defaults to the app's static delegated permissions. */
  delegated?: string[];
  /** Defaults to the app's static application permissions (admin consent only). */
  application?: string[];
}

export interface SeedAccessPolicy {
  appId: string;
  /** Mail-enabled security group mail or id. */
  scopeGroup: string;
  accessRight: 'RestrictAccess' | 'DenyAccess';
  description?: string;
}
