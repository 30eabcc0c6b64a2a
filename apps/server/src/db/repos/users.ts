import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { instance, users } from '../schema/index.ts';

export type UserRow = typeof users.$inferSelect;

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  const [u] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return u;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const [u] = await db
    .select()
    .from(users)
    .where(eq(sql`lower(${users.email})`, email.toLowerCase()))
    .limit(1);
  return u;
}

export async function isSetupDone(db: Db): Promise<boolean> {
  const rows = await db.select({ id: instance.id }).from(instance).limit(1);
  return rows.length > 0;
}
