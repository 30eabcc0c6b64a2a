import type { OwnAppRequest, SetupProgress } from '@mailroom/contracts';
import { CryptoProvider } from '@azure/msal-node';
import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { DEFAULT_TRANSIENT_ALARM_MS } from '../core/connector-health.ts';
import { atLeast } from '../core/roles.ts';
import { findRole } from '../db/repos/memberships.ts';
import { AppError, type Words } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { recordAudit } from '../db/repos/audit.ts';
import { connectorCredentials, connectors, users } from '../db/schema/index.ts';
import { classify } from '../microsoft/classify.ts';
import { graphCount, graphGet } from '../microsoft/graph.ts';
import {
  CacheHolder,
  certificateThumbprint,
  createMsalApp,
  mailroomAppCredential,
  type AppCredential,
  type CertificateError,
} from '../microsoft/msal.ts';
import { DELEGATED_SCOPES } from '../microsoft/scopes.ts';
import type { MicrosoftSettings } from '../microsoft/settings.ts';
import type { Vault } from '../security/vault.ts';
import { applyObservation } from './health-state.ts';
import { AdminConsentFlow } from './admin-consent.ts';
import { CallbackError, type BrowserBinding, type SignInCallback, type SignInOutcome } from './callbacks.ts';
import { consumeOAuthState, createOAuthState, type OAuthStateRow } from './oauth-states.ts';
import { redeemSignIn } from './redeem-code.ts';
import { verifyAppAccess, type VerifiedApp } from './verify-app.ts';
import { TokenBroker, vaultContext, type ConnectorRow } from './token-broker.ts';

const DELEGATED_STATE_TTL_MS = 15 * 60_000;

const CONNECTOR_GONE: Words = {
  en: 'The connector was deleted meanwhile.',
  fr: 'Le connecteur a été supprimé entre-temps.',
};

export interface ConnectorServiceDeps {
  db: Db;
  vault: Vault;
  settings: MicrosoftSettings;
  logger: Logger;
  publicBaseUrl: string;
  healthIntervalMs: number;
  transientAlarmMs?: number;
  /** Queues the setup and the first health check after a connection (the job layer provides it). */
  enqueue: (
    job: 'connector.setup' | 'connector.health',
    connectorId: string,
    startAfterSeconds?: number,
  ) => Promise<void>;
  /** A connection back from a loss of access: its folders' rounds, held meanwhile, are queued now. */
  onRecovered?: (connectorId: string) => Promise<void>;
}

export interface Actor {
  id: string;
  email: string;
}

const initialSetup = (now: Date): SetupProgress => ({
  state: 'running',
  startedAt: now.toISOString(),
  finishedAt: null,
  steps: [
    { key: 'organization', state: 'pending', detail: null },
    { key: 'mailbox', state: 'pending', detail: null },
    { key: 'directory', state: 'pending', detail: null },
  ],
});

/**
 * Connecting a connector to Microsoft 365 in each of the three modes, and keeping an eye on it
 * afterwards (setup, health probes). HTTP routes and jobs call this; it knows no HTTP.
 */
export class ConnectorService {
  readonly broker: TokenBroker;
  /** Organisation-wide access: consent link, Microsoft's consent, an administrator's sign-in. */
  readonly orgConsent: AdminConsentFlow;
  private readonly d: ConnectorServiceDeps;
  private readonly crypto = new CryptoProvider();
  constructor(deps: ConnectorServiceDeps) {
    this.d = deps;
    this.broker = new TokenBroker(deps);
    this.orgConsent = new AdminConsentFlow(deps, this);
  }

  get redirectUri(): string {
    return `${this.d.publicBaseUrl}/api/v1/oauth/microsoft/callback`;
  }
  get adminConsentRedirectUri(): string {
    return `${this.d.publicBaseUrl}/api/v1/oauth/microsoft/admin-consent/callback`;
  }
  private get alarm() {
    return { transientAlarmMs: this.d.transientAlarmMs ?? DEFAULT_TRANSIENT_ALARM_MS };
  }

  // ── Delegated: authorization code + PKCE + state + nonce ──────────────────────────────────────

