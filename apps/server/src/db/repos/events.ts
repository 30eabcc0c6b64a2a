import type { Db } from '../client.ts';
import { events } from '../schema/index.ts';

/** Appends a product event to the outbox, in the caller's transaction. */
export async function recordEvent(
  db: Db,
  e: { id?: string; workspaceId: string; type: string; subject: { type: string; id: string }; payload: Record<string, unknown> },
): Promise<void> {
  await db.insert(events).values({ ...(e.id ? { id: e.id } : {}), workspaceId: e.workspaceId, type: e.type, subjectType: e.subject.type, subjectId: e.subject.id, payload: e.payload });
}
