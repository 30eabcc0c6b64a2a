import type { CreateInboxRequest, UpdateInboxRequest } from '@mailroom/contracts';
import { and, count, eq, sql } from 'drizzle-orm';
import { validateOutflow } from '../connectors/outflow-permissions.ts';
import type { TokenBroker } from '../connectors/token-broker.ts';
import { AppError, notFound } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { recordAudit, type PersonActor } from '../db/repos/audit.ts';
import { createOnce } from '../db/repos/creation-keys.ts';
import { inboxes, monitoredFolders } from '../db/schema/index.ts';
import { checkMembers, replaceAccessList } from './access-list.ts';
import { checkDefaultTypes, replaceDefaultTypes } from './default-types.ts';

/** Inbox names are unique per workspace, whatever their case. */
async function refuseTakenName(db: Db, workspaceId: string, name: string, except?: string): Promise<void> {
  const [dup] = await db
    .select({ id: inboxes.id })
    .from(inboxes)
    .where(and(eq(inboxes.workspaceId, workspaceId), eq(sql`lower(${inboxes.name})`, name.toLowerCase())));
  if (dup && dup.id !== except)
    throw new AppError('conflict', {
      en: `An inbox named "${name}" already exists.`,
      fr: `Une boîte de réception nommée « ${name} » existe déjà.`,
    });
}

/** Creates an inbox; its creator is on its access list. Returns its id. */
export async function createInbox(
  db: Db,
  workspaceId: string,
  actor: PersonActor,
  request: CreateInboxRequest,
): Promise<string> {
  return (await createInboxOnce(db, workspaceId, actor, request, undefined)).id;
}

/**
 * Creates an inbox once per `Idempotency-Key` (`key`; decision 0019): a second request with the key
 * gets the inbox the first made (`replayed`) — checked before the name, which the first has taken.
 */
export async function createInboxOnce(
  db: Db,
  workspaceId: string,
  actor: PersonActor,
  request: CreateInboxRequest,
  key: string | undefined,
): Promise<{ id: string; replayed: boolean }> {
  const { name, memberIds = [], documentTypeIds = [] } = request;
  const { row, replayed } = await db.transaction((tx) =>
    createOnce(
      tx,
      { workspaceId, key, kind: 'inbox', request },
      async (id) => {
        await refuseTakenName(tx, workspaceId, name);
        await checkMembers(tx, workspaceId, memberIds);
        await checkDefaultTypes(tx, workspaceId, documentTypeIds);
        const [r] = await tx.insert(inboxes).values({ id, workspaceId, name }).returning();
        await replaceAccessList(tx, workspaceId, r!.id, [actor.id, ...memberIds]);
        await replaceDefaultTypes(tx, r!.id, documentTypeIds);
        await recordAudit(tx, {
          workspaceId,
          actor,
          action: 'inbox.created',
          target: { type: 'inbox', id: r!.id },
          details: { name: r!.name },
        });
        return r!.id;
      },
      async (id) => {
        const [r] = await tx
          .select({ id: inboxes.id })
          .from(inboxes)
          .where(and(eq(inboxes.workspaceId, workspaceId), eq(inboxes.id, id)));
        return r?.id;
      },
    ),
  );
  return { id: row, replayed };
}

/**
 * Renames, archives or restores an inbox; replaces its access list, default types or outflow
 * actions. The default inbox stays, and an inbox monitored folders still feed cannot be archived.
 */
export async function updateInbox(
  db: Db,
  broker: TokenBroker,
  workspaceId: string,
  inboxId: string,
  actor: PersonActor,
  change: UpdateInboxRequest,
): Promise<void> {
  const [inbox] = await db
    .select()
    .from(inboxes)
    .where(and(eq(inboxes.workspaceId, workspaceId), eq(inboxes.id, inboxId)));
  if (!inbox) throw notFound({ en: 'Inbox', fr: 'Boîte de réception' });
  const b = change;
  if (b.name !== undefined) await refuseTakenName(db, workspaceId, b.name, inbox.id);
  await checkMembers(db, workspaceId, b.memberIds);
  await checkDefaultTypes(db, workspaceId, b.documentTypeIds);
  // Refused before saving when a connection feeding this inbox lacks a permission an action needs.
  const outflow = b.outflow ? await validateOutflow(db, broker, b.outflow, { inboxId: inbox.id }) : undefined;
  if (b.archived === true && inbox.archivedAt === null) {
    if (inbox.isDefault)
      throw new AppError('conflict', {
        en: 'The default inbox cannot be archived.',
        fr: 'La boîte de réception par défaut ne peut pas être archivée.',
      });
    const [rules] = await db
      .select({ n: count() })
      .from(monitoredFolders)
      .where(eq(monitoredFolders.inboxId, inbox.id));
    if (rules && rules.n > 0)
      throw new AppError('conflict', {
        en: `${rules.n} monitored folder(s) still send email to this inbox. Point their rules to another inbox first.`,
        fr:
          rules.n === 1
            ? 'Un dossier surveillé envoie encore ses e-mails à cette boîte de réception. Dirigez d’abord sa règle vers une autre boîte de réception.'
            : `${rules.n} dossiers surveillés envoient encore leurs e-mails à cette boîte de réception. Dirigez d’abord leurs règles vers une autre boîte de réception.`,
      });
  }
  await db.transaction(async (tx) => {
    if (b.name !== undefined || b.archived !== undefined || outflow)
      await tx
        .update(inboxes)
        .set({
          ...(b.name !== undefined ? { name: b.name } : {}),
          ...(outflow ? { outflow } : {}),
          ...(b.archived !== undefined
            ? { archivedAt: b.archived ? (inbox.archivedAt ?? new Date()) : null }
            : {}),
        })
        .where(eq(inboxes.id, inbox.id));
    if (b.memberIds) await replaceAccessList(tx, workspaceId, inbox.id, b.memberIds);
    if (b.documentTypeIds) await replaceDefaultTypes(tx, inbox.id, b.documentTypeIds);
    await recordAudit(tx, {
      workspaceId,
      actor,
      action:
        b.archived === true ? 'inbox.archived' : b.archived === false ? 'inbox.restored' : 'inbox.changed',
      target: { type: 'inbox', id: inbox.id },
      details: {
        name: b.name ?? inbox.name,
        ...(b.memberIds ? { memberIds: b.memberIds } : {}),
        ...(outflow ? { outflow } : {}),
      },
    });
  });
}
