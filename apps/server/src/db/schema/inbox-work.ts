import {
  bigserial,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { documents, inboxes } from './mail.ts';
import { documentTypes } from './taxonomy.ts';
import { users } from './users.ts';
import { memberships, workspaces } from './workspaces.ts';

/**
 * Who may see an inbox and its documents. Explicit for every role (decision 0006). The row hangs on
 * the membership: a person who leaves the workspace loses every inbox with it.
 */
export const inboxAccess = pgTable(
  'inbox_access',
  {
    inboxId: uuid('inbox_id')
      .notNull()
      .references(() => inboxes.id, { onDelete: 'cascade' }),
    workspaceId: uuid('workspace_id').notNull(),
    userId: uuid('user_id').notNull(),
    grantedAt: timestamp('granted_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.inboxId, t.userId] }),
    index('inbox_access_user_idx').on(t.workspaceId, t.userId),
    foreignKey({
      columns: [t.workspaceId, t.userId],
      foreignColumns: [memberships.workspaceId, memberships.userId],
    }).onDelete('cascade'),
  ],
);

/** The document types offered first in an inbox (its "default document types"). */
export const inboxDocumentTypes = pgTable(
  'inbox_document_types',
  {
    inboxId: uuid('inbox_id')
      .notNull()
      .references(() => inboxes.id, { onDelete: 'cascade' }),
    documentTypeId: uuid('document_type_id')
      .notNull()
      .references(() => documentTypes.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.inboxId, t.documentTypeId] })],
);

/** Everything that happened to a document: ingested, filtered, routed, actions, views, outflow results. */
export const documentHistory = pgTable(
  'document_history',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    /** The order lines were written in (several share one transaction's time). */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorUserId: uuid('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    actorEmail: text('actor_email'),
    /** ingested | filtered | routed | released | viewed | approved | deleted | bounced | reprocessed | changed | outflow */
    kind: text('kind').notNull(),
    /** The document version the entry belongs to (reprocessing makes a new one). */
    version: integer('version').notNull().default(1),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('document_history_document_idx').on(t.documentId, t.seq)],
);
