import { integer, pgTable, primaryKey, text, timestamp, uuid, index, jsonb } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

export const workspaces = pgTable('workspaces', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** Sender domains inflow filtering treats as internal, besides the tenant's own verified domains. */
  internalDomains: jsonb('internal_domains').$type<string[]>().notNull().default([]),
  /** Documents older than this many days are erased with their files (issue 21 §4); 1–3,650. */
  retentionDays: integer('retention_days').notNull().default(29),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const memberships = pgTable(
  'memberships',
  {
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['owner', 'admin', 'member'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId] }), index('memberships_user_idx').on(t.userId)],
);
