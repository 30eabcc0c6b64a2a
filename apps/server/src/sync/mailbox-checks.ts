import { and, asc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { applyMailboxHealth } from '../connectors/health-state.ts';
import { mailboxes } from '../db/schema/index.ts';
import { testAccess } from '../mailboxes/access-test.ts';
import type { SyncDeps } from './deps.ts';
import { setMailboxAccess } from './mailbox-access.ts';

/** At most this many mailboxes are read per probe: one request each, within their own Graph budgets. */
export const MAILBOX_CHECKS_PER_PROBE = 25;

/**
 * A mailbox-level cause (an access policy, rights taken away, a mailbox removed) shows at the folder's
 * next round; in a quiet mailbox that is the 5-minute reconciliation. So each connector probe (every
 * 45 s) also reads the inbox of the mailboxes not checked for that long — a sync round counts as a
 * check — oldest first, up to `MAILBOX_CHECKS_PER_PROBE` (issue 19 §4). One request per mailbox
 * per probe interval is a rounding error in Microsoft's 10,000 per 10 minutes per mailbox. A
 * passing failure (429, 5xx) changes nothing: only a named cause or a success is recorded.
 */
export async function checkQuietMailboxes(
  d: SyncDeps,
  connectorId: string,
  olderThanMs: number,
): Promise<{ checked: number; changed: number }> {
  const due = await d.db
    .select()
    .from(mailboxes)
    .where(
      and(
        eq(mailboxes.connectorId, connectorId),
        isNull(mailboxes.disabledAt),
        or(
          isNull(mailboxes.accessCheckedAt),
          lt(mailboxes.accessCheckedAt, sql`now() - make_interval(secs => ${olderThanMs / 1000})`),
        ),
      ),
    )
    .orderBy(sql`${mailboxes.accessCheckedAt} asc nulls first`, asc(mailboxes.id))
    .limit(MAILBOX_CHECKS_PER_PROBE);
  if (!due.length) return { checked: 0, changed: 0 };
  const token = await d.broker.graphToken(connectorId);
  let changed = 0;
  await Promise.all(
    due.map(async (m) => {
      const r = await testAccess(d.mail, token, m.graphUserId);
      // Throttled, unreachable, or no named cause: not a finding about the mailbox (tried again next time).
      if (r.access === 'unknown') return;
      if (r.access !== m.access) changed++;
      await setMailboxAccess(d.db, m, r.access, r.detail);
    }),
  );
  if (changed) await applyMailboxHealth(d.db, connectorId);
  return { checked: due.length, changed };
}