  /**
   * The sign-in link. `locale` (the person's language in Mailroom) goes along as `ui_locales`, so that
   * Microsoft's pages speak it whatever the browser's language (issue 19 §5).
   */
  async startDelegated(
    c: ConnectorRow,
    actor: Actor,
    sessionHash: string,
    locale?: 'en' | 'fr',
  ): Promise<string> {
    const { verifier, challenge } = await this.crypto.generatePkceCodes();
    const nonce = this.crypto.createNewGuid();
    const state = await createOAuthState(
      this.d.db,
      {
        workspaceId: c.workspaceId,
        connectorId: c.id,
        kind: 'delegated',
        userId: actor.id,
        sessionHash,
        nonce,
      },
      DELEGATED_STATE_TTL_MS,
      (stateHash) => ({ pkceVerifier: this.d.vault.encrypt(verifier, vaultContext.pkceVerifier(stateHash)) }),
    );
    const app = createMsalApp(this.d.settings, {
      tenant: 'organizations',
      credential: mailroomAppCredential(this.d.settings),
    });
    return app.getAuthCodeUrl({
      scopes: [...DELEGATED_SCOPES],
      redirectUri: this.redirectUri,
      state,
      nonce,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      prompt: 'select_account',
      ...(locale ? { extraQueryParameters: { ui_locales: locale } } : {}),
    });
  }

  /**
   * Microsoft's redirect back after a sign-in: a delegated connection, or the administrator's sign-in
   * that completes an organisation-wide consent. The `state` says which; each checks its own binding.
   */
  async completeSignIn(q: SignInCallback, browser: BrowserBinding): Promise<SignInOutcome> {
    const st = await consumeOAuthState(this.d.db, q.state ?? '', ['delegated', 'admin_verify']);
    if (!st)
      throw new CallbackError('state_invalid', {
        en: 'This sign-in link is not valid any more (expired, already used or not started here). Start again from the connector page.',
        fr: 'Ce lien de connexion n’est plus valide (il a expiré, a déjà servi ou n’a pas été commencé ici). Recommencez depuis la page du connecteur.',
      });
    if (st.kind === 'admin_verify')
      return { ...(await this.orgConsent.completeVerification(st, q, browser)), mode: 'organization' };
    return {
      ...(await this.completeDelegated(st, q, browser.sessionHash, browser.actorId)),
      mode: 'delegated',
      userId: st.userId,
      tenantName: null,
    };
  }

  private async completeDelegated(
    st: OAuthStateRow,
    q: SignInCallback,
    sessionHash: string | undefined,
    actorId: string | undefined,
  ): Promise<{ workspaceId: string; connectorId: string }> {
    const where = { workspaceId: st.workspaceId, connectorId: st.connectorId };
    // The callback must come back to the browser session that started it.
    if (!sessionHash || st.sessionHash !== sessionHash || st.userId !== actorId) {
      throw new CallbackError(
        'state_invalid',
        {
          en: 'This sign-in was started in another session. Start again from the connector page.',
          fr: 'Cette connexion a été commencée dans une autre session. Recommencez depuis la page du connecteur.',
        },
        where,
      );
    }
    const role = await findRole(this.d.db, st.workspaceId, actorId);
    if (!role || !atLeast(role, 'admin'))
      throw new CallbackError(
        'forbidden',
        {
          en: 'Only workspace admins can connect a connector.',
          fr: 'Seuls les administrateurs de l’espace de travail peuvent connecter un connecteur.',
        },
        where,
      );
    const cache = new CacheHolder(null);
    const result = await redeemSignIn({ settings: this.d.settings, vault: this.d.vault }, st, q, {
      scopes: DELEGATED_SCOPES,
      redirectUri: this.redirectUri,
      cache,
      where,
    });
    const claims = (result.idTokenClaims ?? {}) as {
      oid?: string;
      tid?: string;
      preferred_username?: string;
    };
    const account = result.account;
    if (!account || !cache.text)
      throw new CallbackError(
        'microsoft_error',
        { en: 'Microsoft returned no account.', fr: 'Microsoft n’a renvoyé aucun compte.' },
        where,
      );
    const now = new Date();
    await this.d.db.transaction(async (tx) => {
      const [c] = await tx
        .select()
        .from(connectors)
        .where(and(eq(connectors.id, st.connectorId), eq(connectors.workspaceId, st.workspaceId)))
        .for('update');
      if (!c) throw new CallbackError('connector_gone', CONNECTOR_GONE);
      await this.saveCredentials(tx, c, {
        tokenCache: this.d.vault.encrypt(cache.text!, vaultContext.tokenCache(c.id)),
        clientSecret: null,
        certificate: null,
      });
      await tx
        .update(connectors)
        .set({
          ...connectedFields(now, this.d.healthIntervalMs),
          authMode: 'delegated',
          tenantId: claims.tid ?? result.tenantId,
          tenantName: c.tenantId === (claims.tid ?? result.tenantId) ? c.tenantName : null,
          accountUpn: claims.preferred_username ?? account.username,
          accountOid: claims.oid ?? account.localAccountId,
          msalHomeAccountId: account.homeAccountId,
          lastRefreshAt: now,
          appClientId: mailroomAppCredential(this.d.settings).clientId,
        })
        .where(eq(connectors.id, c.id));
      await recordAudit(tx, {
        workspaceId: c.workspaceId,
        actor: await actorOf(tx, st.userId),
        action: 'connector.connected',
        target: { type: 'connector', id: c.id },
        details: {
          mode: 'delegated',
          tenantId: claims.tid ?? result.tenantId,
          account: claims.preferred_username ?? account.username,
        },
      });
    });
    await this.afterConnect(st.connectorId);
    return where;
  }

