import { Password, type AcceptInvitationRequest } from '@mailroom/contracts';
import { and, eq, sql } from 'drizzle-orm';
import { AppError } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { recordAudit } from '../db/repos/audit.ts';
import { grantDefaultInbox } from '../db/repos/inbox-access.ts';
import { spendPasswordWork } from '../db/repos/login-throttle.ts';
import { findUserByEmail, type UserRow } from '../db/repos/users.ts';
import { invitations, memberships, users } from '../db/schema/index.ts';
import { assertStrongPassword } from '../security/password-strength.ts';
import { hashPassword } from '../security/passwords.ts';
import { findLiveInvitation, live } from './invitations.ts';
import { checkPassword, type Asker } from './sign-in.ts';

/**
 * Joins the workspace of a link's invitation: someone with an account confirms their password (under
 * the sign-in limits), someone new chooses a name and a password. Returns who joined, and whether
 * they joined just now (false: they already were a member).
 */
export async function acceptInvitation(
  db: Db,
  token: string,
  body: AcceptInvitationRequest,
  asker: Asker,
): Promise<{ userId: string; joined: boolean }> {
  const { inv, workspaceName } = await findLiveInvitation(db, token);
  const known = await findUserByEmail(db, inv.email);
  let user: UserRow;
  if (known) {
    const checked = await checkPassword(db, asker.client, inv.email, body.password);
    if (!checked) throw new AppError('invalid_credentials', 'The password is incorrect.');
    user = checked;
  } else {
    user = await createAccount(db, inv.email, body, { asker, workspaceName });
  }
  const joined = await db.transaction(async (tx) => {
    // Claim the invitation first: of two concurrent accepts, one wins.
    const claimed = await tx
      .update(invitations)
      .set({ acceptedAt: sql`now()` })
      .where(and(eq(invitations.id, inv.id), live()))
      .returning({ id: invitations.id });
    if (claimed.length === 0) throw new AppError('invitation_invalid', 'This invitation was already used.');
    const added = await tx
      .insert(memberships)
      .values({ workspaceId: inv.workspaceId, userId: user.id, role: inv.role })
      .onConflictDoNothing()
      .returning();
    if (added.length === 0) return false;
    // Joining puts the person on the default inbox's access list (decision 0006); admins may take them off.
    await grantDefaultInbox(tx, inv.workspaceId, user.id);
    await recordAudit(tx, {
      workspaceId: inv.workspaceId,
      actor: { id: user.id, email: user.email },
      action: 'member.joined',
      target: { type: 'user', id: user.id },
      details: { role: inv.role },
    });
    return true;
  });
  return { userId: user.id, joined };
}

/** The account of someone new: a valid, strong password and a name, checked before any hashing. */
async function createAccount(
  db: Db,
  email: string,
  body: AcceptInvitationRequest,
  ctx: { asker: Asker; workspaceName: string },
): Promise<UserRow> {
  const pw = Password.safeParse(body.password);
  if (!pw.success)
    throw new AppError('validation_failed', 'Some fields are not valid.', {
      details: [{ path: 'password', message: pw.error.issues[0]!.message }],
    });
  if (!body.name)
    throw new AppError('validation_failed', 'Some fields are not valid.', {
      details: [{ path: 'name', message: 'Enter a name.' }],
    });
  assertStrongPassword(body.password, {
    locale: ctx.asker.locale,
    personal: [body.name, email, ctx.workspaceName],
  });
  await spendPasswordWork(db, ctx.asker.client);
  const passwordHash = await hashPassword(body.password);
  const [user] = await db.insert(users).values({ email, name: body.name, passwordHash }).returning();
  return user!;
}
