import { and, isNotNull, lt, or } from 'drizzle-orm';
import { invitations, rateLimits, sessions } from '../../db/schema/index.ts';
import { forgetQuietLoginFailures } from '../../db/repos/login-throttle.ts';
import { forgetOldCreationKeys } from '../../db/repos/creation-keys.ts';
import { deleteExpiredSlots } from '../../db/repos/graph-slots.ts';
import type { JobHandler } from '../handler-types.ts';

/** Invitations that ended (accepted, revoked or expired) this long ago are no longer shown. */
const INVITATION_KEEP_MS = 30 * 86_400_000;
/** Rate-limit windows are at most an hour long. */
const RATE_LIMIT_KEEP_MS = 2 * 3_600_000;
/** A sign-in failure streak (per address and client) with no lock left is forgotten after a quiet day. */
const LOGIN_FAILURES_KEEP_MS = 86_400_000;

export const runHousekeeping: JobHandler = async (_payload, { db, logger, now }) => {
  const t = now();
  const expired = await db
    .delete(sessions)
    .where(lt(sessions.expiresAt, t))
    .returning({ h: sessions.tokenHash });
  const windows = await db
    .delete(rateLimits)
    .where(lt(rateLimits.windowStart, new Date(t.getTime() - RATE_LIMIT_KEEP_MS)))
    .returning({ k: rateLimits.key });
  const loginFailures = await forgetQuietLoginFailures(db, t, LOGIN_FAILURES_KEEP_MS);
  const cutoff = new Date(t.getTime() - INVITATION_KEEP_MS);
  const oldInvitations = await db
    .delete(invitations)
    .where(
      or(
        lt(invitations.expiresAt, cutoff),
        and(isNotNull(invitations.acceptedAt), lt(invitations.acceptedAt, cutoff)),
        and(isNotNull(invitations.revokedAt), lt(invitations.revokedAt, cutoff)),
      ),
    )
    .returning({ id: invitations.id });
  // Expired Graph slot leases of mailboxes nobody asks any more (a lease reuses its own expired row).
  const graphSlots = await deleteExpiredSlots(db, t);
  const creationKeys = await forgetOldCreationKeys(db);
  logger.info(
    {
      sessions: expired.length,
      graphSlots,
      rateLimitWindows: windows.length,
      loginFailures,
      invitations: oldInvitations.length,
      creationKeys,
    },
    'housekeeping done',
  );
};
