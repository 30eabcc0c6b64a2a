import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { workspaces } from './workspaces.ts';

/**
 * Workspace API keys (decision 0010). The key itself is shown once; only its SHA-256 is kept, with a
 * short prefix to recognise it in lists. A key acts as a workspace member with its scope, optionally
 * on some inboxes only.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The first characters of the key (`mrk_` + 8), shown in lists and logs. */
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    scope: text('scope', { enum: ['read', 'read_write'] }).notNull(),
    /** Inboxes the key may reach; null = every inbox of the workspace. */
    inboxIds: uuid('inbox_ids').array(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdByUserId: uuid('created_by_user_id'),
    createdByEmail: text('created_by_email'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Written at most once a minute per key (a busy integration must not write on every call). */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('api_keys_hash_idx').on(t.keyHash),
    index('api_keys_workspace_idx').on(t.workspaceId, t.createdAt),
  ],
);

/**
 * Where a workspace's events go (Standard Webhooks). The signing secrets are vault ciphertext; after
 * a rotation the previous secret keeps signing beside the new one until `previousSecretUntil`.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    description: text('description').notNull().default(''),
    /** Event types sent; empty = all. */
    eventTypes: text('event_types').array().notNull().default([]),
    /** Document events of these inboxes only; null = every inbox. */
    inboxIds: uuid('inbox_ids').array(),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretUntil: timestamp('previous_secret_until', { withTimezone: true }),
    enabled: boolean('enabled').notNull().default(true),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    disabledReason: text('disabled_reason'),
    /** Since when every delivery has failed (null: the last one succeeded). */
    failingSince: timestamp('failing_since', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('webhook_endpoints_workspace_idx').on(t.workspaceId)],
);

/**
 * One event for one endpoint: made in the transaction that records the event in the outbox (so an
 * event reaches each endpoint exactly once into this table, whatever crashes), then attempted until it
 * succeeds or its retry window ends. This table is the delivery queue: workers claim due rows with a
 * lease (`next_attempt_at` moves ahead). `webhook-id` is the event id, the same on every attempt and
 * redelivery, so a receiver can deduplicate.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').notNull(),
    eventType: text('event_type').notNull(),
    /** The document the event is about, for the document page's delivery list. */
    documentId: uuid('document_id'),
    state: text('state', { enum: ['pending', 'succeeded', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_endpoint_event_idx').on(t.endpointId, t.eventId),
    index('webhook_deliveries_due_idx').on(t.state, t.nextAttemptAt),
    // Each endpoint's due deliveries, oldest first: the fair claim takes a few per endpoint (dispatcher.ts).
    index('webhook_deliveries_endpoint_due_idx')
      .on(t.endpointId, t.nextAttemptAt)
      .where(sql`state = 'pending'`),
    index('webhook_deliveries_document_idx').on(t.documentId),
  ],
);

/** Each attempt of a delivery, for the endpoint's delivery log: what was sent back, how fast. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    endpointId: uuid('endpoint_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    /** HTTP status, or null when no answer came (refused, timeout, reset). */
    status: integer('status'),
    durationMs: integer('duration_ms').notNull(),
    /** The start of the answer's body, or why there was none. */
    excerpt: text('excerpt').notNull().default(''),
    /** What was sent (the signed body), for the log. */
    requestBody: text('request_body').notNull(),
  },
  (t) => [
    index('webhook_attempts_endpoint_idx').on(t.endpointId, t.at),
    index('webhook_attempts_delivery_idx').on(t.deliveryId),
  ],
);
