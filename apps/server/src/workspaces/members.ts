import type { Role } from '@mailroom/contracts';
import { and, asc, count, eq, type SQL } from 'drizzle-orm';
import { AppError, forbidden, notFound } from '../core/errors.ts';
import { canChangeRole, canRemoveMember } from '../core/roles.ts';
import type { Db, Tx } from '../db/client.ts';
import { recordAudit, type PersonActor } from '../db/repos/audit.ts';
import { memberships, users } from '../db/schema/index.ts';

export interface MemberRow {
  userId: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: Date;
}

/** Who makes a change to the members: the signed-in person and their role in the workspace. */
export interface MemberAdmin {
  user: PersonActor;
  role: Role;
}

/** The workspace's members, oldest first. */
export async function listMembers(db: Db, workspaceId: string): Promise<MemberRow[]> {
  return selectMembers(db, eq(memberships.workspaceId, workspaceId));
}

/** Changes a member's role (a workspace always keeps an owner); returns the member as changed. */
export async function changeMemberRole(
  db: Db,
  workspaceId: string,
  by: MemberAdmin,
  targetId: string,
  role: Role,
): Promise<MemberRow> {
  return db.transaction(async (tx) => {
    const target = await lockMembership(tx, workspaceId, targetId);
    if (!target) throw notFound({ en: 'Member', fr: 'Membre' });
    if (!canChangeRole(by.role, target.role, role))
      throw forbidden({
        en: 'Only an owner can grant or remove ownership.',
        fr: 'Seul un propriétaire peut donner ou retirer le rôle de propriétaire.',
      });
    if (target.role === 'owner' && role !== 'owner') await assertAnotherOwner(tx, workspaceId);
    await tx.update(memberships).set({ role }).where(membership(workspaceId, targetId));
    await recordAudit(tx, {
      workspaceId,
      actor: by.user,
      action: 'member.role_changed',
      target: { type: 'user', id: targetId },
      details: { from: target.role, to: role },
    });
    const [m] = await selectMembers(tx, membership(workspaceId, targetId));
    return m!;
  });
}

/** Takes someone out of the workspace (a workspace always keeps an owner). */
export async function removeMember(
  db: Db,
  workspaceId: string,
  by: MemberAdmin,
  targetId: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    const target = await lockMembership(tx, workspaceId, targetId);
    if (!target) throw notFound({ en: 'Member', fr: 'Membre' });
    if (!canRemoveMember(by.role, target.role))
      throw forbidden({
        en: 'Only an owner can remove an owner.',
        fr: 'Seul un propriétaire peut retirer un propriétaire.',
      });
    if (target.role === 'owner') await assertAnotherOwner(tx, workspaceId);
    await tx.delete(memberships).where(membership(workspaceId, targetId));
    await recordAudit(tx, {
      workspaceId,
      actor: by.user,
      action: 'member.removed',
      target: { type: 'user', id: targetId },
    });
  });
}

const membership = (workspaceId: string, userId: string) =>
  and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId));

/** Members as the API shows them (the list and the answer to a role change). */
async function selectMembers(db: Db, where: SQL | undefined): Promise<MemberRow[]> {
  return db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: memberships.role,
      joinedAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(where)
    .orderBy(asc(memberships.createdAt));
}

/** The membership a change is about, locked for the rest of the transaction. */
async function lockMembership(tx: Tx, workspaceId: string, userId: string) {
  const [row] = await tx
    .select({ role: memberships.role })
    .from(memberships)
    .where(membership(workspaceId, userId))
    .for('update');
  return row;
}

/** A workspace always keeps at least one owner. */
async function assertAnotherOwner(tx: Tx, workspaceId: string) {
  const [row] = await tx
    .select({ n: count() })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.role, 'owner')));
  if ((row?.n ?? 0) < 2)
    throw new AppError('conflict', {
      en: 'A workspace needs at least one owner. Make someone else owner first.',
      fr: 'Un espace de travail doit garder au moins un propriétaire. Nommez d’abord quelqu’un d’autre propriétaire.',
    });
}
