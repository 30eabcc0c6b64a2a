import type { Agent } from 'node:https';
import { caAgent, rawRequest } from '../util/https-client.ts';
import type { RequestLogEntry } from '../http/request-log.ts';
import type { TokenLifetimes } from '../state.ts';
import type { AccessRight, AppAccessPolicy, DirectoryData, User, UserKind } from '../tenant/model.ts';
import type { SeedApplication, SeedFile } from '../seed/schema.ts';

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

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await rawRequest(`${this.baseUrl}/__emulator${path}`, this.agent, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
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
  seed(seed: SeedFile, opts: { replace?: boolean } = {}): Promise<{ tenants: { id: string; displayName: string }[] }> {
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
  grantConsent(tenant: string, appId: string, opts: { user?: string; delegated?: string[]; application?: string[] } = {}): Promise<void> {
    return this.call('POST', '/consents/grant', { tenant, appId, ...opts });
  }
  /** Withdraws one user's consent, or (no user) all consent and the app's service principal. */
  withdrawConsent(tenant: string, appId: string, opts: { user?: string } = {}): Promise<void> {
    return this.call('POST', '/consents/withdraw', { tenant, appId, ...opts });
  }
  addSecret(appId: string, opts: { displayName?: string; expiresInSeconds?: number; value?: string } = {}): Promise<NewSecret> {
    return this.call('POST', `/apps/${encodeURIComponent(appId)}/secrets`, opts);
  }
  expireSecret(appId: string, keyId: string): Promise<void> {
    return this.call('POST', `/apps/${encodeURIComponent(appId)}/secrets/${encodeURIComponent(keyId)}/expire`, {});
  }
  deleteSecret(appId: string, keyId: string): Promise<void> {
    return this.call('DELETE', `/apps/${encodeURIComponent(appId)}/secrets/${encodeURIComponent(keyId)}`);
  }
  addCertificate(appId: string, pem: string, displayName?: string): Promise<{ keyId: string; thumbprint: string; thumbprintSha256: string }> {
    return this.call('POST', `/apps/${encodeURIComponent(appId)}/certificates`, { pem, displayName });
  }
  addRedirectUri(appId: string, uri: string): Promise<void> {
    return this.call('POST', `/apps/${encodeURIComponent(appId)}/redirect-uris`, { uri });
  }
  removeRedirectUri(appId: string, uri: string): Promise<void> {
    return this.call('POST', `/apps/${encodeURIComponent(appId)}/redirect-uris/remove`, { uri });
  }
  addAccessPolicy(tenant: string, policy: { appId: string; scopeGroup: string; accessRight: AccessRight; description?: string }): Promise<AppAccessPolicy> {
    return this.call('POST', '/access-policies', { tenant, ...policy });
  }
  removeAccessPolicy(id: string): Promise<void> {
    return this.call('DELETE', `/access-policies/${encodeURIComponent(id)}`);
  }

  // ---- time and tokens ----
  getTokenLifetimes(): Promise<TokenLifetimes> {
    return this.call('GET', '/token-lifetimes');
  }
  setTokenLifetimes(l: Partial<TokenLifetimes>): Promise<TokenLifetimes> {
    return this.call('PUT', '/token-lifetimes', l);
  }
  /** Moves the emulator's clock forward (expires codes, tokens, secrets without waiting). */
  advanceClock(seconds: number): Promise<{ offsetSeconds: number; now: string }> {
    return this.call('POST', '/clock/advance', { seconds });
  }

  // ---- request log ----
  requests(filter: { since?: number; area?: 'entra' | 'graph' | 'control' | 'other' } = {}): Promise<RequestLogEntry[]> {
    const q = new URLSearchParams();
    if (filter.since !== undefined) q.set('since', String(filter.since));
    if (filter.area) q.set('area', filter.area);
    return this.call('GET', `/requests${q.size ? `?${q}` : ''}`);
  }
  clearRequests(): Promise<void> {
    return this.call('DELETE', '/requests');
  }
}
