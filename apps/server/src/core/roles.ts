import type { Role } from '@mailroom/contracts';

/** What each role may do in a workspace. Members work in inboxes; admins and owners manage. */
const rank: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

export function atLeast(role: Role, needed: Role): boolean {
  return rank[role] >= rank[needed];
}

/**
 * Who may set whom to which role. Only an owner may grant or take away ownership, and nobody may
 * leave a workspace without an owner (the caller checks the owner count with `ownersAfter`).
 */
export function canChangeRole(actor: Role, target: Role, next: Role): boolean {
  if (!atLeast(actor, 'admin')) return false;
  if (target === 'owner' || next === 'owner') return actor === 'owner';
  return true;
}

export function canRemoveMember(actor: Role, target: Role): boolean {
  if (!atLeast(actor, 'admin')) return false;
  return target !== 'owner' || actor === 'owner';
}
