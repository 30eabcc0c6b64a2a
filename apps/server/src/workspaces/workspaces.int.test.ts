import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/helpers.ts';
import { AppError } from '../core/errors.ts';
import { FREE_ATTEMPTS } from '../core/lockout.ts';
import type { Database, Db } from '../db/client.ts';
import { findUserByEmail, isSetupDone } from '../db/repos/users.ts';
import {
  auditLog,
  inboxAccess,
  inboxes,
  invitations,
  memberships,
  rateLimits,
  workspaces,
} from '../db/schema/index.ts';
import { acceptInvitation } from './invitation-accept.ts';
import {
  createInvitation,
  findLiveInvitation,
  listPendingInvitations,
  previewInvitation,
  revokeInvitation,
} from './invitations.ts';
import { changeMemberRole, listMembers, removeMember } from './members.ts';
import { updateProfile } from './profile.ts';
import { findWorkspace, renameWorkspace } from './settings.ts';
import { setUpInstance } from './setup.ts';
import { checkPassword } from './sign-in.ts';

// The workspaces module called directly on a real database (PGlite, or PostgreSQL with
// TEST_DATABASE_URL): no HTTP, no server. The routes' own tests are test/auth.int.test.ts,
// test/workspace.int.test.ts and test/password-strength.int.test.ts.

let database: Database & { dispose(): Promise<void> };
let db: Db;
let ws: string;
let ownerUser: { id: string; email: string };

const ownerInput = {
  name: 'Olivia Owner',
  email: 'olivia@example.com',
  password: 'correct horse battery',
  workspaceName: 'Contoso Claims',
};
const strong = 'a long enough password';
// PostgreSQL refuses NUL in text: an audit line by this actor cannot be written, so the change it
// records must not be saved either (the audit is in the change's transaction).
const unrecordable = { id: '00000000-0000-0000-0000-000000000001', email: 'broken\u0000@example.com' };
// Each test its own client, so the sign-in limits of one do not reach the next.
let clients = 0;
const asker = () => ({ client: `198.51.100.${++clients}` });

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}
/** Counters the sign-in limits keep for a client (password work, failures). */
const countersOf = async (client: string) =>
  db
    .select()
    .from(rateLimits)
    .where(like(rateLimits.key, `%:${client}`));
const auditActions = async () =>
  (await db.select().from(auditLog).where(eq(auditLog.workspaceId, ws)).orderBy(auditLog.seq)).map(
    (a) => a.action,
  );
const roleOf = async (userId: string) =>
  (
    await db
      .select()
      .from(memberships)
      .where(and(eq(memberships.workspaceId, ws), eq(memberships.userId, userId)))
  )[0]?.role;

/** Invites `email` and accepts as someone new; returns their user id. */
async function join(email: string, role: 'admin' | 'member'): Promise<string> {
  const { token } = await createInvitation(db, ws, ownerUser, { email, role });
  const { userId, joined } = await acceptInvitation(
    db,
    token,
    { name: `Person ${role}`, password: strong },
    asker(),
  );
  expect(joined).toBe(true);
  return userId;
}

beforeAll(async () => {
  database = await openTestDatabase();
  db = database.db;
});
afterAll(async () => {
  await database?.dispose();
});

describe('setup', () => {
  it('refuses a weak password before any hashing, and sets nothing up', async () => {
    const who = asker();
    const err = await rejection(setUpInstance(db, { ...ownerInput, password: 'password1234' }, who));
    expect(err.code).toBe('validation_failed');
    expect(err.details?.[0]?.path).toBe('password');
    expect(await isSetupDone(db)).toBe(false);
    expect(await countersOf(who.client)).toEqual([]);
  });

  it('creates the owner, the workspace and its default inbox with the owner on it, once', async () => {
    const userId = await setUpInstance(db, ownerInput, asker());
    const [membership] = await db.select().from(memberships).where(eq(memberships.userId, userId));
    expect(membership?.role).toBe('owner');
    ws = membership!.workspaceId;
    ownerUser = { id: userId, email: ownerInput.email };
    expect((await findWorkspace(db, ws)).name).toBe('Contoso Claims');
    const boxes = await db.select().from(inboxes).where(eq(inboxes.workspaceId, ws));
    expect(boxes.map((b) => ({ name: b.name, isDefault: b.isDefault }))).toEqual([
      { name: 'Inbox', isDefault: true },
    ]);
    const access = await db.select().from(inboxAccess).where(eq(inboxAccess.inboxId, boxes[0]!.id));
    expect(access.map((a) => a.userId)).toEqual([userId]);
    expect(await auditActions()).toEqual(['workspace.created']);

    // Once set up: refused first, before the password is even judged or any work is counted.
    const again = asker();
    expect(
      (await rejection(setUpInstance(db, { ...ownerInput, password: 'password1234' }, again))).code,
    ).toBe('setup_already_done');
    expect(await countersOf(again.client)).toEqual([]);
  });
});

