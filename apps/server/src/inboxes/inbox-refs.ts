import { and, eq, inArray } from 'drizzle-orm';
import { invalidField } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { inboxes } from '../db/schema/index.ts';

/** Inbox ids a request names (an API key's or a webhook's restriction) must be this workspace's: a 400 on `inboxIds` otherwise. */
export async function assertWorkspaceInboxes(
  db: Db,
  workspaceId: string,
  ids: readonly string[] | null | undefined,
): Promise<void> {
  const unique = [...new Set(ids ?? [])];
  if (!unique.length) return;
  const found = await db
    .select({ id: inboxes.id })
    .from(inboxes)
    .where(and(eq(inboxes.workspaceId, workspaceId), inArray(inboxes.id, unique)));
  if (found.length !== unique.length)
    throw invalidField('inboxIds', {
      en: 'No such inbox in this workspace.',
      fr: 'Cette boîte de réception n’existe pas dans cet espace de travail.',
    });
}