  // ── Organisation-wide: admin consent, an admin's sign-in, then client credentials (decision 0009) ──

  /**
   * Saves an organisation-wide connection once `AdminConsentFlow` has proven who granted it: an
   * administrator of `verified.tenantId`, signed in during this very flow.
   */
  async saveOrganization(
    where: { workspaceId: string; connectorId: string },
    verified: VerifiedApp,
    grantedBy: { upn: string; oid: string; role: string },
    requestedBy: string,
  ): Promise<void> {
    const now = new Date();
    await this.d.db.transaction(async (tx) => {
      const [c] = await tx
        .select()
        .from(connectors)
        .where(and(eq(connectors.id, where.connectorId), eq(connectors.workspaceId, where.workspaceId)))
        .for('update');
      if (!c) throw new CallbackError('connector_gone', CONNECTOR_GONE);
      await this.saveCredentials(tx, c, {
        tokenCache: this.d.vault.encrypt(verified.cache, vaultContext.tokenCache(c.id)),
        clientSecret: null,
        certificate: null,
      });
      await tx
        .update(connectors)
        .set({
          ...connectedFields(now, this.d.healthIntervalMs),
          authMode: 'organization',
          tenantId: verified.tenantId,
          tenantName: verified.tenantName,
          appClientId: mailroomAppCredential(this.d.settings).clientId,
          appPrincipalId: verified.principalId,
        })
        .where(eq(connectors.id, c.id));
      await recordAudit(tx, {
        workspaceId: c.workspaceId,
        actor: null,
        action: 'connector.connected',
        target: { type: 'connector', id: c.id },
        details: {
          mode: 'organization',
          tenantId: verified.tenantId,
          tenantName: verified.tenantName,
          consentRequestedBy: requestedBy,
          grantedBy: grantedBy.upn,
          grantedByOid: grantedBy.oid,
          grantedByRole: grantedBy.role,
        },
      });
    });
    await this.afterConnect(where.connectorId);
  }

  // ── Own app registration ──────────────────────────────────────────────────────────────────────

