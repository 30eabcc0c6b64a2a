import type { Tenant, User } from '../tenant/model.ts';

/** Properties Graph returns for a user without `$select`. */
export const USER_DEFAULT_PROPS = [
  'businessPhones',
  'displayName',
  'givenName',
  'id',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
] as const;

/** Everything `$select` may name. */
export const USER_PROPS = [
  ...USER_DEFAULT_PROPS,
  'accountEnabled',
  'userType',
  'mailNickname',
  'proxyAddresses',
  'createdDateTime',
  'otherMails',
  'usageLocation',
] as const;

/** The Graph `user` resource for a directory user. */
export function userResource(u: User): Record<string, unknown> {
  return {
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName,
    id: u.id,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: 'en-US',
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    accountEnabled: u.state === 'enabled',
    userType: 'Member',
    mailNickname: u.userPrincipalName.split('@')[0],
    proxyAddresses: u.mail ? [`SMTP:${u.mail}`] : [],
    createdDateTime: new Date(u.createdMs).toISOString().replace(/\.\d+Z$/, 'Z'),
    otherMails: [],
    usageLocation: u.hasMailbox ? 'US' : null,
  };
}

export function pick(rec: Record<string, unknown>, props: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of props) out[p] = rec[p] ?? null;
  return out;
}

/** `mailboxSettings`; `userPurpose` tells user, shared and room mailboxes apart. */
export function mailboxSettingsResource(u: User): Record<string, unknown> {
  return {
    archiveFolder: Buffer.from(`archive:${u.id}`).toString('base64'),
    timeZone: 'UTC',
    delegateMeetingMessageDeliveryOptions: 'sendToDelegateOnly',
    dateFormat: 'M/d/yyyy',
    timeFormat: 'h:mm tt',
    userPurpose: u.kind,
    automaticRepliesSetting: {
      status: 'disabled',
      externalAudience: 'all',
      internalReplyMessage: '',
      externalReplyMessage: '',
      scheduledStartDateTime: { dateTime: '2024-01-01T00:00:00.0000000', timeZone: 'UTC' },
      scheduledEndDateTime: { dateTime: '2024-01-02T00:00:00.0000000', timeZone: 'UTC' },
    },
    language: { locale: 'en-US', displayName: 'English (United States)' },
    workingHours: {
      daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
      startTime: '08:00:00.0000000',
      endTime: '17:00:00.0000000',
      timeZone: { name: 'UTC' },
    },
  };
}

export function organizationResource(t: Tenant): Record<string, unknown> {
  return {
    id: t.id,
    deletedDateTime: null,
    businessPhones: [],
    city: null,
    country: null,
    countryLetterCode: t.countryLetterCode,
    createdDateTime: new Date(t.createdMs).toISOString().replace(/\.\d+Z$/, 'Z'),
    displayName: t.displayName,
    tenantType: 'AAD',
    verifiedDomains: t.domains.map((d) => ({
      capabilities: d.isInitial ? 'Email, OfficeCommunicationsOnline' : 'Email',
      isDefault: d.isDefault,
      isInitial: d.isInitial,
      name: d.name,
      type: 'Managed',
    })),
  };
}
