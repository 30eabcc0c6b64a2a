import type { SetupRequest } from '@mailroom/contracts';
import { AppError } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { recordAudit } from '../db/repos/audit.ts';
import { spendPasswordWork } from '../db/repos/login-throttle.ts';
import { isSetupDone } from '../db/repos/users.ts';
import { instance, memberships, users, workspaces } from '../db/schema/index.ts';
import { ensureDefaultInbox } from '../inboxes/default-inbox.ts';
import { assertStrongPassword } from '../security/password-strength.ts';
import { hashPassword } from '../security/passwords.ts';
import type { Asker } from './sign-in.ts';

const alreadySetUp = () =>
  new AppError('setup_already_done', {
    en: 'Mailroom is already set up. Sign in instead.',
    fr: 'Mailroom est déjà configuré. Connectez-vous.',
  });

/**
 * First start: the owner, the first workspace and its default inbox, in one transaction. Returns the
 * owner's user id.
 */
export async function setUpInstance(db: Db, input: SetupRequest, asker: Asker): Promise<string> {
  // Refuse before any argon2id work: once set up, this route costs a single read.
  if (await isSetupDone(db)) throw alreadySetUp();
  assertStrongPassword(input.password, { personal: [input.name, input.email, input.workspaceName] });
  // Every cheap refusal first, then this client's budget of password hashing (decision 0003).
  await spendPasswordWork(db, asker.client);
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    // The instance row's primary key lets exactly one setup win, however many race.
    const won = await tx
      .insert(instance)
      .values({ id: 1 })
      .onConflictDoNothing()
      .returning({ id: instance.id });
    if (won.length === 0) throw alreadySetUp();
    const [user] = await tx
      .insert(users)
      .values({ email: input.email, name: input.name, passwordHash, locale: input.locale ?? 'en' })
      .returning({ id: users.id });
    const [ws] = await tx
      .insert(workspaces)
      .values({ name: input.workspaceName })
      .returning({ id: workspaces.id });
    await tx.insert(memberships).values({ workspaceId: ws!.id, userId: user!.id, role: 'owner' });
    // The default "Inbox", with the owner on its access list (decision 0006).
    await ensureDefaultInbox(tx, ws!.id, user!.id);
    await recordAudit(tx, {
      workspaceId: ws!.id,
      actor: { id: user!.id, email: input.email },
      action: 'workspace.created',
      target: { type: 'workspace', id: ws!.id },
      details: { name: input.workspaceName },
    });
    return user!.id;
  });
}
