import { and, eq, inArray, isNull } from 'drizzle-orm';
import { invalidField } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { documentTypes, inboxes, tags } from '../db/schema/index.ts';

/** The rule's document type and tags must be this workspace's. */
export async function assertRuleRefs(
  db: Db,
  workspaceId: string,
  b: { documentTypeId?: string | null | undefined; tagIds?: string[] | undefined },
): Promise<void> {
  if (b.documentTypeId) {
    const [t] = await db
      .select({ id: documentTypes.id })
      .from(documentTypes)
      .where(and(eq(documentTypes.workspaceId, workspaceId), eq(documentTypes.id, b.documentTypeId)));
    if (!t)
      throw invalidField('documentTypeId', {
        en: 'No such document type.',
        fr: 'Ce type de document n’existe pas.',
      });
  }
  const ids = [...new Set(b.tagIds ?? [])];
  if (ids.length) {
    const found = await db
      .select({ id: tags.id })
      .from(tags)
      .where(and(eq(tags.workspaceId, workspaceId), inArray(tags.id, ids)));
    if (found.length !== ids.length)
      throw invalidField('tagIds', { en: 'No such tag.', fr: 'Cette étiquette n’existe pas.' });
  }
}

/** A rule's inbox must be this workspace's and not archived (an archived inbox is offered to no rule). */
export async function assertInbox(db: Db, workspaceId: string, inboxId: string): Promise<void> {
  const [i] = await db
    .select({ id: inboxes.id })
    .from(inboxes)
    .where(and(eq(inboxes.workspaceId, workspaceId), eq(inboxes.id, inboxId), isNull(inboxes.archivedAt)));
  if (!i)
    throw invalidField('inboxId', {
      en: 'No such inbox in this workspace.',
      fr: 'Cette boîte de réception n’existe pas dans cet espace de travail.',
    });
}
