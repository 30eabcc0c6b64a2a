import type { Role, WorkspaceSummary } from '@mailroom/contracts';
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { memberships, workspaces } from '../schema/index.ts';

export async function findRole(db: Db, workspaceId: string, userId: string): Promise<Role | undefined> {
  const [row] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)))
    .limit(1);
  return row?.role;
}

export async function listUserWorkspaces(db: Db, userId: string): Promise<WorkspaceSummary[]> {
  return db
    .select({ id: workspaces.id, name: workspaces.name, role: memberships.role })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(workspaces.createdAt));
}
