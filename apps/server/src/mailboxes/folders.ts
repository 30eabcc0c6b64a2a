import type {
  FolderStatus,
  FolderTree,
  Mailbox,
  SetFoldersRequest,
  UpdateFolderRequest,
} from '@mailroom/contracts';
import { and, eq, notInArray, type SQL } from 'drizzle-orm';
import { validateOutflow } from '../connectors/outflow-permissions.ts';
import { AppError, notFound } from '../core/errors.ts';
import { recordAudit, type PersonActor } from '../db/repos/audit.ts';
import { graphSubscriptions, monitoredFolders } from '../db/schema/index.ts';
import { ensureDefaultInbox } from '../inboxes/default-inbox.ts';
import type { MailboxDeps } from './deps.ts';
import { folderStatus, mailboxViews } from './folder-status.ts';
import { graphAnswer } from './graph-errors.ts';
import { assertInbox, assertRuleRefs } from './rule-refs.ts';

type Actor = PersonActor;
type MailboxRow = { id: string; address: string; connectorId: string; graphUserId: string };
type FolderRow = typeof monitoredFolders.$inferSelect;

/** One level of a mailbox's folder tree, read from Outlook. */
export async function folderTree(
  d: Pick<MailboxDeps, 'broker' | 'mail'>,
  m: MailboxRow,
  parent: string | undefined,
): Promise<FolderTree['items']> {
  const token = await graphAnswer(() => d.broker.graphToken(m.connectorId));
  const folders = await graphAnswer(() => d.mail.folders(token, m.graphUserId, parent));
  return folders.map((f) => ({
    graphFolderId: f.id,
    displayName: f.displayName,
    childFolderCount: f.childFolderCount ?? 0,
    totalItemCount: f.totalItemCount ?? null,
  }));
}

/**
 * Sets the monitored folders of a mailbox (the whole list). A folder without an inbox goes to the
 * workspace's default inbox (made now when there is none); one without a start date starts at 00:00
 * UTC today. Folders left out give up their push subscriptions, then are deleted.
 */
export async function setFolders(
  d: MailboxDeps,
  change: { workspaceId: string; mailbox: MailboxRow; actor: Actor; folders: SetFoldersRequest['folders'] },
): Promise<Mailbox> {
  const { db } = d;
  const { workspaceId, mailbox: m } = change;
  const defaultInbox = await ensureDefaultInbox(db, workspaceId, change.actor.id);
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const keep = change.folders.map((f) => f.graphFolderId);
  const leftOut = and(
    eq(monitoredFolders.mailboxId, m.id),
    keep.length ? notInArray(monitoredFolders.graphFolderId, keep) : undefined,
  );
  const dropped = await db.select({ id: monitoredFolders.id }).from(monitoredFolders).where(leftOut);
  await d.push.releaseFolders(dropped.map((x) => x.id));
  await db.transaction(async (tx) => {
    await tx.delete(monitoredFolders).where(leftOut);
    // Each inbox named is checked once, however many folders go to it.
    for (const inboxId of new Set(change.folders.map((f) => f.inboxId ?? defaultInbox.id)))
      await assertInbox(tx, workspaceId, inboxId);
    for (const f of change.folders) {
      const inboxId = f.inboxId ?? defaultInbox.id;
      await tx
        .insert(monitoredFolders)
        .values({
          workspaceId,
          mailboxId: m.id,
          graphFolderId: f.graphFolderId,
          displayName: f.displayName,
          inboxId,
          processFrom: f.processFrom ? new Date(f.processFrom) : today,
          active: f.active ?? false,
        })
        .onConflictDoUpdate({
          target: [monitoredFolders.mailboxId, monitoredFolders.graphFolderId],
          set: {
            displayName: f.displayName,
            ...(f.inboxId ? { inboxId } : {}),
            ...(f.processFrom ? { processFrom: new Date(f.processFrom) } : {}),
            ...(f.active !== undefined ? { active: f.active } : {}),
          },
        });
    }
    await recordAudit(tx, {
      workspaceId,
      actor: change.actor,
      action: 'mailbox.folders_set',
      target: { type: 'mailbox', id: m.id },
      details: { address: m.address, folders: change.folders.map((f) => f.displayName) },
    });
  });
  await followActive(d, eq(monitoredFolders.mailboxId, m.id));
  return (await mailboxViews(d, { mailboxId: m.id }))[0]!;
}

