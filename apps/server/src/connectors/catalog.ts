import { and, asc, eq, sql } from 'drizzle-orm';
import { notFound } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { recordAudit } from '../db/repos/audit.ts';
import { createOnce } from '../db/repos/creation-keys.ts';
import { connectors } from '../db/schema/index.ts';
import type { Actor } from './service.ts';
import type { ConnectorRow } from './token-broker.ts';

/**
 * A workspace's connectors as records: list, create, read, rename, delete. Every query filters on the
 * workspace id *and* the connector id, so another workspace's connector id is "not found".
 */
const scoped = (workspaceId: string, id: string) =>
  and(eq(connectors.workspaceId, workspaceId), eq(connectors.id, id));

const CONNECTOR = { en: 'Connector', fr: 'Connecteur' };

export async function listConnectors(db: Db, workspaceId: string): Promise<ConnectorRow[]> {
  return db
    .select()
    .from(connectors)
    .where(eq(connectors.workspaceId, workspaceId))
    .orderBy(asc(connectors.createdAt));
}

/** The workspace's connector, or a 404. */
export async function getConnector(db: Db, workspaceId: string, id: string): Promise<ConnectorRow> {
  const [c] = await db.select().from(connectors).where(scoped(workspaceId, id));
  if (!c) throw notFound(CONNECTOR);
  return c;
}

/** A connector by id alone, for answers right after a change the caller already scoped. */
export async function reloadConnector(db: Db, id: string): Promise<ConnectorRow> {
  const [c] = await db.select().from(connectors).where(eq(connectors.id, id));
  if (!c) throw notFound(CONNECTOR);
  return c;
}

/**
 * A new connector, audited in its transaction. With an `Idempotency-Key` (`key`), the same key gives the
 * connector the first request created (`replayed`), not a second one.
 */
export async function createConnector(
  db: Db,
  workspaceId: string,
  input: { name: string; type: ConnectorRow['type'] },
  actor: Actor,
  key?: string,
): Promise<{ row: ConnectorRow; replayed: boolean }> {
  return db.transaction((tx) =>
    createOnce(
      tx,
      { workspaceId, key, kind: 'connector', request: input },
      async (id) => {
        const [c] = await tx
          .insert(connectors)
          .values({ id, workspaceId, name: input.name, type: input.type })
          .returning();
        await recordAudit(tx, {
          workspaceId,
          actor,
          action: 'connector.created',
          target: { type: 'connector', id: c!.id },
          details: { name: c!.name, type: c!.type },
        });
        return c!;
      },
      async (id) => (await tx.select().from(connectors).where(scoped(workspaceId, id)))[0],
    ),
  );
}

export async function renameConnector(
  db: Db,
  workspaceId: string,
  id: string,
  name: string,
  actor: Actor,
): Promise<ConnectorRow> {
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select({ name: connectors.name })
      .from(connectors)
      .where(scoped(workspaceId, id))
      .for('update');
    if (!before) throw notFound(CONNECTOR);
    const [c] = await tx
      .update(connectors)
      .set({ name, updatedAt: sql`now()` })
      .where(scoped(workspaceId, id))
      .returning();
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: 'connector.renamed',
      target: { type: 'connector', id },
      details: { from: before.name, to: c!.name },
    });
    return c!;
  });
}

/**
 * Deletes a connector (its mailboxes, folders and credentials go with it). While the tokens still
 * exist, `beforeDelete` lets the caller release what lives at Microsoft (push subscriptions).
 */
export async function deleteConnector(
  db: Db,
  workspaceId: string,
  id: string,
  actor: Actor,
  beforeDelete: (connectorId: string) => Promise<void>,
): Promise<void> {
  const [existing] = await db.select({ id: connectors.id }).from(connectors).where(scoped(workspaceId, id));
  if (existing) await beforeDelete(existing.id);
  await db.transaction(async (tx) => {
    const [c] = await tx.delete(connectors).where(scoped(workspaceId, id)).returning();
    if (!c) throw notFound(CONNECTOR);
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: 'connector.deleted',
      target: { type: 'connector', id },
      details: { name: c.name },
    });
  });
}
