import type { Db } from '../client.ts';
import { queueWebhookDeliveries } from '../../webhooks/fan-out.ts';
import { events } from '../schema/index.ts';

export interface NewEvent {
  id?: string;
  workspaceId: string;
  type: string;
  subject: { type: string; id: string };
  payload: Record<string, unknown>;
}

/** Appends a product event to the outbox, in the caller's transaction. */
export async function recordEvent(db: Db, e: NewEvent): Promise<void> {
  await recordEvents(db, [e]);
}

/**
 * Appends several events in one statement (a batch of ingested documents), in this order, and in the
 * same transaction hands each to the workspace's webhook endpoints that want it (one more statement):
 * an event reaches each endpoint's delivery queue exactly once, whatever crashes.
 */
export async function recordEvents(db: Db, list: NewEvent[]): Promise<void> {
  if (!list.length) return;
  const inserted = await db
    .insert(events)
    .values(
      list.map((e) => ({
        ...(e.id ? { id: e.id } : {}),
        workspaceId: e.workspaceId,
        type: e.type,
        subjectType: e.subject.type,
        subjectId: e.subject.id,
        payload: e.payload,
      })),
    )
    .returning({ id: events.id });
  await queueWebhookDeliveries(
    db,
    inserted.map((e) => e.id),
  );
}
