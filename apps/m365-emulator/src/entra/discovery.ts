import type { Router } from '../http/router.ts';
import type { Ctx } from '../http/context.ts';
import type { EmulatorState } from '../state.ts';
import { AadstsError, aadErrorBody } from './errors.ts';
import { resolveTenantSegment } from './tenancy.ts';
import { callerOrigin } from '../http/origin.ts';

const CACHE = { 'cache-control': 'max-age=86400, private', 'access-control-allow-origin': '*' };

/** Discovery documents, JWKS and MSAL instance discovery. */
export function registerDiscovery(router: Router, st: EmulatorState): void {
  const withTenant = (ctx: Ctx, fn: (tid: string) => unknown) => {
    ctx.tags.area = 'entra';
    try {
      const seg = resolveTenantSegment(st.dir, ctx.params.tenant!);
      const tid = seg.kind === 'tenant' ? seg.tenant.id : '{tenantid}';
      if (seg.kind === 'tenant') ctx.tags.tenantId = tid;
      ctx.sendJson(200, fn(tid), CACHE);
    } catch (e) {
      if (!(e instanceof AadstsError)) throw e;
      // Discovery of an unknown tenant: `invalid_tenant` (400) rather than the token endpoint's error.
      const body = aadErrorBody(e, ctx.correlationId, st.clock.now());
      ctx.sendJson(400, { ...body, error: 'invalid_tenant' }, { 'access-control-allow-origin': '*' });
    }
  };

  router.on('GET', '/:tenant/v2.0/.well-known/openid-configuration', (ctx) =>
    withTenant(ctx, (tid) => openIdConfigurationV2(callerOrigin(st), ctx.params.tenant!.toLowerCase(), tid)),
  );
  router.on('GET', '/:tenant/.well-known/openid-configuration', (ctx) =>
    withTenant(ctx, (tid) => openIdConfigurationV1(callerOrigin(st), ctx.params.tenant!.toLowerCase(), tid)),
  );
  const keys = (v2: boolean) => (ctx: Ctx) =>
    withTenant(ctx, (tid) => ({
      keys: st.signer.jwks().map((k) => ({
        ...k,
        issuer: v2 ? `${callerOrigin(st)}/${tid}/v2.0` : `https://sts.windows.net/${tid}/`,
      })),
    }));
  router.on('GET', '/:tenant/discovery/v2.0/keys', keys(true));
  router.on('GET', '/:tenant/discovery/keys', keys(false));

  // MSAL's instance discovery (used only when the host is neither known nor configured).
  router.on('GET', '/common/discovery/instance', (ctx) => {
    ctx.tags.area = 'entra';
    const host = new URL(callerOrigin(st)).host;
    const authorize =
      ctx.query.get('authorization_endpoint') ?? `${callerOrigin(st)}/common/oauth2/v2.0/authorize`;
    const tenantDiscovery = authorize.replace(
      /oauth2\/v2\.0\/authorize\/?$/,
      'v2.0/.well-known/openid-configuration',
    );
    ctx.sendJson(200, {
      tenant_discovery_endpoint: tenantDiscovery,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  });
}

/** `/{tenant}/v2.0/.well-known/openid-configuration`; endpoints carry the tenant GUID. */
export function openIdConfigurationV2(base: string, segment: string, tid: string): Record<string, unknown> {
  const host = new URL(base).host;
  // For a tenant, everything uses the GUID; for common/organizations, endpoints keep the segment
  // and the issuer is the `{tenantid}` template.
  const ep = tid === '{tenantid}' ? segment : tid;
  return {
    token_endpoint: `${base}/${ep}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/${ep}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/${tid}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${base}/${ep}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/${ep}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/${ep}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    kerberos_endpoint: `${base}/${ep}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: host,
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

/** v1 metadata (`/{tenant}/.well-known/openid-configuration`), for v1 token validators. */
export function openIdConfigurationV1(base: string, segment: string, tid: string): Record<string, unknown> {
  const ep = tid === '{tenantid}' ? segment : tid;
  return {
    token_endpoint: `${base}/${ep}/oauth2/token`,
    jwks_uri: `${base}/${ep}/discovery/keys`,
    issuer: `https://sts.windows.net/${tid}/`,
    authorization_endpoint: `${base}/${ep}/oauth2/authorize`,
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
    subject_types_supported: ['pairwise'],
    tenant_region_scope: 'EU',
    msgraph_host: 'graph.microsoft.com',
  };
}
