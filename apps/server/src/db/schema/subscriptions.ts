import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { monitoredFolders } from './mail.ts';
import { workspaces } from './workspaces.ts';

/**
 * The Graph change-notification subscription of one monitored folder (push). Notifications are only
 * hints that wake the folder's delta round; the delta query stays the truth. The `clientState` is
 * random per subscription and kept only as a SHA-256 hash: a notification is accepted when the hash
 * of the state it carries matches, compared in constant time.
 */
export const graphSubscriptions = pgTable(
  'graph_subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    folderId: uuid('folder_id')
      .notNull()
      .references(() => monitoredFolders.id, { onDelete: 'cascade' }),
    /** Graph's subscription id; null while none exists (being created, or removed by Microsoft). */
    graphId: text('graph_id'),
    clientStateHash: text('client_state_hash'),
    /**
     * active · reauthorize (Microsoft asked for it) · removed (Microsoft removed it, or it answered
     * 404) · failed (could not be created; `lastError` says why — the folder is polled meanwhile).
     */
    status: text('status', { enum: ['active', 'reauthorize', 'removed', 'failed'] }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    renewedAt: timestamp('renewed_at', { withTimezone: true }),
    lastNotificationAt: timestamp('last_notification_at', { withTimezone: true }),
    /** Notifications refused because their clientState did not match (forged or stale). */
    rejected: integer('rejected').notNull().default(0),
    lastRejectedAt: timestamp('last_rejected_at', { withTimezone: true }),
    lastError: text('last_error'),
    lastErrorAt: timestamp('last_error_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('graph_subscriptions_folder_key').on(t.folderId),
    uniqueIndex('graph_subscriptions_graph_id_key').on(t.graphId),
    index('graph_subscriptions_expires_idx').on(t.expiresAt),
  ],
);
