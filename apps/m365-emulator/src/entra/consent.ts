import type { Directory } from '../tenant/directory.ts';
import type { AppRegistration, User } from '../tenant/model.ts';
import { DELEGATED_PERMISSIONS, canonicalDelegated, type ParsedScopes } from './permissions.ts';

/** Graph delegated permissions a request needs: the named ones, or the app's static ones for `.default`. */
export function requiredDelegated(app: AppRegistration, parsed: ParsedScopes): string[] {
  const out = new Set(parsed.graph);
  if (parsed.default) for (const p of app.delegatedPermissions) out.add(canonicalDelegated(p) ?? p);
  return [...out];
}

/**
 * What is missing for this user to use the app without a consent prompt: the app's service
 * principal in the user's tenant, and every required scope granted to the user or tenant-wide.
 */
export function missingConsent(
  dir: Directory,
  app: AppRegistration,
  user: User,
  required: string[],
): { noServicePrincipal: boolean; scopes: string[] } {
  const noServicePrincipal = !dir.findServicePrincipal(user.tenantId, app.appId);
  const have = dir.consentedScopes(user.tenantId, app.appId, user.id);
  const haveLower = new Set([...have].map((s) => s.toLowerCase()));
  return { noServicePrincipal, scopes: required.filter((s) => !haveLower.has(s.toLowerCase())) };
}

export function needsAdmin(scopes: string[]): boolean {
  return scopes.some((s) => DELEGATED_PERMISSIONS[s]?.admin);
}