  async connectOwnApp(c: ConnectorRow, input: OwnAppRequest, actor: Actor): Promise<void> {
    const credential: AppCredential = input.clientSecret
      ? { kind: 'secret', clientId: input.clientId, secret: input.clientSecret }
      : {
          kind: 'certificate',
          clientId: input.clientId,
          certificatePem: input.certificatePem!,
          privateKeyPem: input.privateKeyPem!,
        };
    if (credential.kind === 'certificate') {
      try {
        certificateThumbprint(credential.certificatePem, credential.privateKeyPem);
      } catch (err) {
        throw new AppError(
          'validation_failed',
          { en: 'The certificate cannot be used.', fr: 'Le certificat ne peut pas être utilisé.' },
          { details: [{ path: 'certificatePem', message: (err as CertificateError).words }] },
        );
      }
    }
    let verified;
    try {
      verified = await verifyAppAccess(this.d.settings, input.tenant, credential);
    } catch (err) {
      throw ownAppRejection(classify(err));
    }
    const now = new Date();
    await this.d.db.transaction(async (tx) => {
      await this.saveCredentials(tx, c, {
        tokenCache: this.d.vault.encrypt(verified.cache, vaultContext.tokenCache(c.id)),
        clientSecret:
          credential.kind === 'secret'
            ? this.d.vault.encrypt(credential.secret, vaultContext.clientSecret(c.id))
            : null,
        certificate:
          credential.kind === 'certificate'
            ? this.d.vault.encrypt(
                JSON.stringify({
                  certificatePem: credential.certificatePem,
                  privateKeyPem: credential.privateKeyPem,
                }),
                vaultContext.certificate(c.id),
              )
            : null,
      });
      await tx
        .update(connectors)
        .set({
          ...connectedFields(now, this.d.healthIntervalMs),
          authMode: 'own_app',
          tenantId: verified.tenantId,
          tenantName: verified.tenantName,
          appClientId: input.clientId,
          appPrincipalId: verified.principalId,
          credentialKind: credential.kind,
          secretExpiresAt: input.secretExpiresAt ? new Date(`${input.secretExpiresAt}T23:59:59Z`) : null,
        })
        .where(eq(connectors.id, c.id));
      await recordAudit(tx, {
        workspaceId: c.workspaceId,
        actor,
        action: 'connector.connected',
        target: { type: 'connector', id: c.id },
        details: {
          mode: 'own_app',
          tenantId: verified.tenantId,
          clientId: input.clientId,
          credential: credential.kind,
          secretExpiresAt: input.secretExpiresAt ?? null,
        },
      });
    });
    await this.afterConnect(c.id);
  }

  /** Erases tokens and secrets; the connector (and later its mailboxes and rules) stays. */
  async disconnect(c: ConnectorRow, actor: Actor): Promise<void> {
    this.broker.forget(c.id);
    await this.d.db.transaction(async (tx) => {
      await tx.delete(connectorCredentials).where(eq(connectorCredentials.connectorId, c.id));
      await tx
        .update(connectors)
        .set({
          status: 'not_connected',
          statusChangedAt: new Date(),
          authMode: null,
          msalHomeAccountId: null,
          problemCause: null,
          problemDetail: null,
          problemSince: null,
          transientSince: null,
          transientDetail: null,
          nextCheckAt: null,
          connectedAt: null,
          setup: null,
          updatedAt: new Date(),
        })
        .where(eq(connectors.id, c.id));
      await recordAudit(tx, {
        workspaceId: c.workspaceId,
        actor,
        action: 'connector.disconnected',
        target: { type: 'connector', id: c.id },
        details: { name: c.name },
      });
    });
  }

  // ── Setup and health ─────────────────────────────────────────────────────────────────────────