describe('sign-in', () => {
  it('answers the user for the right password, nothing for a wrong one, and locks after repeated failures', async () => {
    const { client } = asker();
    expect((await checkPassword(db, client, 'OLIVIA@example.com', ownerInput.password))?.id).toBe(
      ownerUser.id,
    );
    for (let i = 0; i < FREE_ATTEMPTS; i++)
      expect(await checkPassword(db, client, ownerInput.email, 'wrong password')).toBeUndefined();
    expect((await rejection(checkPassword(db, client, ownerInput.email, ownerInput.password))).code).toBe(
      'account_locked',
    );
    // The lock is for this client only.
    expect((await checkPassword(db, asker().client, ownerInput.email, ownerInput.password))?.id).toBe(
      ownerUser.id,
    );
  });

  it('changes a name or a language', async () => {
    expect((await updateProfile(db, ownerUser.id, { locale: 'fr' })).locale).toBe('fr');
    const u = await updateProfile(db, ownerUser.id, { name: 'Olivia O.' });
    expect({ name: u.name, locale: u.locale }).toEqual({ name: 'Olivia O.', locale: 'fr' });
  });
});

describe('workspace settings', () => {
  it('renames, with the audit line in the same transaction', async () => {
    await expect(renameWorkspace(db, ws, 'Never saved', unrecordable)).rejects.toThrow();
    expect((await findWorkspace(db, ws)).name).toBe('Contoso Claims');
    expect((await renameWorkspace(db, ws, 'Contoso', ownerUser)).name).toBe('Contoso');
    expect((await auditActions()).at(-1)).toBe('workspace.renamed');
    expect((await rejection(findWorkspace(db, '00000000-0000-0000-0000-000000000000'))).code).toBe(
      'not_found',
    );
  });
});

describe('invitations', () => {
  it('invites, replaces an earlier invitation for the same address, and refuses a member', async () => {
    const first = await createInvitation(db, ws, ownerUser, { email: 'ines@example.com', role: 'member' });
    const second = await createInvitation(db, ws, ownerUser, { email: 'ines@example.com', role: 'admin' });
    expect((await listPendingInvitations(db, ws)).map((i) => i.id)).toEqual([second.invitation.id]);
    expect((await rejection(findLiveInvitation(db, first.token))).code).toBe('invitation_invalid');
    expect(await previewInvitation(db, second.token)).toEqual({
      workspaceName: 'Contoso',
      email: 'ines@example.com',
      role: 'admin',
      accountExists: false,
    });
    expect(
      (await rejection(createInvitation(db, ws, ownerUser, { email: ownerInput.email, role: 'member' })))
        .code,
    ).toBe('conflict');
  });

  it('revokes, with the audit line in the same transaction', async () => {
    const { invitation, token } = await createInvitation(db, ws, ownerUser, {
      email: 'rex@example.com',
      role: 'member',
    });
    await expect(revokeInvitation(db, ws, invitation.id, unrecordable)).rejects.toThrow();
    expect((await findLiveInvitation(db, token)).inv.id).toBe(invitation.id);
    await revokeInvitation(db, ws, invitation.id, ownerUser);
    expect((await auditActions()).at(-1)).toBe('invitation.revoked');
    expect((await rejection(findLiveInvitation(db, token))).code).toBe('invitation_invalid');
    expect((await rejection(revokeInvitation(db, ws, invitation.id, ownerUser))).code).toBe('not_found');
  });

  it('lets someone new join with a name and a strong password, once, onto the default inbox', async () => {
    const { token } = await createInvitation(db, ws, ownerUser, {
      email: 'nina@example.com',
      role: 'member',
    });
    const who = asker();
    const weak = await rejection(
      acceptInvitation(db, token, { name: 'Nina', password: 'password1234' }, who),
    );
    expect(weak.details?.[0]?.path).toBe('password');
    const nameless = await rejection(acceptInvitation(db, token, { password: strong }, who));
    expect(nameless.details?.[0]?.path).toBe('name');
    expect(await countersOf(who.client)).toEqual([]);
    expect(await findUserByEmail(db, 'nina@example.com')).toBeUndefined();

    const { userId, joined } = await acceptInvitation(db, token, { name: 'Nina', password: strong }, who);
    expect(joined).toBe(true);
    expect(await roleOf(userId)).toBe('member');
    const [def] = await db
      .select()
      .from(inboxes)
      .where(and(eq(inboxes.workspaceId, ws), eq(inboxes.isDefault, true)));
    const onInbox = await db
      .select()
      .from(inboxAccess)
      .where(and(eq(inboxAccess.inboxId, def!.id), eq(inboxAccess.userId, userId)));
    expect(onInbox).toHaveLength(1);
    expect((await auditActions()).at(-1)).toBe('member.joined');
    expect((await rejection(acceptInvitation(db, token, { name: 'Nina', password: strong }, who))).code).toBe(
      'invitation_invalid',
    );
  });

  it('asks someone with an account for their own password', async () => {
    const [other] = await db.insert(workspaces).values({ name: 'Fabrikam' }).returning();
    const nina = await findUserByEmail(db, 'nina@example.com');
    const { token } = await createInvitation(db, other!.id, ownerUser, {
      email: 'nina@example.com',
      role: 'admin',
    });
    expect((await previewInvitation(db, token)).accountExists).toBe(true);
    expect(
      (await rejection(acceptInvitation(db, token, { password: 'not her password' }, asker()))).code,
    ).toBe('invalid_credentials');
    const { userId, joined } = await acceptInvitation(db, token, { password: strong }, asker());
    expect({ userId, joined }).toEqual({ userId: nina!.id, joined: true });
  });
});

