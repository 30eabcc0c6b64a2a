import type { Ctx } from '../http/context.ts';
import type { EmulatorState } from '../state.ts';
import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../tenant/model.ts';
import type { GraphHttpError } from './errors.ts';
import { GraphErrors } from './errors.ts';

/** Who is calling Graph, from a validated bearer token. */
export interface GraphPrincipal {
  tenantId: string;
  appId: string;
  /** Delegated (user) token or app-only token. */
  kind: 'delegated' | 'app';
  /** Signed-in user (delegated only). */
  userId: string | undefined;
  /** Delegated scopes (`scp`), lower-case. */
  scopes: Set<string>;
  /** Application roles (`roles`), lower-case. */
  roles: Set<string>;
}

/**
 * Signature checks of recently seen tokens, so a client reusing its token (all of them) does not
 * pay an RSA verification per request. Lifetime, audience and tenant are still checked every time.
 */
const caches = new WeakMap<
  object,
  { version: number; verified: Map<string, Record<string, unknown> | null> }
>();

function verifyCached(st: EmulatorState, token: string): Record<string, unknown> | null {
  let cache = caches.get(st.signer);
  // A retired signing key invalidates what was verified with it.
  if (!cache || cache.version !== st.signer.version)
    caches.set(st.signer, (cache = { version: st.signer.version, verified: new Map() }));
  const verified = cache.verified;
  const hit = verified.get(token);
  if (hit !== undefined) return hit;
  const p = st.signer.verify(token);
  if (verified.size >= 5000) verified.delete(verified.keys().next().value!);
  verified.set(token, p);
  return p;
}

/** Validates the bearer token the way Graph does: signature, audience, lifetime, tenant. */
export function authenticateGraph(st: EmulatorState, ctx: Ctx): GraphPrincipal {
  const h = ctx.header('authorization');
  if (!h || !/^bearer /i.test(h)) throw GraphErrors.noToken();
  const token = h.slice(7).trim();
  if (token.split('.').length !== 3) throw GraphErrors.malformedToken();
  const p = verifyCached(st, token);
  if (!p) throw GraphErrors.badSignature();
  const aud = String(p.aud ?? '');
  if (aud !== GRAPH_RESOURCE && aud !== `${GRAPH_RESOURCE}/` && aud !== GRAPH_APP_ID)
    throw GraphErrors.badAudience();
  const now = st.clock.nowSeconds();
  if (typeof p.exp !== 'number' || p.exp <= now || (typeof p.nbf === 'number' && p.nbf > now + 300))
    throw GraphErrors.expired();
  const tid = String(p.tid ?? '');
  if (!st.dir.tenants.has(tid) || p.iss !== `https://sts.windows.net/${tid}/`)
    throw GraphErrors.badSignature();
  const scp = typeof p.scp === 'string' ? p.scp.split(' ').filter(Boolean) : [];
  const roles = Array.isArray(p.roles) ? p.roles.map(String) : [];
  const principal: GraphPrincipal = {
    tenantId: tid,
    appId: String(p.appid ?? ''),
    kind:
      p.idtyp === 'app' || (!p.scp && typeof p.oid === 'string' && p.sub === p.oid && !p.upn)
        ? 'app'
        : 'delegated',
    userId: p.idtyp === 'app' ? undefined : String(p.oid ?? ''),
    scopes: new Set(scp.map((s) => s.toLowerCase())),
    roles: new Set(roles.map((s) => s.toLowerCase())),
  };
  ctx.tags.tenantId = tid;
  ctx.tags.clientId = principal.appId;
  if (principal.userId) ctx.tags.userId = principal.userId;
  return principal;
}

/** Passes if the caller holds one of the delegated scopes (delegated) or roles (app-only). */
export function requirePermission(
  p: GraphPrincipal,
  opts: { delegated: string[]; application: string[] },
  deny: () => GraphHttpError,
): void {
  const list = p.kind === 'delegated' ? opts.delegated : opts.application;
  const have = p.kind === 'delegated' ? p.scopes : p.roles;
  if (!list.some((x) => have.has(x.toLowerCase()))) throw deny();
}
