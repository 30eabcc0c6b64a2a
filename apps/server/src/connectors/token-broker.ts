import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { connectorCredentials, connectors } from '../db/schema/index.ts';
import { CacheHolder, createMsalApp, mailroomAppCredential, type AppCredential } from '../microsoft/msal.ts';
import { APP_SCOPES, DELEGATED_SCOPES } from '../microsoft/scopes.ts';
import { grantedPermissions } from '../microsoft/token-claims.ts';
import type { MicrosoftSettings } from '../microsoft/settings.ts';
import { VaultError, type Vault } from '../security/vault.ts';

export type ConnectorRow = typeof connectors.$inferSelect;
type CredentialRow = typeof connectorCredentials.$inferSelect;

/** The connector has no credentials (never connected, or disconnected). */
export class NotConnectedError extends Error {}

/** A named cause found without asking Microsoft (e.g. the cached account vanished). */
export class LocalProblem extends Error {
  readonly errorCode = 'invalid_grant';
  readonly errorNo: string;
  constructor(errorNo: string, message: string) {
    super(message);
    this.errorNo = errorNo;
  }
}

/** Vault contexts: a ciphertext only opens in the row and column it was written for. */
export const vaultContext = {
  tokenCache: (connectorId: string) => `connector:${connectorId}:token-cache`,
  clientSecret: (connectorId: string) => `connector:${connectorId}:client-secret`,
  certificate: (connectorId: string) => `connector:${connectorId}:certificate`,
  pkceVerifier: (stateHash: string) => `oauth-state:${stateHash}:pkce`,
};

const DAY_MS = 86_400_000;

/**
 * Access tokens for Graph, per connector. Every acquisition runs under a row lock on the
 * connector's credentials (SELECT … FOR UPDATE), so two workers on two machines never race a
 * refresh-token rotation; the MSAL cache is read and written back inside that lock, encrypted.
 */
export class TokenBroker {
  private readonly db: Db;
  private readonly vault: Vault;
  private readonly settings: MicrosoftSettings;
  private readonly logger: Logger;
  /**
   * Access tokens handed out in the last minute, per connector. Without it every Graph call took the
   * credentials row lock, decrypted the MSAL cache and built an MSAL app: one connector's mailboxes
   * were read one request at a time. A minute bounds how long another process keeps using a
   * connection that was disconnected meanwhile; this process forgets at once (`forget`).
   */
  private readonly hot = new Map<string, { token: string; until: number }>();
  private readonly grantsFailedUntil = new Map<string, number>();
  constructor(deps: { db: Db; vault: Vault; settings: MicrosoftSettings; logger: Logger }) {
    this.db = deps.db;
    this.vault = deps.vault;
    this.settings = deps.settings;
    this.logger = deps.logger;
  }

  /** The credential a connector signs in with: Mailroom's app, or the customer's own registration. */
  credentialFor(c: ConnectorRow, cred: CredentialRow): AppCredential {
    if (c.authMode !== 'own_app') return mailroomAppCredential(this.settings);
    if (c.credentialKind === 'certificate' && cred.certificate) {
      const { certificatePem, privateKeyPem } = JSON.parse(
        this.open(cred.certificate, vaultContext.certificate(c.id), 'certificate'),
      ) as {
        certificatePem: string;
        privateKeyPem: string;
      };
      return { kind: 'certificate', clientId: c.appClientId!, certificatePem, privateKeyPem };
    }
    if (!cred.clientSecret) throw new NotConnectedError('the own app registration has no stored secret');
    return {
      kind: 'secret',
      clientId: c.appClientId!,
      secret: this.open(cred.clientSecret, vaultContext.clientSecret(c.id), 'client secret'),
    };
  }

  /** A stored secret in clear; one the configured keys do not open says which one it is (never its value). */
  private open(ciphertext: string, context: string, what: string): string {
    try {
      return this.vault.decrypt(ciphertext, context);
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      throw new VaultError(
        `the stored ${what} cannot be decrypted with this server's encryption keys (${err.message}): connect again, or give the server the key it was stored with`,
      );
    }
  }

