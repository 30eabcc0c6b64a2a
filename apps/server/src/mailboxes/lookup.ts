import { and, eq, isNull } from 'drizzle-orm';
import { AppError, notFound } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { connectors, mailboxes, monitoredFolders } from '../db/schema/index.ts';

// Every lookup filters on the workspace: another workspace's id is a 404 like one that does not exist.

/** A connector of the workspace that is connected to Microsoft 365 (the directory and selection need one). */
export async function connectedConnector(
  db: Db,
  workspaceId: string,
  connectorId: string,
): Promise<typeof connectors.$inferSelect> {
  const [c] = await db
    .select()
    .from(connectors)
    .where(and(eq(connectors.workspaceId, workspaceId), eq(connectors.id, connectorId)));
  if (!c) throw notFound({ en: 'Connector', fr: 'Connecteur' });
  if (!c.authMode)
    throw new AppError('conflict', {
      en: 'Connect this connector to Microsoft 365 first.',
      fr: 'Connectez d’abord ce connecteur à Microsoft 365.',
    });
  return c;
}

/** A connector of the workspace, connected or not. */
export async function workspaceConnectorId(
  db: Db,
  workspaceId: string,
  connectorId: string,
): Promise<string> {
  const [c] = await db
    .select({ id: connectors.id })
    .from(connectors)
    .where(and(eq(connectors.workspaceId, workspaceId), eq(connectors.id, connectorId)));
  if (!c) throw notFound({ en: 'Connector', fr: 'Connecteur' });
  return c.id;
}

export async function workspaceMailbox(
  db: Db,
  workspaceId: string,
  mailboxId: string,
): Promise<typeof mailboxes.$inferSelect> {
  const [m] = await db
    .select()
    .from(mailboxes)
    .where(and(eq(mailboxes.workspaceId, workspaceId), eq(mailboxes.id, mailboxId)));
  if (!m) throw notFound({ en: 'Mailbox', fr: 'Boîte aux lettres' });
  return m;
}

export async function workspaceFolder(
  db: Db,
  workspaceId: string,
  folderId: string,
): Promise<typeof monitoredFolders.$inferSelect> {
  const [f] = await db
    .select()
    .from(monitoredFolders)
    .where(and(eq(monitoredFolders.workspaceId, workspaceId), eq(monitoredFolders.id, folderId)));
  if (!f) throw notFound({ en: 'Folder', fr: 'Dossier' });
  return f;
}

/** The active folders of a connector's mailboxes (copies switched off by migration 0012 left out). */
export async function activeFolderIdsOf(db: Db, connectorId: string): Promise<string[]> {
  const rows = await db
    .select({ id: monitoredFolders.id })
    .from(monitoredFolders)
    .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
    .where(
      and(
        eq(mailboxes.connectorId, connectorId),
        isNull(mailboxes.disabledAt),
        eq(monitoredFolders.active, true),
      ),
    );
  return rows.map((r) => r.id);
}