/** Changes a folder's rule. It applies to new mail only: documents keep what they got. */
export async function updateFolderRule(
  d: MailboxDeps,
  change: { workspaceId: string; folder: FolderRow; actor: Actor; rule: UpdateFolderRequest },
): Promise<FolderStatus> {
  const { db } = d;
  const { workspaceId, folder: f, rule: b } = change;
  if (b.inboxId) await assertInbox(db, workspaceId, b.inboxId);
  await assertRuleRefs(db, workspaceId, b);
  // Refused before saving when the connection lacks a permission an action needs.
  const outflow = b.outflow ? await validateOutflow(db, d.broker, b.outflow, { folderId: f.id }) : undefined;
  const u = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(monitoredFolders)
      .set({
        ...(b.inboxId ? { inboxId: b.inboxId } : {}),
        // The rest of the rule applies to mail ingested from now on (documents keep what they got).
        ...(b.filterInflow !== undefined ? { filterInflow: b.filterInflow } : {}),
        ...(b.writeMarker !== undefined ? { writeMarker: b.writeMarker } : {}),
        ...(b.documentTypeId !== undefined ? { documentTypeId: b.documentTypeId } : {}),
        ...(b.tagIds ? { tagIds: [...new Set(b.tagIds)] } : {}),
        ...(b.metadata ? { metadata: b.metadata } : {}),
        // Outflow actions apply to document events from now on (runs already planned keep theirs).
        ...(outflow ? { outflow } : {}),
        // A new start date starts a new round from that date (recorded messages are not repeated).
        ...(b.processFrom ? { processFrom: new Date(b.processFrom), cursor: null, cursorKind: null } : {}),
        ...(b.active !== undefined ? { active: b.active } : {}),
      })
      .where(eq(monitoredFolders.id, f.id))
      .returning();
    await recordAudit(tx, {
      workspaceId,
      actor: change.actor,
      action: 'folder.rule_changed',
      target: { type: 'folder', id: f.id },
      details: { ...b },
    });
    return row;
  });
  await followActive(d, eq(monitoredFolders.id, f.id));
  const view = u && (await folderStatus(d, u));
  if (!view) throw notFound({ en: 'Folder', fr: 'Dossier' });
  return view;
}

/** A delta round now ("Sync now"), for an active folder only. */
export async function syncNow(
  d: Pick<MailboxDeps, 'syncFolder'>,
  f: { id: string; active: boolean },
): Promise<void> {
  if (!f.active)
    throw new AppError('conflict', {
      en: 'This folder is not active: activate its rule first.',
      fr: 'Ce dossier n’est pas actif : activez d’abord sa règle.',
    });
  await d.syncFolder(f.id);
}

/** After a change: active folders get a delta round now, inactive ones give up their push subscription. */
async function followActive(d: MailboxDeps, where: SQL): Promise<void> {
  const active = await d.db
    .select({ id: monitoredFolders.id })
    .from(monitoredFolders)
    .where(and(where, eq(monitoredFolders.active, true)));
  // One statement for a mailbox's hundred folders, not a round trip each.
  await d.syncFolders(active.map((r) => r.id));
  // A folder that is no longer read keeps no push subscription.
  const inactive = await d.db
    .select({ id: monitoredFolders.id })
    .from(monitoredFolders)
    .innerJoin(graphSubscriptions, eq(graphSubscriptions.folderId, monitoredFolders.id))
    .where(and(where, eq(monitoredFolders.active, false)));
  await d.push.releaseFolders(inactive.map((r) => r.id));
}
