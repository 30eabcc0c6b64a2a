import type { CreateInvitationRequest, InvitationPreview } from '@mailroom/contracts';
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { AppError, notFound } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { recordAudit, type PersonActor } from '../db/repos/audit.ts';
import { createOnceWithSecret } from '../db/repos/creation-keys.ts';
import { findRole } from '../db/repos/memberships.ts';
import { findUserByEmail } from '../db/repos/users.ts';
import { invitations, workspaces } from '../db/schema/index.ts';
import { randomToken, sha256 } from '../security/tokens.ts';
import type { Vault } from '../security/vault.ts';

/**
 * Invitations by link: the admin copies the link; the invited person opens it and joins
 * (`invitation-accept.ts`). Only the token's hash is stored; the token is shown once.
 */
const INVITATION_TTL_MS = 7 * 86_400_000;

export type InvitationRow = typeof invitations.$inferSelect;
type Actor = PersonActor;

/** Not accepted, not revoked, not expired. */
export const live = () =>
  and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, new Date()));

/** Pending invitations, newest first. */
export async function listPendingInvitations(db: Db, workspaceId: string): Promise<InvitationRow[]> {
  return db
    .select()
    .from(invitations)
    .where(and(eq(invitations.workspaceId, workspaceId), live()))
    .orderBy(desc(invitations.createdAt));
}

/**
 * Invites someone who is not a member yet; returns the invitation and its link's token. With an
 * `Idempotency-Key` (`once`), the same key gives the first request's invitation and link (the token
 * kept encrypted for a day with the key, decision 0019): a double click must not revoke the link the
 * first click showed.
 */
export async function createInvitation(
  db: Db,
  workspaceId: string,
  actor: Actor,
  req: CreateInvitationRequest,
  once?: { vault: Vault; key: string | undefined },
): Promise<{ invitation: InvitationRow; token: string; replayed: boolean }> {
  const existing = await findUserByEmail(db, req.email);
  const token = randomToken();
  const create = async (tx: Db, id: string) => {
    if (existing && (await findRole(tx, workspaceId, existing.id)))
      throw new AppError('conflict', {
        en: `${req.email} is already a member of this workspace.`,
        fr: `${req.email} est déjà membre de cet espace de travail.`,
      });
    // A new invitation for the same address replaces the previous one.
    await tx
      .update(invitations)
      .set({ revokedAt: sql`now()` })
      .where(
        and(
          eq(invitations.workspaceId, workspaceId),
          eq(sql`lower(${invitations.email})`, req.email),
          live(),
        ),
      );
    const [inv] = await tx
      .insert(invitations)
      .values({
        id,
        workspaceId,
        email: req.email,
        role: req.role,
        tokenHash: sha256(token),
        invitedBy: actor.id,
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      })
      .returning();
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: 'member.invited',
      target: { type: 'invitation', id: inv!.id },
      details: { email: req.email, role: req.role },
    });
    return inv!;
  };
  const made = await db.transaction((tx) =>
    createOnceWithSecret(
      tx,
      once?.vault,
      { workspaceId, key: once?.key, kind: 'invitation', request: req },
      token,
      (id) => create(tx, id),
      // Accepted, revoked or expired since: its link no longer works.
      async (id) =>
        (
          await tx
            .select()
            .from(invitations)
            .where(and(eq(invitations.workspaceId, workspaceId), eq(invitations.id, id), live()))
        )[0],
    ),
  );
  return { invitation: made.row, token: made.secret, replayed: made.replayed };
}

/** Revokes a pending invitation (404 when there is none); the audit line is in the same transaction. */
export async function revokeInvitation(db: Db, workspaceId: string, id: string, actor: Actor): Promise<void> {
  await db.transaction(async (tx) => {
    const [inv] = await tx
      .update(invitations)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(invitations.workspaceId, workspaceId), eq(invitations.id, id), live()))
      .returning();
    if (!inv) throw notFound({ en: 'Invitation', fr: 'Invitation' });
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: 'invitation.revoked',
      target: { type: 'invitation', id },
      details: { email: inv.email },
    });
  });
}

/** The live invitation a link's token stands for, with its workspace's name; else `invitation_invalid` (410). */
export async function findLiveInvitation(
  db: Db,
  token: string,
): Promise<{ inv: InvitationRow; workspaceName: string }> {
  const [row] = await db
    .select({ inv: invitations, workspaceName: workspaces.name })
    .from(invitations)
    .innerJoin(workspaces, eq(workspaces.id, invitations.workspaceId))
    .where(and(eq(invitations.tokenHash, sha256(token)), live()))
    .limit(1);
  if (!row)
    throw new AppError('invitation_invalid', {
      en: 'This invitation link is not valid any more: it expired, was revoked or was already used. Ask an admin for a new one.',
      fr: 'Ce lien d’invitation n’est plus valable : il a expiré, a été révoqué ou a déjà été utilisé. Demandez-en un nouveau à un administrateur.',
    });
  return row;
}

/** What an invitation link offers, shown before joining. */
export async function previewInvitation(db: Db, token: string): Promise<InvitationPreview> {
  const { inv, workspaceName } = await findLiveInvitation(db, token);
  return {
    workspaceName,
    email: inv.email,
    role: inv.role,
    accountExists: Boolean(await findUserByEmail(db, inv.email)),
  };
}
