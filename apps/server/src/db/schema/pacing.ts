import { integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Microsoft allows 4 concurrent Graph requests per app and mailbox. Each of the 4 is a row here,
 * leased by one process at a time (`holder`), renewed while in use and released when idle; a process
 * that dies loses its leases when they expire. So the limit holds across every worker process, at the
 * cost of one query per lease — not per request (microsoft/mailbox-slots.ts).
 */
export const graphSlots = pgTable(
  'graph_slots',
  {
    mailbox: text('mailbox').notNull(),
    slot: integer('slot').notNull(),
    holder: text('holder').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /**
     * When another process last found this mailbox's slots all taken: the holder gives back the slots
     * it is not using at its next renewal, instead of after its idle time (10 s waits, issue 23).
     */
    wantedAt: timestamp('wanted_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.mailbox, t.slot] })],
);
