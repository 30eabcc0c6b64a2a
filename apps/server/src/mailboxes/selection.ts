import type { DirectoryEntry, Mailbox } from '@mailroom/contracts';
import { and, eq, notInArray } from 'drizzle-orm';
import { applyMailboxHealth } from '../connectors/health-state.ts';
import { recordAudit, type PersonActor } from '../db/repos/audit.ts';
import { mailboxes } from '../db/schema/index.ts';
import { testMailboxes } from './access-test.ts';
import type { MailboxDeps } from './deps.ts';
import { mailboxViews } from './folder-status.ts';
import { refuseReadElsewhere, whenReadElsewhere } from './one-reader.ts';

/**
 * Confirms the mailboxes a connector reads (the whole list): each is tested for read access first,
 * and the result kept with it; mailboxes left out are deleted with their folders, after giving up
 * their push subscriptions. The connector's health then follows the mailboxes' access. A mailbox
 * another connector of the workspace reads is refused, naming that connector (issue 19 §2).
 */
export async function setMailboxes(
  d: MailboxDeps,
  change: {
    workspaceId: string;
    connectorId: string;
    actor: PersonActor;
    mailboxes: DirectoryEntry[];
  },
): Promise<Mailbox[]> {
  const { db } = d;
  const { workspaceId, connectorId } = change;
  const wanted = change.mailboxes.map((m) => m.graphUserId);
  await refuseReadElsewhere(db, workspaceId, connectorId, wanted);
  const access = await testMailboxes(
    d,
    connectorId,
    change.mailboxes.map((m) => m.graphUserId),
  );
  const tested = change.mailboxes.map((m, i) => ({ ...m, ...access[i]! }));
  const keep = tested.map((m) => m.graphUserId);
  const leftOut = and(
    eq(mailboxes.connectorId, connectorId),
    keep.length ? notInArray(mailboxes.graphUserId, keep) : undefined,
  );
  const dropped = await db.select({ id: mailboxes.id }).from(mailboxes).where(leftOut);
  await d.push.releaseMailboxes(dropped.map((x) => x.id));
  await whenReadElsewhere(db, workspaceId, connectorId, wanted, () =>
    db.transaction(async (tx) => {
      await tx.delete(mailboxes).where(leftOut);
      for (const m of tested) {
        const v = {
          address: m.address,
          displayName: m.displayName,
          kind: m.kind,
          access: m.access,
          accessDetail: m.detail,
          accessCheckedAt: new Date(),
          // A copy switched off by migration 0012 is read again once no other connector reads it.
          disabledAt: null,
        };
        await tx
          .insert(mailboxes)
          .values({ workspaceId, connectorId, graphUserId: m.graphUserId, ...v })
          .onConflictDoUpdate({ target: [mailboxes.connectorId, mailboxes.graphUserId], set: v });
      }
      await recordAudit(tx, {
        workspaceId,
        actor: change.actor,
        action: 'connector.mailboxes_set',
        target: { type: 'connector', id: connectorId },
        details: { mailboxes: tested.map((m) => m.address) },
      });
    }),
  );
  await applyMailboxHealth(db, connectorId);
  return mailboxViews(d, { connectorId });
}
