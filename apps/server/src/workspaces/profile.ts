import type { UpdateMeRequest } from '@mailroom/contracts';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { UserRow } from '../db/repos/users.ts';
import { users } from '../db/schema/index.ts';

/** Someone changes their own name or language; returns their updated row. */
export async function updateProfile(db: Db, userId: string, change: UpdateMeRequest): Promise<UserRow> {
  const [u] = await db
    .update(users)
    .set({
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.locale !== undefined ? { locale: change.locale } : {}),
      updatedAt: sql`now()`,
    })
    .where(eq(users.id, userId))
    .returning();
  return u!;
}
