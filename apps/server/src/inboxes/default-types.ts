import { and, eq, inArray } from 'drizzle-orm';
import { invalidField } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { documentTypes, inboxDocumentTypes } from '../db/schema/index.ts';

/** The document types an inbox offers first. */

/** Only the workspace's own types can be defaults. */
export async function checkDefaultTypes(
  db: Db,
  workspaceId: string,
  typeIds: string[] | undefined,
): Promise<void> {
  if (!typeIds?.length) return;
  const found = await db
    .select({ id: documentTypes.id })
    .from(documentTypes)
    .where(and(eq(documentTypes.workspaceId, workspaceId), inArray(documentTypes.id, typeIds)));
  if (found.length !== new Set(typeIds).size)
    throw invalidField('documentTypeIds', {
      en: 'No such document type.',
      fr: 'Ce type de document n’existe pas.',
    });
}

/** Replaces the whole list (duplicates counted once). */
export async function replaceDefaultTypes(tx: Db, inboxId: string, typeIds: string[]): Promise<void> {
  await tx.delete(inboxDocumentTypes).where(eq(inboxDocumentTypes.inboxId, inboxId));
  const unique = [...new Set(typeIds)];
  if (unique.length)
    await tx.insert(inboxDocumentTypes).values(unique.map((documentTypeId) => ({ inboxId, documentTypeId })));
}
