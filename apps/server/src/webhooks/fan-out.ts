import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';

/**
 * One delivery per (endpoint, event) for the endpoints that want these events: enabled, of the event's
 * workspace, subscribed to its type (none listed = all) and, for a document event, to its inbox (none
 * listed = all; other events are not about an inbox). Runs in the transaction that records the
 * events; the unique (endpoint, event) index makes a repeat harmless.
 */
export async function queueWebhookDeliveries(db: Db, eventIds: string[]): Promise<void> {
  if (!eventIds.length) return;
  await db.execute(sql`
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
    on conflict (endpoint_id, event_id) do nothing`);
}
