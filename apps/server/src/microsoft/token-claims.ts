/**
 * The permissions an access token carries: `scp` (delegated, space-separated) or `roles` (app-only),
 * reference §1 [at-claims]. Microsoft calls Graph tokens opaque to clients, so this is read only to
 * warn ahead ("this connection cannot forward") — never to decide access, which Graph does — and an
 * unreadable token means "not known" (null), not "nothing granted".
 */
export function grantedPermissions(accessToken: string): Set<string> | null {
  const part = accessToken.split('.')[1];
  if (!part) return null;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as {
      scp?: unknown;
      roles?: unknown;
    };
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
  } catch {
    return null;
  }
}

/**
 * The app's service principal in the tenant, from an app-only access token (`idtyp` "app"; its `oid` is
 * the service principal's object id, reference §1 [at-claims]). Shown to admins for RBAC for
 * Applications (`New-ServicePrincipal -ObjectId`), never used to decide anything. Null when the token
 * is not app-only or not readable.
 */
export function appPrincipalId(accessToken: string): string | null {
  const part = accessToken.split('.')[1];
  if (!part) return null;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as {
      idtyp?: unknown;
      oid?: unknown;
      scp?: unknown;
    };
    const appOnly = claims.idtyp === 'app' || (claims.scp === undefined && typeof claims.oid === 'string');
    return appOnly && typeof claims.oid === 'string' ? claims.oid : null;
  } catch {
    return null;
  }
}
