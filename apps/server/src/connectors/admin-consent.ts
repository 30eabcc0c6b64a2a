import { CryptoProvider } from '@azure/msal-node';
import { classify } from '../microsoft/classify.ts';
import { RolesUnreadableError, signedInUserRoleTemplates } from '../microsoft/directory-roles.ts';
import { CacheHolder, createMsalApp, mailroomAppCredential } from '../microsoft/msal.ts';
import { APP_SCOPES, ROLE_CHECK_SCOPES } from '../microsoft/scopes.ts';
import { consentRoleOf, isTenantGuid } from '../core/tenant-admin.ts';
import { randomToken, safeEqual, sha256 } from '../security/tokens.ts';
import { CallbackError, type BrowserBinding, type SignInCallback } from './callbacks.ts';
import type { Actor, ConnectorServiceDeps } from './service.ts';
import { createOAuthState, consumeOAuthState, findOAuthState, type OAuthStateRow } from './oauth-states.ts';
import type { ConnectorRow } from './token-broker.ts';
import { vaultContext } from './token-broker.ts';
import { redeemSignIn } from './redeem-code.ts';
import { verifyAppAccess, type VerifiedApp } from './verify-app.ts';

/** A consent link may be sent to the tenant's Entra admin, who may take a few days to open it. */
const LINK_TTL_MS = 7 * 86_400_000;
/** From opening the link to the end of the administrator's sign-in. */
const FLOW_TTL_MS = 60 * 60_000;

interface Saver {
  saveOrganization(
    where: { workspaceId: string; connectorId: string },
    verified: VerifiedApp,
    grantedBy: { upn: string; oid: string; role: string },
    requestedBy: string,
  ): Promise<void>;
}

export interface ConsentCallback extends SignInCallback {
  admin_consent?: string;
  tenant?: string;
}

/**
 * Organisation-wide access, proven (decision 0009). Microsoft's /adminconsent redirect says only
 * that *someone* consented in *some* tenant, and its `tenant` parameter is not authentication. So:
 *
 * 1. `createLink`: a Mailroom link with a reusable ticket (for "Grant now" or to send to the admin).
 * 2. `open`: the browser that opens it gets a consent cookie; the /adminconsent `state` is bound to it.
 * 3. `completeConsent`: Microsoft's redirect must come back to that browser; then the administrator
 *    signs in (authorization code + PKCE + nonce, same binding).
 * 4. `completeVerification`: the ID token's `tid` is the tenant connected, the account must hold a
 *    role that can grant application permissions tenant-wide (read from Graph with its own token),
 *    and an app-only token in that tenant must work. Only then is the connection saved.
 */
export class AdminConsentFlow {
  private readonly d: ConnectorServiceDeps;
  private readonly saver: Saver;
  private readonly crypto = new CryptoProvider();

  constructor(deps: ConnectorServiceDeps, saver: Saver) {
    this.d = deps;
    this.saver = saver;
  }

  private get consentRedirectUri() {
    return `${this.d.publicBaseUrl}/api/v1/oauth/microsoft/admin-consent/callback`;
  }
  private get signInRedirectUri() {
    return `${this.d.publicBaseUrl}/api/v1/oauth/microsoft/callback`;
  }

  async createLink(c: ConnectorRow, actor: Actor): Promise<{ url: string; expiresAt: Date }> {
    mailroomAppCredential(this.d.settings); // fails now, in words, when no Mailroom app is configured
    const ticket = await createOAuthState(
      this.d.db,
      { workspaceId: c.workspaceId, connectorId: c.id, kind: 'admin_consent_link', userId: actor.id },
      LINK_TTL_MS,
    );
    const url = new URL(`${this.d.publicBaseUrl}/api/v1/oauth/microsoft/admin-consent/start`);
    url.searchParams.set('ticket', ticket);
    return { url: url.toString(), expiresAt: new Date(Date.now() + LINK_TTL_MS) };
  }

  /** The link was opened: a consent cookie for this browser, and Microsoft's consent page. */
  async open(ticket: string): Promise<{ redirect: string; consentSecret: string; maxAgeSeconds: number }> {
    const link = await findOAuthState(this.d.db, ticket, 'admin_consent_link');
    if (!link)
      throw new CallbackError('state_invalid', {
        en: 'This consent link is not valid any more (expired, or the connector was deleted). Ask for a new one from the connector page.',
        fr: 'Ce lien de consentement n’est plus valide (il a expiré, ou le connecteur a été supprimé). Demandez-en un nouveau depuis la page du connecteur.',
      });
    const consentSecret = randomToken();
    const state = await createOAuthState(
      this.d.db,
      {
        workspaceId: link.workspaceId,
        connectorId: link.connectorId,
        kind: 'admin_consent',
        userId: link.userId,
        sessionHash: sha256(consentSecret),
      },
      FLOW_TTL_MS,
    );
    const url = new URL(`${this.d.settings.authorityHost}/organizations/v2.0/adminconsent`);
    url.searchParams.set('client_id', mailroomAppCredential(this.d.settings).clientId);
    url.searchParams.set('scope', APP_SCOPES[0]);
    url.searchParams.set('redirect_uri', this.consentRedirectUri);
    url.searchParams.set('state', state);
    return { redirect: url.toString(), consentSecret, maxAgeSeconds: FLOW_TTL_MS / 1000 };
  }

