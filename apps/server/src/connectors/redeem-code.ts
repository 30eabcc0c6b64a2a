import type { AuthenticationResult } from '@azure/msal-node';
import { classify } from '../microsoft/classify.ts';
import { createMsalApp, mailroomAppCredential, type CacheHolder } from '../microsoft/msal.ts';
import type { MicrosoftSettings } from '../microsoft/settings.ts';
import type { Vault } from '../security/vault.ts';
import { CallbackError, openVerifier, type SignInCallback } from './callbacks.ts';
import type { OAuthStateRow } from './oauth-states.ts';
import { vaultContext } from './token-broker.ts';

type Where = NonNullable<ConstructorParameters<typeof CallbackError>[2]>;

/**
 * Microsoft's answer to a sign-in, redeemed: its error in words, or the authorization code exchanged
 * with the PKCE verifier and the nonce kept in the `state` row. The delegated connection and the
 * administrator's sign-in after an organisation-wide consent both end here.
 */
export async function redeemSignIn(
  d: { settings: MicrosoftSettings; vault: Vault },
  st: OAuthStateRow,
  q: SignInCallback,
  opts: { scopes: readonly string[]; redirectUri: string; cache: CacheHolder; where: Where },
): Promise<AuthenticationResult> {
  const { where } = opts;
  if (q.error)
    throw new CallbackError(
      q.error === 'access_denied' ? 'consent_declined' : 'microsoft_error',
      q.error_description ?? q.error,
      where,
    );
  if (!q.code)
    throw new CallbackError(
      'microsoft_error',
      { en: 'Microsoft sent no authorization code.', fr: 'Microsoft n’a envoyé aucun code d’autorisation.' },
      where,
    );
  const verifier = openVerifier(
    () => d.vault.decrypt(st.pkceVerifier!, vaultContext.pkceVerifier(st.stateHash)),
    where,
  );
  const app = createMsalApp(d.settings, {
    tenant: 'organizations',
    credential: mailroomAppCredential(d.settings),
    cache: opts.cache,
  });
  try {
    // msal-node 7 takes the expected nonce from the request (the payload's is ignored).
    return await app.acquireTokenByCode(
      {
        code: q.code,
        scopes: [...opts.scopes],
        redirectUri: opts.redirectUri,
        codeVerifier: verifier,
        state: q.state!,
        nonce: st.nonce!,
      },
      { code: q.code, state: q.state!, nonce: st.nonce! },
    );
  } catch (err) {
    throw new CallbackError('microsoft_error', classify(err).detail, where);
  }
}
