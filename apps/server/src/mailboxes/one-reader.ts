import type { DirectoryEntry, DirectoryListEntry, Mailbox, MailboxReader } from '@mailroom/contracts';
import { and, eq, inArray, isNull, ne } from 'drizzle-orm';
import { applyMailboxHealth } from '../connectors/health-state.ts';
import { AppError } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { recordAudit, type PersonActor } from '../db/repos/audit.ts';
import { connectors, mailboxes, monitoredFolders } from '../db/schema/index.ts';
import { withoutQuery } from '../lib/errors.ts';
import { testMailboxes } from './access-test.ts';
import type { MailboxDeps } from './deps.ts';
import { mailboxViews } from './folder-status.ts';
import { connectedConnector, workspaceMailbox } from './lookup.ts';

/**
 * A mailbox is read by at most one connector per workspace (issue 19 §2, decision 0015): two readers
 * would make every email two documents. The database holds it (a unique index on the workspace and
 * the mailbox's Entra object id, which is unique across tenants); this module says who reads what,
 * refuses a second reader in words, and moves a mailbox from one connector to another.
 */

/** The connectors other than `exceptConnectorId` that read these mailboxes, by Entra object id. */
export async function readersOf(
  db: Db,
  workspaceId: string,
  graphUserIds: string[],
  exceptConnectorId: string,
): Promise<Map<string, MailboxReader & { address: string }>> {
  if (!graphUserIds.length) return new Map();
  const rows = await db
    .select({
      mailboxId: mailboxes.id,
      graphUserId: mailboxes.graphUserId,
      address: mailboxes.address,
      connectorId: connectors.id,
      connectorName: connectors.name,
    })
    .from(mailboxes)
    .innerJoin(connectors, eq(connectors.id, mailboxes.connectorId))
    .where(
      and(
        eq(mailboxes.workspaceId, workspaceId),
        inArray(mailboxes.graphUserId, graphUserIds),
        ne(mailboxes.connectorId, exceptConnectorId),
        isNull(mailboxes.disabledAt),
      ),
    );
  return new Map(rows.map(({ graphUserId, ...r }) => [graphUserId, r]));
}

/** The directory as the mailbox picker shows it: each entry with the other connector that reads it, if any. */
export async function withReaders(
  db: Db,
  workspaceId: string,
  connectorId: string,
  entries: DirectoryEntry[],
): Promise<DirectoryListEntry[]> {
  const readers = await readersOf(
    db,
    workspaceId,
    entries.map((e) => e.graphUserId),
    connectorId,
  );
  return entries.map((e) => {
    const r = readers.get(e.graphUserId);
    return {
      ...e,
      readBy: r
        ? { mailboxId: r.mailboxId, connectorId: r.connectorId, connectorName: r.connectorName }
        : null,
    };
  });
}

/** The 409 for a mailbox another connector of the workspace reads, naming it. */
export function readElsewhere(address: string, connectorName: string): AppError {
  return new AppError('conflict', {
    en: `${address} is already read by the connector "${connectorName}". A mailbox is read by one connector per workspace, so that no email shows twice: move it to this connector from the mailbox list, or remove it from "${connectorName}" first.`,
    fr: `La boîte aux lettres ${address} est déjà lue par le connecteur « ${connectorName} ». Une boîte aux lettres n’est lue que par un seul connecteur par espace de travail, pour qu’aucun e-mail n’apparaisse deux fois : déplacez-la vers ce connecteur depuis la liste des boîtes aux lettres, ou retirez-la d’abord de « ${connectorName} ».`,
  });
}

/** Refuses a selection that holds a mailbox another connector of the workspace reads. */
export async function refuseReadElsewhere(
  db: Db,
  workspaceId: string,
  connectorId: string,
  graphUserIds: string[],
): Promise<void> {
  const readers = await readersOf(db, workspaceId, graphUserIds, connectorId);
  const first = [...readers.values()][0];
  if (first) throw readElsewhere(first.address, first.connectorName);
}

/** A write refused by the one-reader index (two selections at once): the same 409 as the check before it. */
export async function whenReadElsewhere<T>(
  db: Db,
  workspaceId: string,
  connectorId: string,
  graphUserIds: string[],
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const e = withoutQuery(err) as { code?: unknown; message?: unknown };
    if (e.code !== '23505' || !String(e.message).includes('mailboxes_workspace_user_key')) throw err;
    await refuseReadElsewhere(db, workspaceId, connectorId, graphUserIds);
    throw new AppError('conflict', {
      en: 'Another connector started reading one of these mailboxes meanwhile.',
      fr: 'Un autre connecteur a commencé entre-temps à lire l’une de ces boîtes aux lettres.',
    });
  }
}

