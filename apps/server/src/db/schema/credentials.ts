import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { connectors } from './connectors.ts';
import { workspaces } from './workspaces.ts';

/**
 * A connector's secrets, each a vault ciphertext bound to this connector (see security/vault.ts).
 * Kept apart from `connectors` so that no query that serves the API ever reads them.
 */
export const connectorCredentials = pgTable('connector_credentials', {
  connectorId: uuid('connector_id')
    .primaryKey()
    .references(() => connectors.id, { onDelete: 'cascade' }),
  workspaceId: uuid('workspace_id')
    .notNull()
    .references(() => workspaces.id, { onDelete: 'cascade' }),
  /** MSAL's serialised token cache (refresh token, access tokens, account). */
  tokenCache: text('token_cache'),
  /** Own app registration: the client secret, or the certificate and private key (JSON). */
  clientSecret: text('client_secret'),
  certificate: text('certificate'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Pending Microsoft sign-ins and admin consents. The `state` sent to Microsoft is random; only its
 * hash is stored. Single use, expiring, bound to the connector (and, for the delegated flow, to the
 * browser session that started it).
 */
export const oauthStates = pgTable('oauth_states', {
  stateHash: text('state_hash').primaryKey(),
  workspaceId: uuid('workspace_id')
    .notNull()
    .references(() => workspaces.id, { onDelete: 'cascade' }),
  connectorId: uuid('connector_id')
    .notNull()
    .references(() => connectors.id, { onDelete: 'cascade' }),
  /**
   * `delegated`: a delegated sign-in. Organisation-wide (decision 0009): `admin_consent_link` is the
   * reusable ticket in the consent link; `admin_consent` the state sent to /adminconsent from the
   * browser that opened it; `admin_verify` the administrator's sign-in that follows the consent.
   */
  kind: text('kind', {
    enum: ['delegated', 'admin_consent_link', 'admin_consent', 'admin_verify'],
  }).notNull(),
  /** The Mailroom user who asked for the connection. */
  userId: uuid('user_id').notNull(),
  /**
   * What the callback must come back with: the hash of the Mailroom session (delegated) or of the
   * consent cookie set when the consent link was opened (organisation-wide).
   */
  sessionHash: text('session_hash'),
  /** PKCE code verifier (vault ciphertext) and the OIDC nonce. */
  pkceVerifier: text('pkce_verifier'),
  nonce: text('nonce'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
});
