import { index, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { workspaces } from './workspaces.ts';

/**
 * `Idempotency-Key` of creations made from the app and the API (connectors, inboxes, document uploads…;
 * issues 19 §3 and 21 §2): a double click or a retried request with the same key gives the thing the
 * first one created, not a second. The key is the browser's (one per dialog opening) or the client's;
 * kept a day, as payment APIs keep theirs (decision 0018).
 */
export const creationKeys = pgTable(
  'creation_keys',
  {
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    /** What was created: `connector`, `inbox`, … A key reused for another kind is refused. */
    kind: text('kind').notNull(),
    /** SHA-256 of what was asked (the request's body): the same key with another body is refused. */
    requestHash: text('request_hash').notNull(),
    /** The id the creation got (chosen before it is made, so the key row is written first). */
    resourceId: uuid('resource_id').notNull(),
    /**
     * A secret the first answer showed once (an API key, an invitation link's token), encrypted
     * (vault, bound to the workspace and key): a retry whose first answer was lost gets it too. Kept
     * only as long as the key.
     */
    secret: text('secret'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.key] }),
    index('creation_keys_created_idx').on(t.createdAt),
  ],
);
