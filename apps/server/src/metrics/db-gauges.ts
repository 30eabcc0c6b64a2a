import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../db/client.ts';
import {
  connectorStates,
  folderSyncLagSeconds,
  queueDepth,
  queueOldestSeconds,
  registry,
  webhookBacklog,
} from './registry.ts';

/** Reads the database-backed gauges, then renders every metric (a scrape). */
export async function scrape(db: Db): Promise<{ contentType: string; body: string }> {
  const [jobs, folders, states, backlog] = await Promise.all([
    db.execute(sql`select name, state::text as state, count(*)::int as n,
                          extract(epoch from now() - (min(created_on) filter (where state in ('created', 'retry')))) as oldest
                     from pgboss.job where state in ('created', 'retry', 'active') group by name, state`),
    db.execute(sql`select f.id, m.address, extract(epoch from now() - coalesce(f.last_sync_at, f.created_at)) as lag
                     from monitored_folders f join mailboxes m on m.id = f.mailbox_id where f.active`),
    db.execute(sql`select status, count(*)::int as n from connectors group by status`),
    db.execute(sql`select count(*)::int as n from webhook_deliveries where state = 'pending'`),
  ]);
  queueDepth.reset();
  queueOldestSeconds.reset();
  const oldest = new Map<string, number>();
  for (const r of rowsOf<{ name: string; state: string; n: number; oldest: number | null }>(jobs)) {
    queueDepth.set({ job: r.name, state: r.state }, Number(r.n));
    if (r.oldest !== null) oldest.set(r.name, Math.max(Number(r.oldest), oldest.get(r.name) ?? 0));
  }
  for (const [job, age] of oldest) queueOldestSeconds.set({ job }, age);
  folderSyncLagSeconds.reset();
  for (const r of rowsOf<{ id: string; address: string; lag: number }>(folders))
    folderSyncLagSeconds.set({ folder_id: r.id, mailbox: r.address }, Number(r.lag));
  connectorStates.reset();
  for (const r of rowsOf<{ status: string; n: number }>(states))
    connectorStates.set({ status: r.status }, Number(r.n));
  webhookBacklog.set(Number(rowsOf<{ n: number }>(backlog)[0]?.n ?? 0));
  return { contentType: registry.contentType, body: await registry.metrics() };
}
