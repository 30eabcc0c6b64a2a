import { createHash } from 'node:crypto';
import { newGuid, opaqueToken } from '../util/ids.ts';
import type { AppRegistration, ServicePrincipal, Tenant, User } from '../tenant/model.ts';
import { GRAPH_RESOURCE } from '../tenant/model.ts';
import { accessTokenLifetime, type EmulatorState } from '../state.ts';
import { formatGraphScopes, type ParsedScopes } from './permissions.ts';
import { callerOrigin } from '../http/origin.ts';

/** Global Administrator role template id (token `wids`). */
const GLOBAL_ADMIN_ROLE = '62e90394-69f5-4237-9190-012177145e10';
/** "Member user" role template id, present in every member's `wids`. */
const MEMBER_ROLE = 'b79fbf4d-3ef9-4689-8143-76b194e85509';

export interface TokenResponse {
  token_type: 'Bearer';
  scope?: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  client_info?: string;
}

/** Pairwise subject: stable per (app, user), opaque, 43 base64url characters like Entra's. */
export function pairwiseSub(appId: string, objectId: string): string {
  return createHash('sha256').update(`${appId}|${objectId}`).digest('base64url').slice(0, 43);
}

const opaque = () => opaqueToken(24);

function graphIssuer(tid: string): string {
  return `https://sts.windows.net/${tid}/`;
}

export interface UserGrantInput {
  app: AppRegistration;
  tenant: Tenant;
  user: User;
  /** What the client asked for now. */
  requested: ParsedScopes;
  /** The requested scope string (kept on the refresh token). */
  scopeString: string;
  /** Graph scopes consented (token `scp`). */
  consented: Set<string>;
  nonce?: string;
  sid: string;
  authTimeSeconds: number;
  /** 1 = secret, 2 = certificate, 0 = public client. */
  appidacr: '0' | '1' | '2';
  wantClientInfo: boolean;
}

/** Access token (+ id token, refresh token) for a signed-in user, as Entra v2 returns them. */
export function mintUserTokens(st: EmulatorState, g: UserGrantInput): TokenResponse {
  const now = st.clock.nowSeconds();
  const { app, tenant, user } = g;
  const lt = st.lifetimes;
  const accessSeconds = accessTokenLifetime(lt);
  const graphScopes = [...g.consented].sort();
  const oidcInScp = ['openid', 'profile', 'email'].filter((s) => g.requested.oidc.has(s));
  const accessToken = st.signer.sign({
    aud: GRAPH_RESOURCE,
    iss: graphIssuer(tenant.id),
    iat: now,
    nbf: now,
    exp: now + accessSeconds,
    acct: 0,
    acr: '1',
    aio: opaque(),
    amr: ['pwd'],
    app_displayname: app.displayName,
    appid: app.appId,
    appidacr: g.appidacr,
    family_name: user.surname ?? undefined,
    given_name: user.givenName ?? undefined,
    idtyp: 'user',
    ipaddr: '127.0.0.1',
    name: user.displayName,
    oid: user.id,
    platf: '3',
    puid: createHash('sha1').update(user.id).digest('hex').slice(0, 16).toUpperCase(),
    rh: opaque(),
    scp: [...oidcInScp, ...graphScopes].join(' '),
    sid: g.sid,
    sub: pairwiseSub('00000003-0000-0000-c000-000000000000', user.id),
    tenant_region_scope: 'EU',
    tid: tenant.id,
    unique_name: user.userPrincipalName,
    upn: user.userPrincipalName,
    uti: opaque(),
    ver: '1.0',
    wids: user.isAdmin ? [GLOBAL_ADMIN_ROLE, MEMBER_ROLE] : [MEMBER_ROLE],
    xms_tcdt: Math.floor(tenant.createdMs / 1000),
  });
  const body: TokenResponse = {
    token_type: 'Bearer',
    scope: [...formatGraphScopes(graphScopes, g.requested.longForm), ...oidcInScp].join(' '),
    expires_in: accessSeconds,
    ext_expires_in: accessSeconds,
    access_token: accessToken,
  };
  if (g.requested.oidc.has('offline_access')) {
    const rt = `1.${opaqueToken(48)}`;
    st.refreshTokens.set(rt, {
      clientId: app.appId,
      tenantId: tenant.id,
      userId: user.id,
      scope: g.scopeString,
      sid: g.sid,
      authTimeSeconds: g.authTimeSeconds,
      issuedMs: st.clock.now(),
    });
    body.refresh_token = rt;
  }
  if (g.requested.oidc.has('openid')) {
    const claims: Record<string, unknown> = {
      aud: app.appId,
      iss: `${callerOrigin(st)}/${tenant.id}/v2.0`,
      iat: now,
      nbf: now,
      exp: now + lt.idTokenSeconds,
      aio: opaque(),
    };
    if (g.requested.oidc.has('email') && user.mail) claims.email = user.mail;
    if (g.requested.oidc.has('profile')) claims.name = user.displayName;
    if (g.nonce) claims.nonce = g.nonce;
    claims.oid = user.id;
    if (g.requested.oidc.has('profile')) claims.preferred_username = user.userPrincipalName;
    Object.assign(claims, {
      rh: opaque(),
      sid: g.sid,
      sub: pairwiseSub(app.appId, user.id),
      tid: tenant.id,
      uti: opaque(),
      ver: '2.0',
    });
    body.id_token = st.signer.sign(claims);
  }
  if (g.wantClientInfo) {
    body.client_info = Buffer.from(JSON.stringify({ uid: user.id, utid: tenant.id })).toString('base64url');
  }
  return body;
}

/** App-only access token (client credentials): `roles` from admin consent, no `scp`. */
export function mintAppToken(
  st: EmulatorState,
  app: AppRegistration,
  tenant: Tenant,
  sp: ServicePrincipal,
  appidacr: '1' | '2',
): TokenResponse {
  const now = st.clock.nowSeconds();
  const lt = accessTokenLifetime(st.lifetimes);
  const claims: Record<string, unknown> = {
    aud: GRAPH_RESOURCE,
    iss: graphIssuer(tenant.id),
    iat: now,
    nbf: now,
    exp: now + lt,
    aio: opaque(),
    app_displayname: app.displayName,
    appid: app.appId,
    appidacr,
    idp: graphIssuer(tenant.id),
    idtyp: 'app',
    oid: sp.id,
    rh: opaque(),
  };
  if (sp.appRoles.length) claims.roles = [...sp.appRoles];
  Object.assign(claims, {
    sub: sp.id,
    tenant_region_scope: 'EU',
    tid: tenant.id,
    uti: opaque(),
    ver: '1.0',
    xms_tcdt: Math.floor(tenant.createdMs / 1000),
  });
  return { token_type: 'Bearer', expires_in: lt, ext_expires_in: lt, access_token: st.signer.sign(claims) };
}

export function newSessionId(): string {
  return newGuid();
}