describe('members', () => {
  it('lists members oldest first', async () => {
    const members = await listMembers(db, ws);
    expect(members[0]).toMatchObject({ userId: ownerUser.id, role: 'owner', email: ownerInput.email });
    expect(members.map((m) => m.email)).toContain('nina@example.com');
  });

  it('lets only an owner grant or take ownership, and keeps an owner', async () => {
    const adminId = await join('ada@example.com', 'admin');
    const memberId = await join('max@example.com', 'member');
    const admin = { user: { id: adminId, email: 'ada@example.com' }, role: 'admin' as const };
    const owner = { user: ownerUser, role: 'owner' as const };

    expect((await rejection(changeMemberRole(db, ws, admin, memberId, 'owner'))).code).toBe('forbidden');
    expect((await rejection(changeMemberRole(db, ws, owner, ownerUser.id, 'admin'))).code).toBe('conflict');
    expect((await rejection(removeMember(db, ws, owner, ownerUser.id))).code).toBe('conflict');
    expect(
      (await rejection(changeMemberRole(db, ws, owner, '00000000-0000-0000-0000-000000000000', 'admin')))
        .code,
    ).toBe('not_found');

    const changed = await changeMemberRole(db, ws, admin, memberId, 'admin');
    expect({ userId: changed.userId, role: changed.role }).toEqual({ userId: memberId, role: 'admin' });
    expect((await auditActions()).at(-1)).toBe('member.role_changed');

    await changeMemberRole(db, ws, owner, adminId, 'owner');
    expect((await rejection(removeMember(db, ws, admin, adminId))).code).toBe('forbidden');
    await removeMember(db, ws, owner, memberId);
    expect(await roleOf(memberId)).toBeUndefined();
    expect((await auditActions()).at(-1)).toBe('member.removed');
    // Two owners now: one may step down.
    await changeMemberRole(db, ws, owner, ownerUser.id, 'admin');
    expect(await roleOf(ownerUser.id)).toBe('admin');
  });
});

describe('invitations are checked against the right workspace', () => {
  it('does not revoke another workspace’s invitation', async () => {
    const [other] = await db.insert(workspaces).values({ name: 'Northwind' }).returning();
    const { invitation } = await createInvitation(db, other!.id, ownerUser, {
      email: 'zoe@example.com',
      role: 'member',
    });
    expect((await rejection(revokeInvitation(db, ws, invitation.id, ownerUser))).code).toBe('not_found');
    expect(
      (await db.select().from(invitations).where(eq(invitations.id, invitation.id)))[0]?.revokedAt,
    ).toBeNull();
  });
});
