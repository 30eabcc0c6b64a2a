/**
 * Who may connect a tenant organisation-wide (decision 0009). Granting Microsoft Graph *application*
 * permissions tenant-wide takes one of these Entra built-in roles; Application and Cloud Application
 * Administrators can grant delegated permissions only, so they do not count. Template ids are the
 * same in every tenant.
 */
export const CONSENT_ROLES: Readonly<Record<string, string>> = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  'e8611ab8-c189-46e8-94e1-60213ab1f814': 'Privileged Role Administrator',
};

/** The consent-granting role the user holds, by name, or undefined. */
export function consentRoleOf(roleTemplateIds: readonly string[]): string | undefined {
  for (const id of roleTemplateIds) {
    const name = CONSENT_ROLES[id.toLowerCase()];
    if (name) return name;
  }
  return undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isTenantGuid(v: unknown): v is string {
  return typeof v === 'string' && GUID.test(v);
}
