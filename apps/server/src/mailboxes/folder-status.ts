import type { ConnectorBlock, FolderDelivery, FolderStatus, Mailbox } from '@mailroom/contracts';
import { and, asc, eq, gte, inArray, sql } from 'drizzle-orm';
import { permissionsFor } from '../connectors/outflow-permissions.ts';
import { blocksReading } from '../core/connector-health.ts';
import { folderDelivery, pushEligibility } from '../core/push-policy.ts';
import {
  connectors,
  documents,
  graphSubscriptions,
  mailboxes,
  mailMessages,
  monitoredFolders,
} from '../db/schema/index.ts';
import type { MailboxDeps } from './deps.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Which mailboxes to show: a connector's (its workspace checked by the caller), or one. */
export type MailboxSelector = { connectorId: string } | { mailboxId: string };

interface FolderCounts {
  pending: number;
  failed: number;
  total: number;
  today: number;
}

/**
 * Mailboxes as the API shows them: their access, what outflow may do on each, and their folders
 * with the rule, the work counts (today's from UTC midnight), the emails filtered today and how new
 * mail arrives (push or polling).
 */
export async function mailboxViews(
  d: Pick<MailboxDeps, 'db' | 'broker' | 'push' | 'reconcileMs'>,
  selector: MailboxSelector,
): Promise<Mailbox[]> {
  const { db } = d;
  const where =
    'connectorId' in selector
      ? eq(mailboxes.connectorId, selector.connectorId)
      : eq(mailboxes.id, selector.mailboxId);
  const rows = await db.select().from(mailboxes).where(where).orderBy(asc(mailboxes.createdAt));
  if (!rows.length) return [];
  const folders = await db
    .select()
    .from(monitoredFolders)
    .where(
      inArray(
        monitoredFolders.mailboxId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(monitoredFolders.createdAt));
  const folderIds = folders.map((f) => f.id);
  const subs = folders.length
    ? await db.select().from(graphSubscriptions).where(inArray(graphSubscriptions.folderId, folderIds))
    : [];
  const owners = await db
    .select({
      id: connectors.id,
      authMode: connectors.authMode,
      accountOid: connectors.accountOid,
      status: connectors.status,
      problemCause: connectors.problemCause,
      problemSince: connectors.problemSince,
    })
    .from(connectors)
    .where(inArray(connectors.id, [...new Set(rows.map((r) => r.connectorId))]));
  const startOfDay = new Date();
  startOfDay.setUTCHours(0, 0, 0, 0);
  const stats = folders.length
    ? await db
        .select({
          folderId: mailMessages.folderId,
          pending: sql<number>`count(*) filter (where ${mailMessages.state} = 'pending')`.mapWith(Number),
          failed: sql<number>`count(*) filter (where ${mailMessages.state} = 'failed')`.mapWith(Number),
          total: sql<number>`count(*) filter (where ${mailMessages.state} = 'done')`.mapWith(Number),
          today:
            sql<number>`count(*) filter (where ${mailMessages.state} = 'done' and ${mailMessages.processedAt} >= ${startOfDay})`.mapWith(
              Number,
            ),
        })
        .from(mailMessages)
        .where(inArray(mailMessages.folderId, folderIds))
        .groupBy(mailMessages.folderId)
    : [];
  const filtered = folders.length
    ? await db
        .select({ folderId: mailMessages.folderId, n: sql<number>`count(*)`.mapWith(Number) })
        .from(documents)
        .innerJoin(mailMessages, eq(mailMessages.id, documents.messageId))
        .where(
          and(
            inArray(mailMessages.folderId, folderIds),
            eq(documents.status, 'filtered'),
            gte(documents.createdAt, startOfDay),
          ),
        )
        .groupBy(mailMessages.folderId)
    : [];
  const permissions = await permissionsFor(db, d.broker, rows);
  // A connector that lost access blocks its mailboxes and folders: their last check no longer holds.
  const blocks = new Map<string, ConnectorBlock>();
  for (const c of owners)
    if (blocksReading(c))
      blocks.set(c.id, {
        connectorId: c.id,
        cause: c.problemCause as ConnectorBlock['cause'],
        since: iso(c.problemSince),
      });
  return rows.map((m) => ({
    id: m.id,
    connectorId: m.connectorId,
    graphUserId: m.graphUserId,
    address: m.address,
    displayName: m.displayName,
    kind: m.kind,
    access: m.access,
    accessDetail: m.accessDetail,
    accessCheckedAt: iso(m.accessCheckedAt),
    outflowPermissions: permissions.get(m)!,
    blockedBy: blocks.get(m.connectorId) ?? null,
    folders: folders
      .filter((f) => f.mailboxId === m.id)
      .map((f) => {
        const owner = owners.find((c) => c.id === m.connectorId);
        const delivery = folderDelivery({
          active: f.active,
          pushEnabled: d.push.enabled,
          eligibility: pushEligibility(owner?.authMode ?? null, owner?.accountOid ?? null, m.graphUserId),
          subscription: subs.find((s) => s.folderId === f.id),
          pollMinutes: Math.round(d.reconcileMs / 6000) / 10,
        });
        return folderView(
          f,
          stats.find((s) => s.folderId === f.id),
          delivery,
          filtered.find((s) => s.folderId === f.id)?.n ?? 0,
          blocks.get(m.connectorId) ?? null,
        );
      }),
  }));
}

/** One folder as the API shows it (after a change to its rule). */
export async function folderStatus(
  d: Pick<MailboxDeps, 'db' | 'broker' | 'push' | 'reconcileMs'>,
  folder: { id: string; mailboxId: string },
): Promise<FolderStatus | undefined> {
  return (await mailboxViews(d, { mailboxId: folder.mailboxId }))[0]?.folders.find((x) => x.id === folder.id);
}

function folderView(
  f: typeof monitoredFolders.$inferSelect,
  s: FolderCounts | undefined,
  delivery: FolderDelivery,
  filteredToday: number,
  blockedBy: ConnectorBlock | null,
): FolderStatus {
  return {
    id: f.id,
    graphFolderId: f.graphFolderId,
    displayName: f.displayName,
    inboxId: f.inboxId,
    processFrom: f.processFrom.toISOString(),
    active: f.active,
    filterInflow: f.filterInflow,
    writeMarker: f.writeMarker,
    documentTypeId: f.documentTypeId,
    tagIds: f.tagIds,
    metadata: f.metadata,
    outflow: f.outflow,
    filteredToday,
    lastSyncAt: f.lastSyncAt ? f.lastSyncAt.toISOString() : null,
    lastError: f.lastError,
    processedToday: s?.today ?? 0,
    processedTotal: s?.total ?? 0,
    pending: s?.pending ?? 0,
    failed: s?.failed ?? 0,
    delivery,
    blockedBy,
  };
}
