import { Password, type AcceptInvitationRequest } from '@mailroom/contracts';
import { and, eq, sql } from 'drizzle-orm';
import { AppError, invalidField } from '../core/errors.ts';
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
    if (!checked)
      throw new AppError('invalid_credentials', {
        en: 'The password is incorrect.',
        fr: 'Le mot de passe est incorrect.',
      });
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
    if (claimed.length === 0)
      throw new AppError('invitation_invalid', {
        en: 'This invitation was already used.',
        fr: 'Cette invitation a déjà été utilisée.',
      });
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
  // The route's schema took a string of at most 256 characters: too short is all that is left.
  if (!Password.safeParse(body.password).success) {
    const min = Password.minLength ?? 0;
    throw invalidField('password', {
      en: `Use at least ${min} characters.`,
      fr: `Utilisez au moins ${min} caractères.`,
    });
  }
  if (!body.name) throw invalidField('name', { en: 'Enter a name.', fr: 'Saisissez un nom.' });
  assertStrongPassword(body.password, { personal: [body.name, email, ctx.workspaceName] });
  await spendPasswordWork(db, ctx.asker.client);
  const passwordHash = await hashPassword(body.password);
  const [user] = await db.insert(users).values({ email, name: body.name, passwordHash }).returning();
  return user!;
}
