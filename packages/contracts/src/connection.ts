import { z } from 'zod';
import { said } from './said.ts';
import { IsoDate } from './time.ts';

/** The three ways a connector reaches Microsoft 365 (product spec §2 step 3). */
export const authModes = ['delegated', 'organization', 'own_app'] as const;
export const AuthMode = z.enum(authModes);
export type AuthMode = z.infer<typeof AuthMode>;

/**
 * Why a connector (or one of its mailboxes) cannot be read. Each has fixed words and a fix in the UI
 * (product spec §2, the causes table); `detail` carries Microsoft's own message for the curious.
 */
export const problemCauses = [
  'user_disabled', // the signed-in user can no longer sign in
  'user_deleted', // the signed-in user no longer exists
  'signin_revoked', // password reset or sessions revoked (AADSTS50173)
  'refresh_token_expired', // unused for too long (AADSTS700082) or otherwise expired (70008)
  'consent_withdrawn', // permission removed / app missing in the tenant (65001, 700016)
  'secret_invalid', // AADSTS7000215
  'secret_expired', // AADSTS7000222
  'certificate_invalid', // AADSTS700027
  'tenant_not_found', // AADSTS90002
  'mailbox_blocked_by_policy', // Graph 403 "Access to OData is disabled."
  'mailbox_not_enabled', // MailboxNotEnabledForRESTAPI
  'mailbox_no_rights', // delegated user lacks rights on the mailbox
  'credential_unreadable', // a stored secret does not decrypt with the server's encryption keys
  'microsoft_unavailable', // throttling / 5xx / network that lasted beyond the alarm threshold
  'unknown', // anything unclassified: the detail says what Microsoft answered
] as const;
export const ProblemCause = z.enum(problemCauses);
export type ProblemCause = z.infer<typeof ProblemCause>;

export const ConnectorProblem = z.object({
  cause: ProblemCause,
  /** Microsoft's words (error code and message), never a secret. */
  detail: z.string(),
  since: z.iso.datetime(),
  /** Values the UI puts into the cause's sentence: the user, the tenant, the expiry date. */
  params: z.object({
    user: z.string().optional(),
    tenant: z.string().optional(),
    date: z.string().optional(),
    mailbox: z.string().optional(),
  }),
});
export type ConnectorProblem = z.infer<typeof ConnectorProblem>;

export const ConnectionInfo = z.object({
  mode: AuthMode,
  tenantId: z.string(),
  tenantName: z.string(),
  /** The signed-in user's UPN (delegated), else null. */
  account: z.string().nullable(),
  connectedAt: z.iso.datetime(),
  /** The app registration in use: Mailroom's own (delegated, organisation-wide) or the customer's. */
  clientId: z.string().nullable(),
  /** App-only modes: the app's service principal object id in the tenant (for RBAC for Applications). */
  servicePrincipalId: z.string().nullable(),
  /** Own app registration only: */
  credentialKind: z.enum(['secret', 'certificate']).nullable(),
  secretExpiresAt: z.iso.datetime().nullable(),
  /** Days until the secret expires when a warning threshold (30, 14, 7, 1) has been passed. */
  secretExpiresInDays: z.number().int().nullable(),
  /** Last probe of the connection by the health check (or a real call). */
  lastCheckedAt: z.iso.datetime().nullable(),
  lastSuccessAt: z.iso.datetime().nullable(),
});
export type ConnectionInfo = z.infer<typeof ConnectionInfo>;

export const setupStepKeys = ['organization', 'mailbox', 'directory'] as const;
export const SetupStep = z.object({
  key: z.enum(setupStepKeys),
  state: z.enum(['pending', 'running', 'done', 'failed']),
  /** e.g. the organisation's name, the mailbox address, "42 users and shared mailboxes". */
  detail: z.string().nullable(),
});
export const SetupProgress = z.object({
  state: z.enum(['running', 'done', 'failed']),
  steps: z.array(SetupStep),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
});
export type SetupProgress = z.infer<typeof SetupProgress>;

/** Begin the delegated flow: the browser goes to `authorizeUrl` (Microsoft's sign-in). */
export const DelegatedStart = z.object({ authorizeUrl: z.string() });
export type DelegatedStart = z.infer<typeof DelegatedStart>;

/**
 * Organisation-wide access: `adminConsentUrl` is for an admin to open — the current user, or someone
 * they send it to (it works without a Mailroom account, until `expiresAt`).
 */
export const AdminConsentStart = z.object({ adminConsentUrl: z.string(), expiresAt: z.iso.datetime() });
export type AdminConsentStart = z.infer<typeof AdminConsentStart>;

/** A tenant GUID or a verified domain. */
export const TenantRef = z
  .string()
  .trim()
  .min(1, { message: said('Enter the tenant ID or domain.', 'Saisissez l’ID ou le domaine du locataire.') })
  .max(255)
  .regex(
    /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+)$/i,
    {
      message: said(
        'Use the directory (tenant) ID, a GUID, or a domain such as contoso.onmicrosoft.com.',
        'Utilisez l’ID de l’annuaire (locataire), un GUID, ou un domaine tel que contoso.onmicrosoft.com.',
      ),
    },
  );

export const OwnAppRequest = z
  .object({
    tenant: TenantRef,
    clientId: z.guid({
      message: said('The application (client) ID is a GUID.', 'L’ID d’application (client) est un GUID.'),
    }),
    clientSecret: z.string().min(1).max(1024).optional(),
    /** When the secret expires (asked for so that Mailroom can warn before it does). */
    secretExpiresAt: IsoDate.optional(),
    /** PEM certificate and its PEM private key, instead of a secret. */
    certificatePem: z.string().max(20_000).optional(),
    privateKeyPem: z.string().max(20_000).optional(),
  })
  .refine((v) => Boolean(v.clientSecret) !== Boolean(v.certificatePem && v.privateKeyPem), {
    message: said(
      'Give either a client secret, or a certificate with its private key.',
      'Donnez soit un secret client, soit un certificat avec sa clé privée.',
    ),
    path: ['clientSecret'],
  })
  .refine((v) => !v.clientSecret || Boolean(v.secretExpiresAt), {
    message: said(
      'Enter the date the secret expires, so that Mailroom can warn you in time.',
      'Saisissez la date d’expiration du secret, pour que Mailroom puisse vous prévenir à temps.',
    ),
    path: ['secretExpiresAt'],
  });
export type OwnAppRequest = z.infer<typeof OwnAppRequest>;

/** What the Microsoft side of the sandbox looks like, so the UI can guide a newcomer. */
export const SandboxInfo = z.object({
  tenantName: z.string(),
  tenantId: z.string(),
  /** `role` in English words; `roleKey` names it for the app to say in the person's language. */
  accounts: z.array(
    z.object({
      upn: z.string(),
      password: z.string(),
      role: z.string(),
      roleKey: z.enum(['admin', 'handler']).optional(),
    }),
  ),
  ownApp: z.object({ clientId: z.string(), clientSecret: z.string(), secretExpiresAt: z.string() }),
});
export type SandboxInfo = z.infer<typeof SandboxInfo>;
