import type { FailedMessageList } from '@mailroom/contracts';
import { and, desc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import { notFound } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { mailMessages } from '../db/schema/index.ts';
import type { MailboxDeps } from './deps.ts';

/** A folder's messages that could not be processed, newest first (200 at most), with the reason. */
export async function failedMessages(
  db: Db,
  folderId: string,
): Promise<z.infer<typeof FailedMessageList>['items']> {
  const rows = await db
    .select()
    .from(mailMessages)
    .where(and(eq(mailMessages.folderId, folderId), eq(mailMessages.state, 'failed')))
    .orderBy(desc(mailMessages.createdAt))
    .limit(200);
  return rows.map((r) => ({
    id: r.id,
    subject: r.subject,
    receivedAt: r.receivedAt ? r.receivedAt.toISOString() : null,
    attempts: r.attempts,
    lastError: r.lastError,
  }));
}

/** Processes a message of the workspace again (the Retry button); another workspace's is a 404. */
export async function retryMessage(
  d: Pick<MailboxDeps, 'db' | 'retryMessage'>,
  workspaceId: string,
  messageId: string,
): Promise<void> {
  const [msg] = await d.db
    .select({ id: mailMessages.id })
    .from(mailMessages)
    .where(and(eq(mailMessages.workspaceId, workspaceId), eq(mailMessages.id, messageId)));
  if (!msg) throw notFound({ en: 'Message', fr: 'E-mail' });
  await d.retryMessage(msg.id);
}
