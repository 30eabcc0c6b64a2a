const graph = (p: string) => `https://graph.microsoft.com/${p}`;

/**
 * Delegated access: the least set that covers reading and writing mail in the user's own and shared
 * mailboxes (categories, moves), sending (forwards), mailbox settings (shared-mailbox detection, the category list) and
 * listing users — all consentable by a user, none needing an admin. MSAL adds openid, profile and
 * offline_access itself.
 */
export const DELEGATED_SCOPES = [
  graph('User.Read'),
  graph('User.ReadBasic.All'),
  graph('Mail.ReadWrite'),
  graph('Mail.ReadWrite.Shared'),
  graph('Mail.Send'),
  graph('Mail.Send.Shared'),
  // ReadWrite, not Read: outflow creates missing categories in the mailbox's list, with their colour.
  graph('MailboxSettings.ReadWrite'),
] as const;

/**
 * The administrator's sign-in that completes an organisation-wide consent (decision 0009): who they
 * are (the ID token) and which directory roles they hold. RoleManagement.Read.Directory is part of
 * Mailroom's app registration, so the admin consent just given covers it; the token is not kept.
 */
export const ROLE_CHECK_SCOPES = [graph('User.Read'), graph('RoleManagement.Read.Directory')] as const;

/** App-only access: whatever the admin consented to, as Entra requires (`/.default`). */
export const APP_SCOPES = [graph('.default')] as const;

/** The application permissions an admin grants (shown in the own-app help and the consent screen). */
export const APPLICATION_PERMISSIONS = [
  'Mail.ReadWrite',
  'Mail.Send',
  'MailboxSettings.ReadWrite',
  'User.Read.All',
  'Organization.Read.All',
] as const;