  /** Runs after a connection: reads the organisation, the mailbox, the directory size. */
  async runSetup(connectorId: string): Promise<void> {
    const [c] = await this.d.db.select().from(connectors).where(eq(connectors.id, connectorId));
    if (!c?.authMode || !c.setup || c.setup.state !== 'running') return;
    const progress: SetupProgress = structuredClone(c.setup);
    const save = async () => {
      await this.d.db.update(connectors).set({ setup: progress }).where(eq(connectors.id, connectorId));
    };
    const step = async (key: SetupProgress['steps'][number]['key'], run: () => Promise<string>) => {
      const s = progress.steps.find((x) => x.key === key)!;
      if (s.state === 'done') return;
      s.state = 'running';
      await save();
      s.detail = await run();
      s.state = 'done';
      await save();
    };
    try {
      const token = await this.broker.graphToken(connectorId);
      await step('organization', async () => {
        const org = await graphGet<{ value: { id: string; displayName: string }[] }>(
          this.d.settings,
          token,
          '/organization?$select=id,displayName',
        );
        const name = org.value[0]?.displayName ?? c.tenantId!;
        await this.d.db.update(connectors).set({ tenantName: name }).where(eq(connectors.id, connectorId));
        return name;
      });
      await step('mailbox', async () => {
        if (c.authMode !== 'delegated') return 'organisation-wide';
        const settings = await graphGet<{ userPurpose?: string }>(
          this.d.settings,
          token,
          '/me/mailboxSettings?$select=userPurpose',
        );
        return `${c.accountUpn} (${settings.userPurpose ?? 'user'})`;
      });
      await step('directory', async () => {
        const { count, complete } = await graphCount(this.d.settings, token, '/users?$select=id&$top=999');
        return complete ? String(count) : `${count}+`;
      });
      progress.state = 'done';
      progress.finishedAt = new Date().toISOString();
      await save();
      await applyObservation(
        this.d.db,
        connectorId,
        { kind: 'ok', at: new Date() },
        { ...this.alarm, checked: true, completesSetup: true },
      );
    } catch (err) {
      const cls = classify(err);
      const running = progress.steps.find((s) => s.state === 'running');
      if (cls.kind === 'transient') {
        // The job retries; keep the progress as it is.
        throw err;
      }
      if (running) {
        running.state = 'failed';
        running.detail = cls.detail;
      }
      progress.state = 'failed';
      progress.finishedAt = new Date().toISOString();
      await save();
      await applyObservation(
        this.d.db,
        connectorId,
        { kind: 'problem', at: new Date(), cause: cls.cause, detail: cls.detail },
        { ...this.alarm, checked: true },
      );
    }
  }

  /**
   * Probes a connection: a token (refreshing it as needed) and one cheap Graph read that only works
   * while the access is real. The outcome feeds the health state machine.
   */
  async probe(connectorId: string): Promise<ConnectorRow | undefined> {
    const [c] = await this.d.db.select().from(connectors).where(eq(connectors.id, connectorId));
    if (!c?.authMode) return c;
    const at = new Date();
    let row: ConnectorRow | undefined;
    try {
      const token = await this.broker.graphToken(connectorId, { forceRefresh: true });
      if (c.authMode === 'delegated')
        await graphGet(this.d.settings, token, '/me?$select=id,userPrincipalName');
      else await graphGet(this.d.settings, token, '/organization?$select=id,displayName');
      row = await applyObservation(
        this.d.db,
        connectorId,
        { kind: 'ok', at },
        { ...this.alarm, checked: true },
      );
    } catch (err) {
      const cls = classify(err);
      this.d.logger.info(
        {
          connectorId,
          outcome: cls.kind,
          cause: cls.kind === 'problem' ? cls.cause : undefined,
          detail: cls.detail,
        },
        'connector probe failed',
      );
      row = await applyObservation(
        this.d.db,
        connectorId,
        cls.kind === 'transient'
          ? { kind: 'transient', at, detail: cls.detail }
          : { kind: 'problem', at, cause: cls.cause, detail: cls.detail },
        { ...this.alarm, checked: true },
      );
    }
    await this.d.db
      .update(connectors)
      .set({ nextCheckAt: new Date(Date.now() + this.d.healthIntervalMs) })
      .where(eq(connectors.id, connectorId));
    if (c.status === 'access_lost' && row?.status === 'connected' && this.d.onRecovered)
      await this.d
        .onRecovered(connectorId)
        .catch((err: unknown) =>
          this.d.logger.warn(
            { connectorId, err },
            'could not queue the rounds after recovery; reconciliation will',
          ),
        );
    return row;
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────────

  private async saveCredentials(
    tx: Db,
    c: ConnectorRow,
    v: { tokenCache: string; clientSecret: string | null; certificate: string | null },
  ): Promise<void> {
    await tx
      .insert(connectorCredentials)
      .values({ connectorId: c.id, workspaceId: c.workspaceId, ...v })
      .onConflictDoUpdate({ target: connectorCredentials.connectorId, set: { ...v, updatedAt: new Date() } });
  }

  private async afterConnect(connectorId: string): Promise<void> {
    // New credentials (or a new account): no token of the previous connection is used again.
    this.broker.forget(connectorId);
    await this.d.enqueue('connector.setup', connectorId);
    await this.d.enqueue('connector.health', connectorId, Math.ceil(this.d.healthIntervalMs / 1000));
  }
}

async function actorOf(db: Db, userId: string): Promise<Actor | null> {
  const [u] = await db.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, userId));
  return u ?? null;
}

