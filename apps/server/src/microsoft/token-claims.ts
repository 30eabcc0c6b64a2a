/**
 * What an access token says of itself, reference §1 [at-claims]. Microsoft calls Graph tokens opaque
 * to clients, so they are read only to warn ahead or explain ("this connection cannot forward", "RBAC
 * for Applications keeps the app out") — never to decide access, which Graph does — and an unreadable
 * token means "not known" (null), not "nothing".
 */
interface AccessTokenClaims {
  scp?: unknown;
  roles?: unknown;
  idtyp?: unknown;
  oid?: unknown;
  tid?: unknown;
  appid?: unknown;
  azp?: unknown;
}

/** The token's payload, or null when it is not a readable JWT. */
function claimsOf(accessToken: string): AccessTokenClaims | null {
  const part = accessToken.split('.')[1];
  if (!part) return null;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as AccessTokenClaims;
  } catch {
    return null;
  }
}

/** The permissions an access token carries: `scp` (delegated, space-separated) or `roles` (app-only). */
export function grantedPermissions(accessToken: string): Set<string> | null {
  const claims = claimsOf(accessToken);
  if (!claims) return null;
  const list =
    typeof claims.scp === 'string'
      ? claims.scp.split(' ')
      : Array.isArray(claims.roles)
        ? claims.roles.filter((r): r is string => typeof r === 'string')
        : null;
  if (!list) return null;
  return new Set(
    list.filter(Boolean).map((p) => p.replace(/^https:\/\/graph\.microsoft\.com\//i, '').toLowerCase()),
  );
}

/**
 * The app's service principal in the tenant, from an app-only access token (`idtyp` "app"; its `oid`
 * is the service principal's object id). Shown to admins for RBAC for Applications
 * (`New-ServicePrincipal -ObjectId`). Null when the token is not app-only or not readable.
 */
export function appPrincipalId(accessToken: string): string | null {
  const claims = claimsOf(accessToken);
  if (!claims || typeof claims.oid !== 'string') return null;
  const appOnly = claims.idtyp === 'app' || claims.scp === undefined;
  return appOnly ? claims.oid : null;
}

/**
 * The app a token acts as, in its tenant (`<tid>:<appid>`; `azp` in v2 tokens): the scope in which
 * Microsoft may count the 4 concurrent requests across mailboxes (decision 0020). Null when unreadable.
 */
export function appScopeOf(accessToken: string): string | null {
  const claims = claimsOf(accessToken);
  const app = claims && (typeof claims.appid === 'string' ? claims.appid : claims.azp);
  if (!claims || typeof app !== 'string' || typeof claims.tid !== 'string') return null;
  return `${claims.tid}:${app}`;
}
