import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';

/** The channel of `queueWebhookDeliveries`'s NOTIFY, which `WebhookDispatcher.wake` answers. */
export const WEBHOOK_WAKE_CHANNEL = 'mailroom_webhook_deliveries';

/**
 * One delivery per (endpoint, event) for the endpoints that want these events: enabled, of the event's
 * workspace, subscribed to its type (none listed = all) and, for a document event, to its inbox (none
 * listed = all; other events are not about an inbox). Runs in the transaction that records the
 * events; the unique (endpoint, event) index makes a repeat harmless.
 */
export async function queueWebhookDeliveries(db: Db, eventIds: string[]): Promise<void> {
  if (!eventIds.length) return;
  // A NOTIFY when a delivery was queued: PostgreSQL sends it at the commit, and it wakes the idle
  // dispatchers of every worker at once (`WEBHOOK_WAKE_CHANNEL`), which otherwise look every 5 s.
  await db.execute(sql`
    with queued as (
    insert into webhook_deliveries (workspace_id, endpoint_id, event_id, event_type, document_id)
    select e.workspace_id, w.id, e.id, e.type, case when e.subject_type = 'document' then e.subject_id::uuid end
      from events e
      join webhook_endpoints w on w.workspace_id = e.workspace_id and w.enabled
       and (cardinality(w.event_types) = 0 or e.type = any(w.event_types))
       and (w.inbox_ids is null or e.subject_type <> 'document' or (e.payload->>'inboxId')::uuid = any(w.inbox_ids))
     where e.id in (${sql.join(
       eventIds.map((id) => sql`${id}::uuid`),
       sql`, `,
     )})
    on conflict (endpoint_id, event_id) do nothing
    returning 1)
    select pg_notify(${WEBHOOK_WAKE_CHANNEL}, '') where exists (select 1 from queued)`);
}

/** Wakes the dispatchers at this transaction's commit: for deliveries queued or made due outside `queueWebhookDeliveries`. */
export async function wakeDispatchers(tx: Db): Promise<void> {
  await tx.execute(sql`select pg_notify(${WEBHOOK_WAKE_CHANNEL}, '')`);
}
