import { createHash } from 'node:crypto';
import type { Router } from '../http/router.ts';
import type { Ctx } from '../http/context.ts';
import type { EmulatorState } from '../state.ts';
import type { AppRegistration, Tenant, User } from '../tenant/model.ts';
import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../tenant/model.ts';
import { dotnetIso } from '../util/clock.ts';
import { newGuid } from '../util/ids.ts';
import { Aadsts, AadstsError, aadErrorBody, timeSpan } from './errors.ts';
import { authenticateClient, requestClientId, type AuthenticatedClient } from './client-auth.ts';
import { parseScopes } from './permissions.ts';
import { resolveTenantSegment, tenantLabel, type TenantSegment } from './tenancy.ts';
import { missingConsent, requiredDelegated } from './consent.ts';
import { checkCredentials } from './signin.ts';
import { mintAppToken, mintUserTokens, type TokenResponse } from './tokens.ts';

const NO_STORE = { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' };

/** POST /{tenant}/oauth2/v2.0/token: authorization_code, refresh_token, client_credentials, password. */
export function registerTokenEndpoint(router: Router, st: EmulatorState): void {
  router.on('POST', '/:tenant/oauth2/v2.0/token', async (ctx) => {
    ctx.tags.area = 'entra';
    try {
      const form = await ctx.form();
      const body = await handle(st, ctx, form);
      ctx.sendJson(200, body, NO_STORE);
    } catch (e) {
      if (!(e instanceof AadstsError)) throw e;
      const headers: Record<string, string> = { ...NO_STORE, 'x-ms-request-id': ctx.requestId };
      if (e.status === 401) headers['www-authenticate'] = 'Basic realm=""';
      ctx.sendJson(e.status, aadErrorBody(e, ctx.correlationId, st.clock.now(), ctx.requestId), headers);
    }
  });
}

async function handle(st: EmulatorState, ctx: Ctx, form: URLSearchParams): Promise<TokenResponse> {
  const seg = resolveTenantSegment(st.dir, ctx.params.tenant!);
  if (seg.kind === 'tenant') ctx.tags.tenantId = seg.tenant.id;
  const grant = form.get('grant_type');
  if (!grant) throw Aadsts.missingParam('grant_type');
  if (!['authorization_code', 'refresh_token', 'client_credentials', 'password'].includes(grant))
    throw Aadsts.unsupportedGrant(grant);
  if (
    (grant === 'client_credentials' || grant === 'password') &&
    seg.kind !== 'tenant' &&
    !(grant === 'password' && seg.kind === 'organizations')
  ) {
    throw Aadsts.grantOnCommon();
  }
  const clientId = requestClientId(ctx, form);
  if (!clientId) throw Aadsts.missingParam('client_id');
  const app = st.dir.findApp(clientId);
  if (!app) throw Aadsts.appNotFound(clientId, tenantLabel(seg));
  ctx.tags.clientId = app.appId;
  if (
    seg.kind === 'tenant' &&
    !st.dir.appIsInTenant(app, seg.tenant.id) &&
    (grant === 'client_credentials' || app.signInAudience === 'AzureADMyOrg')
  ) {
    throw Aadsts.appNotFound(app.appId, seg.tenant.displayName);
  }
  if (seg.kind !== 'tenant' && app.signInAudience === 'AzureADMyOrg')
    throw Aadsts.notMultiTenant(app.appId, app.displayName);
  const client = await authenticateClient(st, ctx, form, app);
  switch (grant) {
    case 'client_credentials':
      return clientCredentials(st, form, client, (seg as Extract<TenantSegment, { kind: 'tenant' }>).tenant);
    case 'authorization_code':
      return authorizationCode(st, ctx, form, client);
    case 'refresh_token':
      return refreshToken(st, ctx, form, client);
    default:
      return password(st, ctx, form, client, seg);
  }
}

function clientCredentials(
  st: EmulatorState,
  form: URLSearchParams,
  client: AuthenticatedClient,
  tenant: Tenant,
): TokenResponse {
  const scope = (form.get('scope') ?? '').trim();
  if (!scope) throw Aadsts.missingParam('scope');
  const parts = scope.split(/\s+/);
  if (parts.length !== 1 || !parts[0]!.endsWith('/.default')) throw Aadsts.clientCredentialsScope(scope);
  const resource = parts[0]!.slice(0, -'/.default'.length).toLowerCase();
  if (resource !== GRAPH_RESOURCE && resource !== GRAPH_APP_ID && resource !== `${GRAPH_RESOURCE}/`)
    throw Aadsts.resourceNotFound(resource, tenant.displayName);
  if (client.appidacr === '0')
    throw new AadstsError(
      400,
      'unauthorized_client',
      700025,
      "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    );
  const sp = st.dir.findServicePrincipal(tenant.id, client.app.appId);
  if (!sp) throw Aadsts.appNotFound(client.app.appId, tenant.displayName);
  return mintAppToken(st, client.app, tenant, sp, client.appidacr as '1' | '2');
}

function pkceMatches(challenge: string, method: 'S256' | 'plain', verifier: string): boolean {
  if (method === 'plain') return challenge === verifier;
  return createHash('sha256').update(verifier).digest('base64url') === challenge;
}

function authorizationCode(
  st: EmulatorState,
  ctx: Ctx,
  form: URLSearchParams,
  client: AuthenticatedClient,
): TokenResponse {
  const code = form.get('code');
  if (!code) throw Aadsts.missingParam('code');
  const rec = st.codes.get(code);
  if (!rec) throw Aadsts.malformed();
  if (rec.clientId !== client.app.appId) throw Aadsts.grantClientMismatch();
  if (rec.redeemed) throw Aadsts.codeRedeemed();
  if (st.clock.now() - rec.issuedMs > st.lifetimes.authCodeSeconds * 1000) throw Aadsts.codeExpired();
  const redirectUri = form.get('redirect_uri');
  if (!redirectUri) throw Aadsts.missingParam('redirect_uri');
  if (!client.app.redirectUris.includes(redirectUri))
    throw Aadsts.redirectNotRegistered(redirectUri, client.app.appId);
  if (redirectUri !== rec.redirectUri) throw Aadsts.replyMismatch(redirectUri, rec.redirectUri);
  if (rec.codeChallenge !== undefined) {
    const verifier = form.get('code_verifier');
    if (!verifier || !pkceMatches(rec.codeChallenge, rec.codeChallengeMethod, verifier))
      throw Aadsts.pkceMismatch();
  }
  rec.redeemed = true;
  const { user, tenant } = activeUser(st, rec.userId);
  ctx.tags.userId = user.id;
  ctx.tags.tenantId = tenant.id;
  return userTokens(st, form, client, tenant, user, rec.scope, form.get('scope') ?? rec.scope, {
    nonce: rec.nonce,
    sid: rec.sid,
    authTimeSeconds: rec.authTimeSeconds,
  });
}

function refreshToken(
  st: EmulatorState,
  ctx: Ctx,
  form: URLSearchParams,
  client: AuthenticatedClient,
): TokenResponse {
  const token = form.get('refresh_token');
  if (!token) throw Aadsts.missingParam('refresh_token');
  const rec = st.refreshTokens.get(token);
  if (!rec) throw Aadsts.malformed();
  if (rec.clientId !== client.app.appId) throw Aadsts.grantClientMismatch();
  const { user, tenant } = activeUser(st, rec.userId);
  ctx.tags.userId = user.id;
  ctx.tags.tenantId = tenant.id;
  // Issued in the millisecond of the revocation counts as before it: on a fast machine a token and
  // the revocation that follows it can share one (the fidelity test then saw a revoked token work).
  if (rec.issuedMs <= user.tokensValidFromMs)
    throw Aadsts.revoked(dotnetIso(rec.issuedMs), dotnetIso(user.tokensValidFromMs));
  if (st.clock.now() - rec.issuedMs > st.lifetimes.refreshTokenIdleSeconds * 1000) {
    st.refreshTokens.delete(token);
    throw Aadsts.refreshIdle(dotnetIso(rec.issuedMs), timeSpan(st.lifetimes.refreshTokenIdleSeconds));
  }
  return userTokens(st, form, client, tenant, user, rec.scope, form.get('scope') ?? rec.scope, {
    nonce: undefined,
    sid: rec.sid,
    authTimeSeconds: rec.authTimeSeconds,
  });
}

function password(
  st: EmulatorState,
  ctx: Ctx,
  form: URLSearchParams,
  client: AuthenticatedClient,
  seg: TenantSegment,
): TokenResponse {
  const username = form.get('username');
  const pwd = form.get('password');
  if (!username) throw Aadsts.missingParam('username');
  if (!pwd) throw Aadsts.missingParam('password');
  const scope = form.get('scope') ?? '';
  if (!scope) throw Aadsts.missingParam('scope');
  const user = checkCredentials(st.dir, seg, username, pwd, client.app);
  const tenant = st.dir.tenants.get(user.tenantId)!;
  ctx.tags.userId = user.id;
  ctx.tags.tenantId = tenant.id;
  return userTokens(st, form, client, tenant, user, scope, scope, {
    nonce: undefined,
    sid: newGuid(),
    authTimeSeconds: st.clock.nowSeconds(),
  });
}

/** The user behind a grant, still allowed to get tokens (AADSTS50057 disabled, 50034 deleted). */
function activeUser(st: EmulatorState, userId: string): { user: User; tenant: Tenant } {
  const user = st.dir.users.get(userId);
  const tenant = user ? st.dir.tenants.get(user.tenantId) : undefined;
  if (!user || !tenant || user.state === 'deleted')
    throw Aadsts.userNotFound(tenant?.displayName ?? 'unknown');
  if (user.state === 'disabled') throw Aadsts.userDisabled();
  return { user, tenant };
}

/** Consent check then minting, shared by the delegated grants. */
function userTokens(
  st: EmulatorState,
  form: URLSearchParams,
  client: AuthenticatedClient,
  tenant: Tenant,
  user: User,
  grantScope: string,
  requestScope: string,
  extra: { nonce: string | undefined; sid: string; authTimeSeconds: number },
): TokenResponse {
  const app: AppRegistration = client.app;
  if (app.signInAudience === 'AzureADMyOrg' && user.tenantId !== app.homeTenantId)
    throw Aadsts.appNotFound(app.appId, tenant.displayName);
  const requested = parseScopes(requestScope, tenant.displayName);
  // A refresh or code redemption keeps the OIDC scopes of the original grant (offline_access).
  const original = parseScopes(grantScope, tenant.displayName);
  for (const s of original.oidc) if (s === 'offline_access' || s === 'openid') requested.oidc.add(s);
  const required = requiredDelegated(app, requested);
  const missing = missingConsent(st.dir, app, user, required);
  if (missing.noServicePrincipal || missing.scopes.length)
    throw Aadsts.consentRequired(app.appId, app.displayName);
  const consented = st.dir.consentedScopes(tenant.id, app.appId, user.id);
  return mintUserTokens(st, {
    app,
    tenant,
    user,
    requested,
    scopeString: grantScope,
    consented,
    sid: extra.sid,
    authTimeSeconds: extra.authTimeSeconds,
    appidacr: client.appidacr,
    wantClientInfo: form.get('client_info') === '1',
    ...(extra.nonce ? { nonce: extra.nonce } : {}),
  });
}