  /**
   * A Graph access token; refreshes as needed, and at least daily for delegated connections (so that
   * Entra's 90-day idle expiry never bites). `forceRefresh` asks Entra now: health probes use it to
   * learn at once about a revoked sign-in, a disabled user or a withdrawn consent.
   */
  async graphToken(connectorId: string, opts: { forceRefresh?: boolean } = {}): Promise<string> {
    if (!opts.forceRefresh) {
      const hot = this.hot.get(connectorId);
      if (hot && hot.until > Date.now()) return hot.token;
    }
    const seen: { expiresOn: Date | null } = { expiresOn: null };
    const token = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .select({ c: connectors, cred: connectorCredentials })
        .from(connectorCredentials)
        .innerJoin(connectors, eq(connectors.id, connectorCredentials.connectorId))
        .where(eq(connectorCredentials.connectorId, connectorId))
        .for('update', { of: connectorCredentials });
      if (!row || !row.c.authMode || !row.c.tenantId) throw new NotConnectedError('not connected');
      const { c, cred } = row;
      const cache = new CacheHolder(
        cred.tokenCache
          ? this.open(cred.tokenCache, vaultContext.tokenCache(c.id), 'sign-in (token cache)')
          : null,
      );
      const app = createMsalApp(this.settings, {
        tenant: c.tenantId!,
        credential: this.credentialFor(c, cred),
        cache,
      });
      let token: string;
      let refreshed = false;
      if (c.authMode === 'delegated') {
        const account = c.msalHomeAccountId
          ? await app.getTokenCache().getAccountByHomeId(c.msalHomeAccountId)
          : null;
        if (!account)
          throw new LocalProblem('700082', 'AADSTS700082: the stored sign-in is missing; sign in again.');
        const now = Date.now();
        const force =
          Boolean(opts.forceRefresh) || !c.lastRefreshAt || now - c.lastRefreshAt.getTime() > DAY_MS;
        const result = await app.acquireTokenSilent({
          account,
          scopes: [...DELEGATED_SCOPES],
          forceRefresh: force,
        });
        token = result.accessToken;
        seen.expiresOn = result.expiresOn;
        refreshed = force || !result.fromCache;
      } else {
        // A forced probe skips the cache: a cached app token would hide a withdrawn consent or an
        // expired secret until it expires (up to 90 minutes).
        const result = await app.acquireTokenByClientCredential({
          scopes: [...APP_SCOPES],
          skipCache: Boolean(opts.forceRefresh),
        });
        if (!result) throw new Error('Entra returned no token');
        token = result.accessToken;
        seen.expiresOn = result.expiresOn;
      }
      if (cache.changed && cache.text) {
        await tx
          .update(connectorCredentials)
          .set({
            tokenCache: this.vault.encrypt(cache.text, vaultContext.tokenCache(c.id)),
            updatedAt: new Date(),
          })
          .where(eq(connectorCredentials.connectorId, c.id));
      }
      if (refreshed)
        await tx.update(connectors).set({ lastRefreshAt: new Date() }).where(eq(connectors.id, c.id));
      this.logger.debug({ connectorId, refreshed }, 'graph token acquired');
      return token;
    });
    // Kept for a minute, and never within 5 minutes of its expiry.
    const until = Math.min(Date.now() + 60_000, (seen.expiresOn?.getTime() ?? 0) - 5 * 60_000);
    if (until > Date.now()) this.hot.set(connectorId, { token, until });
    else this.hot.delete(connectorId);
    this.grantsFailedUntil.delete(connectorId);
    return token;
  }

  /**
   * The Graph permissions the connection's current token carries (null: not readable). A forced
   * check of the connection (`graphToken(id, { forceRefresh })`) picks up permissions granted since.
   */
  async grants(connectorId: string): Promise<Set<string> | null> {
    // Pages that show permissions are polled: a connection that gives no token is not asked again for a minute.
    if ((this.grantsFailedUntil.get(connectorId) ?? 0) > Date.now()) return null;
    try {
      return grantedPermissions(await this.graphToken(connectorId));
    } catch {
      this.grantsFailedUntil.set(connectorId, Date.now() + 60_000);
      return null;
    }
  }

  /** Drops the connector's recent token (disconnected, reconnected, deleted). */
  forget(connectorId: string): void {
    this.hot.delete(connectorId);
    this.grantsFailedUntil.delete(connectorId);
  }
}
