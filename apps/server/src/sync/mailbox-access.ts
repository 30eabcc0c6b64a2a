import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { recordEvent } from '../db/repos/events.ts';
import { mailboxes } from '../db/schema/index.ts';

/** A named cause as the mailbox's access (a cause that is not about one mailbox is `unknown`). */
export function mailboxAccess(
  cause: string,
): 'mailbox_blocked_by_policy' | 'mailbox_no_rights' | 'mailbox_not_enabled' | 'unknown' {
  return cause === 'mailbox_blocked_by_policy' ||
    cause === 'mailbox_no_rights' ||
    cause === 'mailbox_not_enabled'
    ? cause
    : 'unknown';
}

/**
 * A mailbox's access after a round, with `mailbox.sync_failed` / `mailbox.recovered` in the outbox
 * when it changes between readable and not (webhooks tell a monitor). The conditional update decides
 * who records the change, so two rounds that see it at once record it once.
 */
export async function setMailboxAccess(
  db: Db,
  m: typeof mailboxes.$inferSelect,
  access: (typeof mailboxes.$inferSelect)['access'],
  detail: string | null,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [before] = await tx
      .select({ access: mailboxes.access })
      .from(mailboxes)
      .where(eq(mailboxes.id, m.id))
      .for('update');
    await tx
      .update(mailboxes)
      .set({ access, accessDetail: detail, accessCheckedAt: sql`now()` })
      .where(eq(mailboxes.id, m.id));
    if (!before) return;
    // `unknown` is a mailbox not read yet (or a cause with no name): its first good round is no recovery.
    const isReadable = access === 'readable';
    const changed = isReadable
      ? before.access !== 'readable' && before.access !== 'unknown'
      : before.access === 'readable' || before.access === 'unknown';
    if (!changed || before.access === access) return;
    await recordEvent(tx, {
      workspaceId: m.workspaceId,
      type: isReadable ? 'mailbox.recovered' : 'mailbox.sync_failed',
      subject: { type: 'mailbox', id: m.id },
      payload: {
        mailboxId: m.id,
        address: m.address,
        connectorId: m.connectorId,
        ...(isReadable ? {} : { cause: access, detail }),
      },
    });
  });
}
