import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * One known text per encryption key id, encrypted with that key the first time the key is seen. At
 * boot each configured key must open its canary: a different key under the same id (a typo, the
 * wrong backup) stops the process with one clear line instead of failing every connector later.
 */
export const vaultKeyCanaries = pgTable('vault_key_canaries', {
  keyId: text('key_id').primaryKey(),
  /** A vault ciphertext of the canary text, bound to the context `vault-canary:<keyId>`. */
  canary: text('canary').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
