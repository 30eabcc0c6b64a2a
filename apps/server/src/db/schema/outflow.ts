import type { OutflowAction } from '@mailroom/contracts';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { documents } from './mail.ts';
import { workspaces } from './workspaces.ts';

/**
 * One outflow action for one document event: the intent, written in the transaction that records
 * the event, before anything is done in Outlook. Unique on (event, action), so an action runs at
 * most once per document and event whatever retries, crashes or concurrent workers do; the effect
 * itself is made idempotent in Outlook (connectors/outflow-runner.ts, decision 0008).
 */
export const outflowRuns = pgTable(
  'outflow_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    /** The document event (= its history line) that set it off. */
    eventId: uuid('event_id').notNull(),
    /** The configured action's id: the same action on the same event is one run. */
    actionId: uuid('action_id').notNull(),
    source: text('source', { enum: ['rule', 'inbox'] }).notNull(),
    /** The action as configured when the event happened (a later edit does not change a run in flight). */
    action: jsonb('action').$type<OutflowAction>().notNull(),
    state: text('state', { enum: ['pending', 'done', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Forward: the draft created for it (the draft also carries the run's key, which is the truth). */
    draftId: text('draft_id'),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }),
    /**
     * When the run is due: now when planned; a lease when an attempt starts; the backoff after a
     * passing failure. The sweep queues pending runs that are overdue (lost kicks, dead workers).
     */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    doneAt: timestamp('done_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('outflow_runs_event_action_key').on(t.eventId, t.actionId),
    index('outflow_runs_document_idx').on(t.documentId),
    index('outflow_runs_due_idx').on(t.state, t.nextAttemptAt),
  ],
);