/**
 * Moves a mailbox to another connector of the workspace: the same row changes hands, with its
 * folders, their rules and delta cursors, their work items and documents. Exactly once holds because
 * nothing is copied: work items stay unique per folder and message, so the new connector's first
 * round records nothing already recorded (a cursor Microsoft no longer accepts means a full round,
 * which the unique work items make harmless), and nothing recorded before is lost. The push
 * subscriptions made with the old connection are released first; the new connection's are made by
 * push's sweep and the round queued here.
 */
export async function moveMailbox(
  d: MailboxDeps,
  move: { workspaceId: string; mailboxId: string; connectorId: string; actor: PersonActor },
): Promise<Mailbox[]> {
  const { db } = d;
  const m = await workspaceMailbox(db, move.workspaceId, move.mailboxId);
  const target = await connectedConnector(db, move.workspaceId, move.connectorId);
  // Already there (a second click): done.
  if (m.connectorId === target.id && !m.disabledAt) return mailboxViews(d, { mailboxId: m.id });
  if (m.disabledAt)
    throw new AppError('conflict', {
      en: `This copy of ${m.address} was switched off because another connector reads the mailbox: move that one instead.`,
      fr: `Cette copie de ${m.address} a été désactivée parce qu’un autre connecteur lit la boîte aux lettres : déplacez plutôt celle de cet autre connecteur.`,
    });
  const [copy] = await db
    .select({ id: mailboxes.id })
    .from(mailboxes)
    .where(and(eq(mailboxes.connectorId, target.id), eq(mailboxes.graphUserId, m.graphUserId)));
  if (copy)
    throw new AppError('conflict', {
      en: `The connector "${target.name}" still has a switched-off copy of ${m.address}: remove it from its mailboxes first.`,
      fr: `Le connecteur « ${target.name} » a encore une copie désactivée de ${m.address} : retirez-la d’abord de ses boîtes aux lettres.`,
    });
  const [access] = await testMailboxes(d, target.id, [m.graphUserId]);
  if (access!.access !== 'readable')
    throw new AppError('conflict', {
      en: `The connector "${target.name}" cannot read ${m.address}${access!.detail ? ` (${access!.detail})` : ''}. Nothing was moved.`,
      fr: `Le connecteur « ${target.name} » ne peut pas lire ${m.address}${access!.detail ? ` (${access!.detail})` : ''}. Rien n’a été déplacé.`,
    });
  const [from] = await db
    .select({ name: connectors.name })
    .from(connectors)
    .where(eq(connectors.id, m.connectorId));
  await d.push.releaseMailboxes([m.id]);
  const moved = await db.transaction(async (tx) => {
    // Conditional: a move or removal meanwhile wins, and this one says so.
    const [row] = await tx
      .update(mailboxes)
      .set({
        connectorId: target.id,
        access: 'readable',
        accessDetail: null,
        accessCheckedAt: new Date(),
      })
      .where(and(eq(mailboxes.id, m.id), eq(mailboxes.connectorId, m.connectorId)))
      .returning({ id: mailboxes.id });
    if (!row) return false;
    await recordAudit(tx, {
      workspaceId: move.workspaceId,
      actor: move.actor,
      action: 'mailbox.moved',
      target: { type: 'mailbox', id: m.id },
      details: { address: m.address, from: from?.name ?? null, to: target.name },
    });
    return true;
  });
  if (!moved)
    throw new AppError('conflict', {
      en: `${m.address} was changed meanwhile; look again and retry.`,
      fr: `La boîte aux lettres ${m.address} a été modifiée entre-temps ; rechargez la page et réessayez.`,
    });
  await applyMailboxHealth(db, m.connectorId);
  await applyMailboxHealth(db, target.id);
  const active = await db
    .select({ id: monitoredFolders.id })
    .from(monitoredFolders)
    .where(and(eq(monitoredFolders.mailboxId, m.id), eq(monitoredFolders.active, true)));
  if (active.length) await d.syncFolders(active.map((f) => f.id));
  return mailboxViews(d, { mailboxId: m.id });
}