  /** Microsoft's redirect after the consent page: on success, the administrator signs in next. */
  async completeConsent(q: ConsentCallback, browser: BrowserBinding): Promise<string> {
    const st = await consumeOAuthState(this.d.db, q.state ?? '', 'admin_consent');
    if (!st)
      throw new CallbackError('state_invalid', {
        en: 'This consent is not valid any more (expired or already used). Open the consent link again.',
        fr: 'Ce consentement n’est plus valide (il a expiré ou a déjà servi). Ouvrez de nouveau le lien de consentement.',
      });
    checkBinding(st, browser);
    const where = { workspaceId: st.workspaceId, connectorId: st.connectorId, requesterId: st.userId };
    if (q.error)
      throw new CallbackError(
        q.error === 'access_denied' || /65004/.test(q.error_description ?? '')
          ? 'consent_declined'
          : 'microsoft_error',
        q.error_description ?? q.error,
        where,
      );
    if (!isTenantGuid(q.tenant))
      throw new CallbackError(
        'microsoft_error',
        {
          en: 'Microsoft did not say which tenant consented.',
          fr: 'Microsoft n’a pas indiqué quelle organisation a donné son consentement.',
        },
        where,
      );
    const { verifier, challenge } = await this.crypto.generatePkceCodes();
    const nonce = this.crypto.createNewGuid();
    const state = await createOAuthState(
      this.d.db,
      {
        workspaceId: st.workspaceId,
        connectorId: st.connectorId,
        kind: 'admin_verify',
        userId: st.userId,
        sessionHash: st.sessionHash,
        nonce,
      },
      FLOW_TTL_MS,
      (stateHash) => ({ pkceVerifier: this.d.vault.encrypt(verifier, vaultContext.pkceVerifier(stateHash)) }),
    );
    // The tenant Microsoft named is only where the sign-in happens: the ID token says who and where.
    const app = createMsalApp(this.d.settings, {
      tenant: q.tenant,
      credential: mailroomAppCredential(this.d.settings),
    });
    return app.getAuthCodeUrl({
      scopes: [...ROLE_CHECK_SCOPES],
      redirectUri: this.signInRedirectUri,
      state,
      nonce,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
    });
  }

  /** The administrator's sign-in came back: prove tenant and role, then connect. */
  async completeVerification(
    st: OAuthStateRow,
    q: SignInCallback,
    browser: BrowserBinding,
  ): Promise<{ workspaceId: string; connectorId: string; userId: string; tenantName: string }> {
    checkBinding(st, browser);
    const where = { workspaceId: st.workspaceId, connectorId: st.connectorId, requesterId: st.userId };
    // A throwaway cache: the administrator's own tokens are used for this check and never kept.
    const result = await redeemSignIn({ settings: this.d.settings, vault: this.d.vault }, st, q, {
      scopes: ROLE_CHECK_SCOPES,
      redirectUri: this.signInRedirectUri,
      cache: new CacheHolder(null),
      where,
    });
    const claims = (result.idTokenClaims ?? {}) as {
      oid?: string;
      tid?: string;
      preferred_username?: string;
    };
    const tenantId = claims.tid;
    const upn = claims.preferred_username ?? result.account?.username ?? 'the account that signed in';
    if (!isTenantGuid(tenantId) || !claims.oid)
      throw new CallbackError(
        'microsoft_error',
        { en: 'Microsoft did not say who signed in.', fr: 'Microsoft n’a pas indiqué qui s’est connecté.' },
        where,
      );
    let roles: string[];
    try {
      roles = await signedInUserRoleTemplates(this.d.settings, result.accessToken);
    } catch (err) {
      const detail = err instanceof RolesUnreadableError ? err.message : classify(err).detail;
      throw new CallbackError('microsoft_error', detail, where);
    }
    const role = consentRoleOf(roles);
    if (!role) {
      this.d.logger.warn(
        { connectorId: st.connectorId, tenantId, oid: claims.oid },
        'organisation-wide connection refused: the account is not a tenant administrator',
      );
      throw new CallbackError(
        'not_tenant_admin',
        {
          en: `${upn} is not a Global Administrator or Privileged Role Administrator of this Microsoft 365 organisation, so Mailroom cannot be connected organisation-wide with this account. Ask one of your organisation's administrators to open the consent link.`,
          fr: `${upn} n’est ni administrateur général ni administrateur de rôle privilégié de cette organisation Microsoft 365 : ce compte ne peut pas connecter Mailroom pour toute l’organisation. Demandez à l’un des administrateurs de votre organisation d’ouvrir le lien de consentement.`,
        },
        where,
      );
    }
    let verified: VerifiedApp;
    try {
      verified = await verifyAppAccess(this.d.settings, tenantId, mailroomAppCredential(this.d.settings));
    } catch (err) {
      throw new CallbackError('microsoft_error', classify(err).detail, where);
    }
    if (verified.tenantId.toLowerCase() !== tenantId.toLowerCase())
      throw new CallbackError(
        'microsoft_error',
        {
          en: 'Microsoft answered for another organisation than the one you signed in to.',
          fr: 'Microsoft a répondu pour une autre organisation que celle à laquelle vous vous êtes connecté.',
        },
        where,
      );
    await this.saver.saveOrganization(where, verified, { upn, oid: claims.oid, role }, st.userId);
    return {
      workspaceId: st.workspaceId,
      connectorId: st.connectorId,
      userId: st.userId,
      tenantName: verified.tenantName,
    };
  }
}

/** The callback must come back to the browser that opened the consent link (its cookie). */
function checkBinding(st: OAuthStateRow, browser: BrowserBinding): void {
  const sent = browser.consentSecret ? sha256(browser.consentSecret) : '';
  if (!st.sessionHash || !safeEqual(sent, st.sessionHash)) {
    throw new CallbackError('state_invalid', {
      en: 'This consent was not started in this browser. Open the consent link again in the browser you use to sign in to Microsoft, and finish there.',
      fr: 'Ce consentement n’a pas été commencé dans ce navigateur. Ouvrez de nouveau le lien de consentement dans le navigateur avec lequel vous vous connectez à Microsoft, et terminez-le là.',
    });
  }
}
