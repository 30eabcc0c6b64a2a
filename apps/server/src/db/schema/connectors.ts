import type { SetupProgress } from '@mailroom/contracts';
import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { workspaces } from './workspaces.ts';

export const connectors = pgTable(
  'connectors',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    type: text('type', { enum: ['microsoft365'] }).notNull(),
    status: text('status', { enum: ['not_connected', 'connecting', 'connected', 'degraded', 'access_lost'] })
      .notNull()
      .default('not_connected'),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }).notNull().defaultNow(),
    // How it is connected (null while not connected). Secrets live in connector_credentials.
    authMode: text('auth_mode', { enum: ['delegated', 'organization', 'own_app'] }),
    tenantId: text('tenant_id'),
    tenantName: text('tenant_name'),
    /** Delegated: the signed-in user's UPN and object id, and MSAL's account key (uid.utid). */
    accountUpn: text('account_upn'),
    accountOid: text('account_oid'),
    msalHomeAccountId: text('msal_home_account_id'),
    connectedAt: timestamp('connected_at', { withTimezone: true }),
    /** The app registration used: Mailroom's (delegated, organisation-wide) or the customer's own. */
    appClientId: text('app_client_id'),
    /**
     * App-only modes: the app's service principal in the tenant (the `oid` of its app-only token), what
     * RBAC for Applications' `New-ServicePrincipal -ObjectId` needs (the restriction guidance fills it in).
     */
    appPrincipalId: text('app_principal_id'),
    /** Own app registration: credential kind and the secret's expiry. */
    credentialKind: text('credential_kind', { enum: ['secret', 'certificate'] }),
    secretExpiresAt: timestamp('secret_expires_at', { withTimezone: true }),
    /** The smallest warning threshold (30, 14, 7, 1 days) already announced for this secret. */
    secretWarnedDays: integer('secret_warned_days'),
    // Health: the current named problem, and transient trouble that has not (yet) become one.
    problemCause: text('problem_cause'),
    problemDetail: text('problem_detail'),
    problemSince: timestamp('problem_since', { withTimezone: true }),
    /** For a mailbox-level cause: the mailbox it concerns. */
    problemMailbox: text('problem_mailbox'),
    transientSince: timestamp('transient_since', { withTimezone: true }),
    transientDetail: text('transient_detail'),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }),
    lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
    nextCheckAt: timestamp('next_check_at', { withTimezone: true }),
    /** Delegated tokens are refreshed at least daily, so Entra's 90-day idle expiry never bites. */
    lastRefreshAt: timestamp('last_refresh_at', { withTimezone: true }),
    setup: jsonb('setup').$type<SetupProgress>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('connectors_workspace_idx').on(t.workspaceId, t.createdAt),
    index('connectors_next_check_idx').on(t.nextCheckAt),
  ],
);