/** What every (re)connection sets; each mode then adds its own account or credential fields. */
function connectedFields(now: Date, healthIntervalMs: number) {
  return {
    accountUpn: null,
    accountOid: null,
    msalHomeAccountId: null,
    credentialKind: null,
    secretExpiresAt: null,
    secretWarnedDays: null,
    problemMailbox: null,
    setup: initialSetup(now),
    status: 'connecting' as const,
    statusChangedAt: now,
    connectedAt: now,
    problemCause: null,
    problemDetail: null,
    problemSince: null,
    transientSince: null,
    transientDetail: null,
    lastCheckedAt: now,
    lastSuccessAt: now,
    nextCheckAt: new Date(now.getTime() + healthIntervalMs),
    updatedAt: now,
  };
}

/** Why Microsoft refused an own app registration, in words, on the field to fix. */
function ownAppRejection(cls: ReturnType<typeof classify>): AppError {
  if (cls.kind === 'transient')
    return new AppError('service_unavailable', {
      en: `Microsoft did not answer in time; nothing was saved. Try again. (${cls.detail})`,
      fr: `Microsoft n’a pas répondu à temps ; rien n’a été enregistré. Réessayez. (${cls.detail})`,
    });
  const field: Record<string, string> = {
    secret_invalid: 'clientSecret',
    secret_expired: 'clientSecret',
    certificate_invalid: 'certificatePem',
    tenant_not_found: 'tenant',
    consent_withdrawn: 'clientId',
  };
  const words: Record<string, Words> = {
    // Plain words: the UI shows messages as text, so Markdown asterisks would show as asterisks.
    secret_invalid: {
      en: 'Microsoft does not accept this client secret. Paste the secret’s Value column, not its Secret ID.',
      fr: 'Microsoft n’accepte pas ce secret client. Collez la colonne Valeur du secret, pas l’ID du secret.',
    },
    secret_expired: {
      en: 'This client secret has expired. Create a new one in the app registration.',
      fr: 'Ce secret client a expiré. Créez-en un nouveau dans l’inscription d’application.',
    },
    certificate_invalid: {
      en: 'Microsoft does not accept this certificate. Upload it to the app registration first.',
      fr: 'Microsoft n’accepte pas ce certificat. Téléversez-le d’abord dans l’inscription d’application.',
    },
    tenant_not_found: {
      en: 'Microsoft knows no tenant with this ID or domain.',
      fr: 'Microsoft ne connaît aucun locataire avec cet ID ou ce domaine.',
    },
    consent_withdrawn: {
      en: 'This app is not registered in that tenant, or an admin has not granted its permissions yet.',
      fr: 'Cette application n’est pas inscrite dans ce locataire, ou un administrateur n’a pas encore accordé ses autorisations.',
    },
    mailbox_blocked_by_policy: {
      en: 'The app works but cannot read the organisation.',
      fr: 'L’application fonctionne mais ne peut pas lire l’organisation.',
    },
  };
  const said = words[cls.cause];
  const refused = said ?? { en: 'Microsoft refused the connection.', fr: 'Microsoft a refusé la connexion.' };
  return new AppError(
    'connection_failed',
    { en: `${refused.en} (${cls.detail})`, fr: `${refused.fr} (${cls.detail})` },
    {
      // Without words of ours, the field shows Microsoft's own (in whatever language it wrote them).
      details: [
        { path: field[cls.cause] ?? 'clientId', message: said ?? { en: cls.detail, fr: cls.detail } },
      ],
    },
  );
}
