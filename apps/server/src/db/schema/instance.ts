import { integer, pgTable, timestamp, text } from 'drizzle-orm/pg-core';

/**
 * One row per installation. Its primary key makes "first start setup" a single-winner race: two
 * concurrent setup requests cannot both create an owner.
 */
export const instance = pgTable('instance', {
  id: integer('id').primaryKey(),
  setupCompletedAt: timestamp('setup_completed_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Counters for rate limits that must hold across processes (sign-in attempts per IP): one window per
 * key, opened by its first hit. A window aligned to the clock would let a burst that straddles its
 * boundary spend the budget twice.
 */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
  count: integer('count').notNull().default(0),
});

/**
 * Consecutive failed sign-ins per email address (hashed), whether or not an account has that
 * address: locking only real accounts would tell an attacker which addresses exist.
 */
export const loginThrottle = pgTable('login_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
