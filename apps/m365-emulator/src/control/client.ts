import type { Agent } from 'node:https';
import { caAgent, rawRequest } from '../util/https-client.ts';
import type { RequestLogEntry } from '../http/request-log.ts';
import type { TokenLifetimes } from '../state.ts';
import type {
  AccessRight,
  AppAccessPolicy,
  AppRbacRole,
  AppRoleAssignment,
  DirectoryData,
  ManagementScope,
  ServicePrincipalAuthorization,
  User,
  UserKind,
} from '../tenant/model.ts';
import type { SeedApplication, SeedFile } from '../seed/schema.ts';
import type { DeliveredMessage, MailJob } from './mail-routes.ts';
import type { GenerateOptions } from '../mail/generate.ts';
import type {
  FaultRule,
  FaultRuleInput,
  NotificationFault,
  NotificationFaultInput,
} from '../faults/faults.ts';
import type { ThrottleConfig, ThrottleCounters } from '../mail/throttle.ts';
import type { OutboundMessage } from '../mail/outbound.ts';
import type {
  DeliveryRecord,
  LifecycleEvent,
  NotificationSettings,
  Subscription,
} from '../notify/subscriptions.ts';
import type { Quirks } from '../faults/quirks.ts';

/** A message in Graph's JSON shape (subject, body, from, toRecipients, attachments with contentBytes…). */
export type GraphMessageJson = Record<string, unknown>;
export type {
  DeliveredMessage,
  MailJob,
  GenerateOptions,
  FaultRule,
  FaultRuleInput,
  NotificationFault,
  NotificationFaultInput,
  ThrottleConfig,
  ThrottleCounters,
  OutboundMessage,
  DeliveryRecord,
  LifecycleEvent,
  NotificationSettings,
};

export interface NewUser {
  userPrincipalName: string;
  displayName: string;
  password?: string;
  kind?: UserKind;
  hasMailbox?: boolean;
  admin?: boolean;
  enabled?: boolean;
  givenName?: string;
  surname?: string;
  mail?: string;
  jobTitle?: string;
}

export interface NewSecret {
  keyId: string;
  secretText: string;
  hint: string;
  endDateTime: string;
}

/** Error from the control API (`{ error: { code, message } }`). */
export class ControlError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Typed client of the emulator's control API (`/__emulator/...`). Users, mailboxes and groups
 * are named by id or UPN/mail; tenants by id or domain; apps by client id.
 */
export class EmulatorControl {
  readonly baseUrl: string;
  private readonly agent: Agent;

