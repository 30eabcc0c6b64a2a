import { graphGet } from './graph.ts';
import type { MicrosoftSettings } from './settings.ts';

interface RolePage {
  value: { id: string; displayName?: string | null; roleTemplateId?: string | null }[];
  '@odata.nextLink'?: string;
}

/** The signed-in user's directory roles cannot be read: Mailroom's app lacks the permission to see them. */
export class RolesUnreadableError extends Error {}

/**
 * The template ids of the directory roles the signed-in user holds, directly or through a
 * role-assignable group. Needs a delegated token with RoleManagement.Read.Directory (or
 * Directory.Read.All): with User.Read alone Graph lists the roles "with limited information"
 * (ids only, every property null), which must not pass for "no roles".
 */
export async function signedInUserRoleTemplates(
  settings: MicrosoftSettings,
  delegatedToken: string,
): Promise<string[]> {
  const out: string[] = [];
  let next: string | undefined =
    '/me/transitiveMemberOf/microsoft.graph.directoryRole?$select=id,displayName,roleTemplateId';
  for (let page = 0; next && page < 20; page++) {
    const body: RolePage = await graphGet(settings, delegatedToken, next);
    for (const r of body.value) {
      if (!r.roleTemplateId)
        throw new RolesUnreadableError(
          'Microsoft did not show the directory roles of the account that signed in (Mailroom needs the delegated permission RoleManagement.Read.Directory).',
        );
      out.push(r.roleTemplateId);
    }
    next = body['@odata.nextLink'];
  }
  return out;
}
