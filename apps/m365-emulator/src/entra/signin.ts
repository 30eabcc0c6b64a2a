import type { Directory } from '../tenant/directory.ts';
import type { User } from '../tenant/model.ts';
import { Aadsts, type AadstsError } from './errors.ts';
import { tenantLabel, type TenantSegment } from './tenancy.ts';

/**
 * Checks a username and password against the directory for a sign-in through `seg`
 * (AADSTS50034 unknown or deleted, 50020 other tenant, 50126 wrong password, 50057 disabled).
 */
export function checkCredentials(
  dir: Directory,
  seg: TenantSegment,
  username: string,
  password: string,
  app: { appId: string; displayName: string },
): User {
  const user = dir.findUser(username.trim());
  if (!user || user.state === 'deleted') {
    const domain = username.split('@')[1] ?? username;
    const t = seg.kind === 'tenant' ? seg.tenant : dir.findTenant(domain);
    throw Aadsts.userNotFound(t ? t.displayName : tenantLabel(seg));
  }
  if (seg.kind === 'tenant' && user.tenantId !== seg.tenant.id) {
    throw Aadsts.userNotInTenant(user.userPrincipalName, seg.tenant.displayName, app.appId, app.displayName);
  }
  if (user.password === null || user.password !== password) throw Aadsts.wrongPassword();
  if (user.state === 'disabled') throw Aadsts.userDisabled();
  return user;
}

/** What the sign-in page says for each failure (Entra's UI wording). */
export function loginErrorText(e: AadstsError): string {
  switch (e.code) {
    case 50126:
      return "Your account or password is incorrect. If you don't remember your password, reset it now.";
    case 50034:
      return 'This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.';
    case 50057:
      return 'Your account has been disabled. Contact your administrator.';
    default:
      return e.message;
  }
}
