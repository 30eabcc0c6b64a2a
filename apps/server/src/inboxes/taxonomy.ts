import type { DocumentType } from '@mailroom/contracts';
import { and, asc, eq, sql } from 'drizzle-orm';
import { AppError, notFound, type Words } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { recordAudit, type PersonActor } from '../db/repos/audit.ts';
import { createOnce } from '../db/repos/creation-keys.ts';
import { documentTypes, tags } from '../db/schema/index.ts';

/**
 * The workspace's taxonomy: document types and tags, the same shape in two tables. A kind is named
 * by its path segment, which is also the prefix of its audit actions.
 */
export type TaxonomyKind = 'document-types' | 'tags';

const KINDS = {
  'document-types': {
    table: documentTypes,
    label: 'document type',
    notFound: { en: 'Document type', fr: 'Type de document' },
    taken: (name: string): Words => ({
      en: `A document type named "${name}" already exists.`,
      fr: `Un type de document nommé « ${name} » existe déjà.`,
    }),
  },
  tags: {
    table: tags,
    label: 'tag',
    notFound: { en: 'Tag', fr: 'Étiquette' },
    taken: (name: string): Words => ({
      en: `A tag named "${name}" already exists.`,
      fr: `Une étiquette nommée « ${name} » existe déjà.`,
    }),
  },
} as const;

type Actor = PersonActor;

const view = (r: { id: string; name: string; createdAt: Date }): DocumentType => ({
  id: r.id,
  name: r.name,
  createdAt: r.createdAt.toISOString(),
});

/** Names are unique per workspace and kind, whatever their case. */
async function refuseTakenName(
  db: Db,
  kind: TaxonomyKind,
  workspaceId: string,
  name: string,
  except?: string,
) {
  const { table, taken } = KINDS[kind];
  const [dup] = await db
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.workspaceId, workspaceId), eq(sql`lower(${table.name})`, name.toLowerCase())));
  if (dup && dup.id !== except) throw new AppError('conflict', taken(name));
}

/** In name order, whatever the case. */
export async function listTaxonomy(db: Db, kind: TaxonomyKind, workspaceId: string): Promise<DocumentType[]> {
  const { table } = KINDS[kind];
  const rows = await db
    .select()
    .from(table)
    .where(eq(table.workspaceId, workspaceId))
    .orderBy(asc(sql`lower(${table.name})`));
  return rows.map(view);
}

export async function createTaxonomyEntry(
  db: Db,
  kind: TaxonomyKind,
  workspaceId: string,
  actor: Actor,
  name: string,
): Promise<DocumentType> {
  return (await createTaxonomyEntryOnce(db, kind, workspaceId, actor, name, undefined)).row;
}

/**
 * A new type or tag, once per `Idempotency-Key` (`key`; decision 0019): a second request with the key
 * gets the entry the first made (`replayed`) — checked before the name, which the first has taken.
 */
export async function createTaxonomyEntryOnce(
  db: Db,
  kind: TaxonomyKind,
  workspaceId: string,
  actor: Actor,
  name: string,
  key: string | undefined,
): Promise<{ row: DocumentType; replayed: boolean }> {
  const { table, label } = KINDS[kind];
  const { row, replayed } = await db.transaction((tx) =>
    createOnce(
      tx,
      { workspaceId, key, kind, request: { name } },
      async (id) => {
        await refuseTakenName(tx, kind, workspaceId, name);
        const [created] = await tx.insert(table).values({ id, workspaceId, name }).returning();
        await recordAudit(tx, {
          workspaceId,
          actor,
          action: `${kind}.created`,
          target: { type: label, id: created!.id },
          details: { name: created!.name },
        });
        return created!;
      },
      async (id) =>
        (
          await tx
            .select()
            .from(table)
            .where(and(eq(table.workspaceId, workspaceId), eq(table.id, id)))
        )[0],
    ),
  );
  return { row: view(row), replayed };
}

export async function renameTaxonomyEntry(
  db: Db,
  kind: TaxonomyKind,
  workspaceId: string,
  id: string,
  actor: Actor,
  name: string,
): Promise<DocumentType> {
  const { table, label } = KINDS[kind];
  await refuseTakenName(db, kind, workspaceId, name, id);
  const r = await db.transaction(async (tx) => {
    const [renamed] = await tx
      .update(table)
      .set({ name })
      .where(and(eq(table.workspaceId, workspaceId), eq(table.id, id)))
      .returning();
    if (!renamed) throw notFound(KINDS[kind].notFound);
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: `${kind}.renamed`,
      target: { type: label, id: renamed.id },
      details: { name: renamed.name },
    });
    return renamed;
  });
  return view(r);
}

export async function deleteTaxonomyEntry(
  db: Db,
  kind: TaxonomyKind,
  workspaceId: string,
  id: string,
  actor: Actor,
): Promise<void> {
  const { table, label } = KINDS[kind];
  await db.transaction(async (tx) => {
    const [r] = await tx
      .delete(table)
      .where(and(eq(table.workspaceId, workspaceId), eq(table.id, id)))
      .returning();
    if (!r) throw notFound(KINDS[kind].notFound);
    // Documents and rules keep working: a deleted type becomes "no type" (FK), a deleted tag id is
    // dropped where it is read (tag ids are an array without a foreign key).
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: `${kind}.deleted`,
      target: { type: label, id: r.id },
      details: { name: r.name },
    });
  });
}
