import type { DirectoryEntry } from '@mailroom/contracts';
import type { MailboxDeps } from './deps.ts';
import { graphAnswer } from './graph-errors.ts';

interface GraphUser {
  id: string;
  displayName?: string;
  mail?: string | null;
  userPrincipalName: string;
}

/**
 * The tenant's users and shared mailboxes as the connector sees them (25 matches of a search, else
 * the first 50), each with its kind from its mailbox settings.
 */
export async function listDirectory(
  d: Pick<MailboxDeps, 'broker' | 'mail'>,
  connector: { id: string; accountUpn: string | null },
  query: string | undefined,
): Promise<DirectoryEntry[]> {
  const token = await graphAnswer(() => d.broker.graphToken(connector.id));
  const search = query?.trim().replace(/['"]/g, '');
  const path = search
    ? `/users?$select=id,displayName,mail,userPrincipalName&$top=25&$filter=${encodeURIComponent(`startswith(displayName,'${search}') or startswith(mail,'${search}') or startswith(userPrincipalName,'${search}')`)}`
    : '/users?$select=id,displayName,mail,userPrincipalName&$top=50';
  const list = await graphAnswer(() => d.mail.json<{ value: GraphUser[] }>(token, 'directory', path));
  const items: DirectoryEntry[] = await Promise.all(
    list.value.map(async (u) => ({
      graphUserId: u.id,
      address: u.mail ?? u.userPrincipalName,
      displayName: u.displayName ?? u.userPrincipalName,
      kind: await mailboxKind(d.mail, token, u.id),
    })),
  );
  // Delegated: the signed-in user's own mailbox first.
  const own = (connector.accountUpn ?? '').toLowerCase();
  items.sort((a, b) => Number(b.address.toLowerCase() === own) - Number(a.address.toLowerCase() === own));
  return items;
}

async function mailboxKind(
  mail: MailboxDeps['mail'],
  token: string,
  graphUserId: string,
): Promise<DirectoryEntry['kind']> {
  try {
    const s = await mail.json<{ userPurpose?: string }>(
      token,
      graphUserId,
      `/users/${graphUserId}/mailboxSettings?$select=userPurpose`,
    );
    if (s.userPurpose === 'shared') return 'shared';
    return s.userPurpose === 'room' || s.userPurpose === 'equipment' ? 'room' : 'user';
  } catch {
    // Settings unreadable (access policy, no mailbox): the kind stays unknown.
    return 'unknown';
  }
}
