import { graphGet } from '../microsoft/graph.ts';
import { CacheHolder, createMsalApp, type AppCredential } from '../microsoft/msal.ts';
import { APP_SCOPES } from '../microsoft/scopes.ts';
import { appPrincipalId } from '../microsoft/token-claims.ts';
import type { MicrosoftSettings } from '../microsoft/settings.ts';

export interface VerifiedApp {
  tenantId: string;
  tenantName: string;
  /** The app's service principal in the tenant (its app-only token's `oid`); null if not readable. */
  principalId: string | null;
  /** The MSAL cache holding the app-only token, to be stored encrypted. */
  cache: string;
}

/**
 * An app-only token in `tenant` and a read of its organisation: proof that the credential works
 * and that the tenant's admin consent is in place. It proves nothing about who is asking.
 */
export async function verifyAppAccess(
  settings: MicrosoftSettings,
  tenant: string,
  credential: AppCredential,
): Promise<VerifiedApp> {
  const cache = new CacheHolder(null);
  const app = createMsalApp(settings, { tenant, credential, cache });
  const result = await app.acquireTokenByClientCredential({ scopes: [...APP_SCOPES] });
  if (!result || !cache.text) throw new Error('Entra returned no token');
  const org = await graphGet<{ value: { id: string; displayName: string }[] }>(
    settings,
    result.accessToken,
    '/organization?$select=id,displayName',
  );
  const o = org.value[0];
  if (!o) throw new Error('The tenant has no organisation record.');
  return {
    tenantId: o.id,
    tenantName: o.displayName,
    principalId: appPrincipalId(result.accessToken),
    cache: cache.text,
  };
}
