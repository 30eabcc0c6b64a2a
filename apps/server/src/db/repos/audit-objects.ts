import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client.ts';
import {
  apiKeys,
  connectors,
  documents,
  documentTypes,
  inboxes,
  invitations,
  mailboxes,
  monitoredFolders,
  tags,
  users,
  webhookEndpoints,
  workspaces,
} from '../schema/index.ts';

/**
 * What an audit line is about, named as it is now (issue 19 §5: "Approved a document in Claims", not
 * `document` alone): its name, the connector a mailbox or folder belongs to (the page that shows it),
 * the inbox a document is in. Documents are named by their inbox, never by their subject: the audit log
 * keeps facts, not mail content. Something deleted since is named by what its line recorded, if anything.
 */
export interface AuditObject {
  name: string | null;
  connectorId: string | null;
  inboxName: string | null;
}

interface Line {
  id: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

/** The objects of a page of audit lines: one query per kind of object on the page. */
export async function auditObjects(
  db: Db,
  workspaceId: string,
  lines: Line[],
): Promise<Map<string, AuditObject>> {
  const idsOf = (...types: string[]) => [
    ...new Set(
      lines
        .filter((l) => l.targetType && types.includes(l.targetType) && l.targetId && UUID.test(l.targetId))
        .map((l) => l.targetId!),
    ),
  ];
  const named = new Map<string, { name: string; connectorId?: string; inboxName?: string }>();
  const put = (
    rows: { id: string; name: string; connectorId?: string | null; inboxName?: string | null }[],
  ) => {
    for (const r of rows)
      named.set(r.id, {
        name: r.name,
        ...(r.connectorId ? { connectorId: r.connectorId } : {}),
        ...(r.inboxName ? { inboxName: r.inboxName } : {}),
      });
  };
  const ids = {
    connector: idsOf('connector'),
    mailbox: idsOf('mailbox'),
    folder: idsOf('folder'),
    inbox: idsOf('inbox'),
    document: idsOf('document'),
    user: idsOf('user'),
    invitation: idsOf('invitation'),
    apiKey: idsOf('api_key'),
    webhook: idsOf('webhook_endpoint'),
    type: idsOf('document type'),
    tag: idsOf('tag'),
    workspace: idsOf('workspace'),
  };
  const jobs: Promise<void>[] = [];
  if (ids.connector.length)
    jobs.push(
      db
        .select({ id: connectors.id, name: connectors.name, connectorId: connectors.id })
        .from(connectors)
        .where(and(eq(connectors.workspaceId, workspaceId), inArray(connectors.id, ids.connector)))
        .then(put),
    );
  if (ids.mailbox.length)
    jobs.push(
      db
        .select({ id: mailboxes.id, name: mailboxes.address, connectorId: mailboxes.connectorId })
        .from(mailboxes)
        .where(and(eq(mailboxes.workspaceId, workspaceId), inArray(mailboxes.id, ids.mailbox)))
        .then(put),
    );
  if (ids.folder.length)
    jobs.push(
      db
        .select({
          id: monitoredFolders.id,
          folder: monitoredFolders.displayName,
          address: mailboxes.address,
          connectorId: mailboxes.connectorId,
        })
        .from(monitoredFolders)
        .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
        .where(and(eq(monitoredFolders.workspaceId, workspaceId), inArray(monitoredFolders.id, ids.folder)))
        .then((rows) =>
          put(rows.map((r) => ({ id: r.id, name: `${r.address}/${r.folder}`, connectorId: r.connectorId }))),
        ),
    );
  if (ids.inbox.length)
    jobs.push(
      db
        .select({ id: inboxes.id, name: inboxes.name })
        .from(inboxes)
        .where(and(eq(inboxes.workspaceId, workspaceId), inArray(inboxes.id, ids.inbox)))
        .then(put),
    );
  if (ids.document.length)
    jobs.push(
      db
        .select({ id: documents.id, inboxName: inboxes.name })
        .from(documents)
        .innerJoin(inboxes, eq(inboxes.id, documents.inboxId))
        .where(and(eq(documents.workspaceId, workspaceId), inArray(documents.id, ids.document)))
        .then((rows) => put(rows.map((r) => ({ id: r.id, name: r.inboxName, inboxName: r.inboxName })))),
    );
  if (ids.user.length)
    jobs.push(
      db.select({ id: users.id, name: users.email }).from(users).where(inArray(users.id, ids.user)).then(put),
    );
  if (ids.invitation.length)
    jobs.push(
      db
        .select({ id: invitations.id, name: invitations.email })
        .from(invitations)
        .where(and(eq(invitations.workspaceId, workspaceId), inArray(invitations.id, ids.invitation)))
        .then(put),
    );
  if (ids.apiKey.length)
    jobs.push(
      db
        .select({ id: apiKeys.id, name: apiKeys.name })
        .from(apiKeys)
        .where(and(eq(apiKeys.workspaceId, workspaceId), inArray(apiKeys.id, ids.apiKey)))
        .then(put),
    );
  if (ids.webhook.length)
    jobs.push(
      db
        .select({ id: webhookEndpoints.id, name: webhookEndpoints.url })
        .from(webhookEndpoints)
        .where(and(eq(webhookEndpoints.workspaceId, workspaceId), inArray(webhookEndpoints.id, ids.webhook)))
        .then(put),
    );
  if (ids.type.length)
    jobs.push(
      db
        .select({ id: documentTypes.id, name: documentTypes.name })
        .from(documentTypes)
        .where(and(eq(documentTypes.workspaceId, workspaceId), inArray(documentTypes.id, ids.type)))
        .then(put),
    );
  if (ids.tag.length)
    jobs.push(
      db
        .select({ id: tags.id, name: tags.name })
        .from(tags)
        .where(and(eq(tags.workspaceId, workspaceId), inArray(tags.id, ids.tag)))
        .then(put),
    );
  if (ids.workspace.length)
    jobs.push(
      db
        .select({ id: workspaces.id, name: workspaces.name })
        .from(workspaces)
        .where(and(eq(workspaces.id, workspaceId), inArray(workspaces.id, ids.workspace)))
        .then(put),
    );
  await Promise.all(jobs);

  const out = new Map<string, AuditObject>();
  for (const l of lines) {
    const now = l.targetId ? named.get(l.targetId) : undefined;
    const d = l.details;
    // What the line itself recorded, for something gone since (a deleted connector keeps its name here).
    const recorded = text(d.name) ?? text(d.email) ?? text(d.address) ?? text(d.url);
    out.set(l.id, {
      name: now?.name ?? recorded,
      connectorId: now?.connectorId ?? null,
      inboxName: now?.inboxName ?? null,
    });
  }
  return out;
}