  constructor(baseUrl: string, caPem: string) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.agent = caAgent(caPem);
  }

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    raw?: { contentType: string; data: Buffer | string },
  ): Promise<T> {
    const res = await rawRequest(`${this.baseUrl}/__emulator${path}`, this.agent, {
      method,
      headers: { 'content-type': raw?.contentType ?? 'application/json', accept: 'application/json' },
      ...(raw ? { body: raw.data } : body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = res.body.toString('utf8');
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (res.status >= 400) {
      const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ControlError(res.status, err?.code ?? 'error', err?.message ?? text);
    }
    return json as T;
  }

  /** Closes the keep-alive connections of this client. */
  close(): void {
    this.agent.destroy();
  }

  // ---- tenants and seeds ----
  seed(
    seed: SeedFile,
    opts: { replace?: boolean } = {},
  ): Promise<{ tenants: { id: string; displayName: string }[] }> {
    return this.call('POST', '/seed', { seed, replace: !!opts.replace });
  }
  /** Back to the initial seed; forgets codes, tokens, sessions and the request log. */
  reset(): Promise<void> {
    return this.call('POST', '/reset', {});
  }
  state(): Promise<DirectoryData> {
    return this.call('GET', '/state');
  }
  saveSnapshot(file?: string): Promise<{ file: string }> {
    return this.call('POST', '/snapshot', file ? { file } : {});
  }

  // ---- users ----
  createUser(tenant: string, user: NewUser): Promise<User> {
    return this.call('POST', `/tenants/${encodeURIComponent(tenant)}/users`, user);
  }
  getUser(user: string): Promise<User> {
    return this.call('GET', `/users/${encodeURIComponent(user)}`);
  }
  disableUser(user: string): Promise<User> {
    return this.call('POST', `/users/${encodeURIComponent(user)}/disable`, {});
  }
  enableUser(user: string): Promise<User> {
    return this.call('POST', `/users/${encodeURIComponent(user)}/enable`, {});
  }
  deleteUser(user: string): Promise<void> {
    return this.call('DELETE', `/users/${encodeURIComponent(user)}`);
  }
  /** Admin password reset: revokes the user's refresh tokens and sessions (AADSTS50173). */
  resetPassword(user: string, password: string): Promise<User> {
    return this.call('POST', `/users/${encodeURIComponent(user)}/password`, { password });
  }
  /** "Revoke sessions": refresh tokens and browser sessions issued before now stop working. */
  revokeSessions(user: string): Promise<User> {
    return this.call('POST', `/users/${encodeURIComponent(user)}/revoke-sessions`, {});
  }

  // ---- mailbox permissions and groups ----
  grantMailboxPermission(mailbox: string, user: string): Promise<void> {
    return this.call('POST', '/mailbox-permissions', { mailbox, user, accessRights: 'FullAccess' });
  }
  removeMailboxPermission(mailbox: string, user: string): Promise<void> {
    return this.call('POST', '/mailbox-permissions/remove', { mailbox, user });
  }
  addGroupMember(group: string, member: string): Promise<void> {
    return this.call('POST', `/groups/${encodeURIComponent(group)}/members`, { member });
  }
  removeGroupMember(group: string, member: string): Promise<void> {
    return this.call('DELETE', `/groups/${encodeURIComponent(group)}/members/${encodeURIComponent(member)}`);
  }

  // ---- apps, consents, policies ----
  registerApp(tenant: string, app: SeedApplication): Promise<{ appId: string }> {
    return this.call('POST', `/tenants/${encodeURIComponent(tenant)}/apps`, app);
  }
  /** Admin consent (no user) or one user's delegated consent. Defaults to the app's static permissions. */
  grantConsent(
    tenant: string,
    appId: string,
    opts: { user?: string; delegated?: string[]; application?: string[] } = {},
  ): Promise<void> {
    return this.call('POST', '/consents/grant', { tenant, appId, ...opts });
  }
  /** Withdraws one user's consent, or (no user) all consent and the app's service principal. */
  withdrawConsent(tenant: string, appId: string, opts: { user?: string } = {}): Promise<void> {
    return this.call('POST', '/consents/withdraw', { tenant, appId, ...opts });
  }
  addSecret(
    appId: string,
    opts: { displayName?: string; expiresInSeconds?: number; value?: string } = {},
  ): Promise<NewSecret> {
    return this.call('POST', `/apps/${encodeURIComponent(appId)}/secrets`, opts);
  }
  expireSecret(appId: string, keyId: string): Promise<void> {
    return this.call(
      'POST',
      `/apps/${encodeURIComponent(appId)}/secrets/${encodeURIComponent(keyId)}/expire`,
      {},
    );
  }
  deleteSecret(appId: string, keyId: string): Promise<void> {
    return this.call('DELETE', `/apps/${encodeURIComponent(appId)}/secrets/${encodeURIComponent(keyId)}`);
  }
  addCertificate(
    appId: string,
    pem: string,
    displayName?: string,
  ): Promise<{ keyId: string; thumbprint: string; thumbprintSha256: string }> {
    return this.call('POST', `/apps/${encodeURIComponent(appId)}/certificates`, { pem, displayName });
  }
  addRedirectUri(appId: string, uri: string): Promise<void> {
    return this.call('POST', `/apps/${encodeURIComponent(appId)}/redirect-uris`, { uri });
  }
  removeRedirectUri(appId: string, uri: string): Promise<void> {
    return this.call('POST', `/apps/${encodeURIComponent(appId)}/redirect-uris/remove`, { uri });
  }
  addAccessPolicy(
    tenant: string,
    policy: { appId: string; scopeGroup: string; accessRight: AccessRight; description?: string },
  ): Promise<AppAccessPolicy> {
    return this.call('POST', '/access-policies', { tenant, ...policy });
  }
  removeAccessPolicy(id: string): Promise<void> {
    return this.call('DELETE', `/access-policies/${encodeURIComponent(id)}`);
  }
  /** RBAC for Applications: `New-ManagementScope` on a group's members (`MemberOfGroup`) or a property's value. */
  addManagementScope(
    tenant: string,
    scope: { name: string; group?: string; filter?: ManagementScope['filter'] },
  ): Promise<ManagementScope> {
    return this.call('POST', '/management-scopes', { tenant, ...scope });
  }
  removeManagementScope(id: string): Promise<void> {
    return this.call('DELETE', `/management-scopes/${encodeURIComponent(id)}`);
  }
  /** `New-ManagementRoleAssignment -App <appId> -Role <role> [-CustomResourceScope <scope>]` (no scope: the organisation). */
  addAppRoleAssignment(
    tenant: string,
    assignment: { appId: string; role: AppRbacRole; scope?: string | null },
  ): Promise<AppRoleAssignment> {
    return this.call('POST', '/app-role-assignments', { tenant, ...assignment });
  }
  removeAppRoleAssignment(id: string): Promise<void> {
    return this.call('DELETE', `/app-role-assignments/${encodeURIComponent(id)}`);
  }
  /** `Test-ServicePrincipalAuthorization -Identity <appId> -Resource <mailbox>`. */
  testServicePrincipalAuthorization(
    tenant: string,
    appId: string,
    mailbox: string,
  ): Promise<ServicePrincipalAuthorization[]> {
    const q = new URLSearchParams({ tenant, appId, mailbox });
    return this.call('GET', `/service-principal-authorization?${q}`);
  }

  // ---- time and tokens ----
  getTokenLifetimes(): Promise<TokenLifetimes> {
    return this.call('GET', '/token-lifetimes');
  }
  setTokenLifetimes(l: Partial<TokenLifetimes>): Promise<TokenLifetimes> {
    return this.call('PUT', '/token-lifetimes', l);
  }
  /** Moves the emulator's clock forward (expires codes, tokens, secrets without waiting). */
  /** The published signing keys (`kid`s, oldest first) and the one new tokens are signed with. */
  signingKeys(): Promise<{ current: string; kids: string[] }> {
    return this.call('GET', '/signing-keys');
  }
  /** Entra's key rollover: a new signing key; the JWKS keeps the previous one until `retireSigningKeys`. */
  rolloverSigningKey(): Promise<{ kid: string; previousKid: string }> {
    return this.call('POST', '/signing-keys/rollover', {});
  }
  /** Unpublishes every key but the current one (tokens they signed are refused from then on). */
  retireSigningKeys(): Promise<{ retired: string[] }> {
    return this.call('POST', '/signing-keys/retire', {});
  }
  advanceClock(seconds: number): Promise<{ offsetSeconds: number; now: string }> {
    return this.call('POST', '/clock/advance', { seconds });
  }

  // ---- request log ----
  /** Served requests; `mailbox` (UPN or id) keeps the Graph mail calls addressed to that mailbox. */
  requests(
    filter: { since?: number; area?: 'entra' | 'graph' | 'control' | 'other'; mailbox?: string } = {},
  ): Promise<RequestLogEntry[]> {
    const q = new URLSearchParams();
    if (filter.mailbox) q.set('mailbox', filter.mailbox);
    if (filter.since !== undefined) q.set('since', String(filter.since));
    if (filter.area) q.set('area', filter.area);
    return this.call('GET', `/requests${q.size ? `?${q}` : ''}`);
  }
  clearRequests(): Promise<void> {
    return this.call('DELETE', '/requests');
  }

  // ---- mail (part 2) ----
  private mbx(mailbox: string): string {
    return `/mailboxes/${encodeURIComponent(mailbox)}`;
  }
  /** Delivers a message given as Graph JSON into a mailbox folder (default inbox) now. */
  deliverMessage(
    mailbox: string,
    message: GraphMessageJson,
    opts: { folder?: string } = {},
  ): Promise<DeliveredMessage> {
    return this.call('POST', `${this.mbx(mailbox)}/messages`, { message, ...opts });
  }
  /** Delivers a raw RFC 822 message (.eml bytes, parsed with mailparser; `$value` serves the same bytes). */
  deliverEml(
    mailbox: string,
    eml: Buffer | string,
    opts: { folder?: string } = {},
  ): Promise<DeliveredMessage> {
    const q = opts.folder ? `?folder=${encodeURIComponent(opts.folder)}` : '';
    return this.call('POST', `${this.mbx(mailbox)}/eml${q}`, undefined, {
      contentType: 'message/rfc822',
      data: eml,
    });
  }
  /** Delivers one generated, realistic claim email (PDF claim form, JPEG photos) now. */
  deliverGenerated(
    mailbox: string,
    opts: GenerateOptions & { folder?: string } = {},
  ): Promise<DeliveredMessage> {
    const { folder, ...generate } = opts;
    return this.call('POST', `${this.mbx(mailbox)}/messages`, { generate, ...(folder ? { folder } : {}) });
  }
  /** N generated emails, at once or paced at `ratePerSecond` in the background (poll `mailJob`). */
  generateMail(
    mailbox: string,
    opts: GenerateOptions & { count?: number; ratePerSecond?: number; folder?: string },
  ): Promise<MailJob> {
    return this.call('POST', `${this.mbx(mailbox)}/generate`, opts);
  }
  mailJob(id: string): Promise<MailJob> {
    return this.call('GET', `/mail-jobs/${encodeURIComponent(id)}`);
  }
  listMessages(
    mailbox: string,
    opts: { folder?: string } = {},
  ): Promise<
    (DeliveredMessage & {
      folder: string;
      isRead: boolean;
      categories: string[];
      attachments: { name: string; size: number; contentType: string }[];
    })[]
  > {
    return this.call(
      'GET',
      `${this.mbx(mailbox)}/messages${opts.folder ? `?folder=${encodeURIComponent(opts.folder)}` : ''}`,
    );
  }
  /** Moves a message as an Outlook rule would (new REST id; destination: well-known name, folder id or display name). */
  /**
   * An Outlook user's move. `acrossStores`: a drag-drop between stores in Outlook desktop — a copy and a
   * delete, so the message gets a new immutable id (the `acrossStoresMoveRate` quirk does it by chance).
   */
  moveMessage(
    mailbox: string,
    id: string,
    destination: string,
    opts: { acrossStores?: boolean } = {},
  ): Promise<DeliveredMessage> {
    return this.call('POST', `${this.mbx(mailbox)}/messages/${encodeURIComponent(id)}/move`, {
      destination,
      ...opts,
    });
  }
  /** Graph's own misbehaviours (all off by default; `clearFaults` switches them off again). */
  quirks(): Promise<Quirks> {
    return this.call('GET', '/quirks');
  }
  setQuirks(quirks: Partial<Quirks>): Promise<Quirks> {
    return this.call('PUT', '/quirks', quirks);
  }
  deleteMessage(mailbox: string, id: string): Promise<void> {
    return this.call('DELETE', `${this.mbx(mailbox)}/messages/${encodeURIComponent(id)}`);
  }
  /** Changes a message as a user in Outlook would (isRead, categories, subject). */
  updateMessage(
    mailbox: string,
    id: string,
    changes: { isRead?: boolean; categories?: string[]; subject?: string },
  ): Promise<DeliveredMessage> {
    return this.call('PATCH', `${this.mbx(mailbox)}/messages/${encodeURIComponent(id)}`, changes);
  }
  createFolder(
    mailbox: string,
    displayName: string,
    opts: { parent?: string; isHidden?: boolean } = {},
  ): Promise<{ id: string; displayName: string }> {
    return this.call('POST', `${this.mbx(mailbox)}/folders`, { displayName, ...opts });
  }
  /** Evicts delta sync states (all, a mailbox's, or one folder's): their links answer 410 SyncStateNotFound. */
  evictDeltaTokens(opts: { mailbox?: string; folder?: string } = {}): Promise<{ evicted: number }> {
    return this.call('POST', '/delta-tokens/evict', opts);
  }
  throttling(): Promise<{ config: ThrottleConfig; counters: ThrottleCounters[] }> {
    return this.call('GET', '/throttling');
  }
  /** Changes the limits, or `{ enabled: false }` to switch throttling off (counters keep counting). */
  setThrottling(
    config: Partial<ThrottleConfig>,
  ): Promise<{ config: ThrottleConfig; counters: ThrottleCounters[] }> {
    return this.call('PUT', '/throttling', config);
  }
  resetThrottlingCounters(): Promise<void> {
    return this.call('POST', '/throttling/reset', {});
  }
  /** A Graph request fault: status (429/503/504… with Retry-After), delay, drop, truncate; by path regex, count, probability. */
  addFault(rule: FaultRuleInput): Promise<FaultRule> {
    return this.call('POST', '/faults', rule);
  }
  /** A change-notification fault: drop, duplicate, delay, reorder, or moveAfterNotify (an "Outlook rule" moves the message after notifying). */
  addNotificationFault(fault: NotificationFaultInput): Promise<NotificationFault> {
    return this.call('POST', '/faults/notifications', fault);
  }
  faults(): Promise<{ requests: FaultRule[]; notifications: NotificationFault[] }> {
    return this.call('GET', '/faults');
  }
  removeFault(id: string): Promise<void> {
    return this.call('DELETE', `/faults/${encodeURIComponent(id)}`);
  }
  clearFaults(): Promise<void> {
    return this.call('DELETE', '/faults');
  }
  setFaultSeed(seed: number): Promise<void> {
    return this.call('POST', '/faults/seed', { seed });
  }
  /** Mail sent to recipients outside the emulated tenants. */
  outbound(since = 0): Promise<OutboundMessage[]> {
    return this.call('GET', `/outbound?since=${since}`);
  }
  clearOutbound(): Promise<void> {
    return this.call('DELETE', '/outbound');
  }
  mailStats(): Promise<{ mailboxes: number; messages: number; deltaTokens: number }> {
    return this.call('GET', '/mail/stats');
  }

  // ---- change notifications ----
  /** Every active subscription (all apps), as the emulator holds it. */
  subscriptions(): Promise<(Omit<Subscription, 'filter'> & { expirationDateTime: string })[]> {
    return this.call('GET', '/subscriptions');
  }
  /** Sends a lifecycle event to the subscription's lifecycleNotificationUrl (subscriptionRemoved also removes it). */
  sendLifecycleEvent(subscriptionId: string, event: LifecycleEvent): Promise<{ sent: boolean }> {
    return this.call('POST', `/subscriptions/${encodeURIComponent(subscriptionId)}/lifecycle`, { event });
  }
  /** Validation, notification and lifecycle POSTs with their outcome (attempt, status or error). */
  notificationLog(since = 0): Promise<DeliveryRecord[]> {
    return this.call('GET', `/notifications?since=${since}`);
  }
  getNotificationSettings(): Promise<NotificationSettings> {
    return this.call('GET', '/notification-settings');
  }
  /** Timeouts, retry backoff, batching window, per-mailbox limit, allowHttp for a local dev server. */
  setNotificationSettings(settings: Partial<NotificationSettings>): Promise<NotificationSettings> {
    return this.call('PUT', '/notification-settings', settings);
  }
}
