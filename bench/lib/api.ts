// The setup every scenario shares: first admin, a Microsoft 365 connector on the customer's own app,
// mailboxes and monitored folders — all through the public API, as an admin would.
import { api, type Mailbox, type MailboxList, type SessionInfo } from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { ApiClient } from './api-client.ts';
import type { BenchMailbox } from './tenant.ts';

export interface Workspace {
  client: ApiClient;
  workspaceId: string;
  connectorId: string;
}

/** First-run setup, then a connector on Contoso's own app registration (client secret). */
export async function setupWorkspace(base: string): Promise<Workspace> {
  const client = new ApiClient(base);
  await client.session();
  const setup = await client.ok<SessionInfo>('POST', api.setup, {
    name: 'Bench',
    email: 'bench@example.com',
    password: 'benchmark password 123',
    workspaceName: 'Bench',
  });
  client.csrf = setup.csrfToken;
  const workspaceId = setup.workspaces[0]!.id;
  const connector = await client.ok<{ id: string }>('POST', api.connectors(workspaceId), {
    name: 'Bench',
    type: 'microsoft365',
  });
  await client.ok('POST', api.connectOwnApp(workspaceId, connector.id), {
    tenant: DEMO.contoso.domain,
    clientId: DEMO.customerApp.clientId,
    clientSecret: DEMO.customerApp.clientSecret,
    secretExpiresAt: '2099-12-31',
  });
  return { client, workspaceId, connectorId: connector.id };
}

/** Connects `mailboxes` (access tested by Mailroom); returns Mailroom's mailbox id per Graph user id. */
export async function connectMailboxes(
  ws: Workspace,
  mailboxes: BenchMailbox[],
): Promise<Map<string, string>> {
  const { client, workspaceId, connectorId } = ws;
  const entries = mailboxes.map((m) => ({
    graphUserId: m.id,
    address: m.address,
    displayName: m.address,
    kind: 'shared' as const,
  }));
  // PUT replaces the selection (at most 500 mailboxes per connector in one request).
  if (entries.length > 500) throw new Error('more than 500 mailboxes on one connector');
  const list = await client.ok<MailboxList>('PUT', api.mailboxes(workspaceId, connectorId), {
    mailboxes: entries,
  });
  const unreadable = list.items.filter((m) => m.access !== 'readable');
  if (unreadable.length)
    throw new Error(
      `mailboxes not readable: ${unreadable.map((m) => `${m.address} (${m.access})`).join(', ')}`,
    );
  return new Map(list.items.map((m) => [m.graphUserId, m.id]));
}

/**
 * Monitors every folder of `mailboxes` (active, processing mail received since `processFrom`); Mailroom
 * queues a first delta round at once. Returns Mailroom's folder id per Graph folder id.
 */
export async function monitorFolders(
  ws: Workspace,
  mailboxes: BenchMailbox[],
  mailboxIds: Map<string, string>,
  processFrom: Date,
  concurrency = 4,
  rule: { writeMarker?: boolean } = {},
): Promise<Map<string, string>> {
  // A rule beyond the defaults is set on the folders before they are switched on (a PATCH each).
  const ruled = rule.writeMarker !== undefined;
  const { client, workspaceId } = ws;
  const folderIds = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    while (next < mailboxes.length) {
      const mb = mailboxes[next++]!;
      // One PUT per mailbox (the API takes at most 100 folders per mailbox).
      if (mb.folders.length > 100) throw new Error(`${mb.address}: more than 100 folders`);
      const folders = mb.folders.map((f) => ({
        graphFolderId: f.id,
        displayName: f.displayName,
        processFrom: processFrom.toISOString(),
        active: !ruled,
      }));
      const r = await client.ok<Mailbox>('PUT', api.monitoredFolders(workspaceId, mailboxIds.get(mb.id)!), {
        folders,
      });
      for (const f of r.folders) {
        folderIds.set(f.graphFolderId, f.id);
        if (ruled) await client.ok('PATCH', api.folder(workspaceId, f.id), { ...rule, active: true });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return folderIds;
}
