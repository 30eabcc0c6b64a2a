import type { MailboxAccess, MailboxDenial } from '@mailroom/contracts';
import { classify } from '../microsoft/classify.ts';
import { appPrincipalId, grantedPermissions } from '../microsoft/token-claims.ts';
import type { MailboxDeps } from './deps.ts';
import { graphAnswer } from './graph-errors.ts';

const KNOWN: MailboxAccess[] = ['mailbox_blocked_by_policy', 'mailbox_no_rights', 'mailbox_not_enabled'];

type AccessTest = { access: MailboxAccess; detail: string | null; deniedBy: MailboxDenial | null };

/** Tests read access to a mailbox: its Inbox folder. Never throws: what failed is the answer. */
export async function testAccess(
  mail: MailboxDeps['mail'],
  token: string,
  graphUserId: string,
): Promise<AccessTest> {
  try {
    await mail.json(
      token,
      graphUserId,
      `/users/${encodeURIComponent(graphUserId)}/mailFolders/inbox?$select=id`,
    );
    return { access: 'readable', detail: null, deniedBy: null };
  } catch (err) {
    const cls = classify(err);
    if (cls.kind === 'transient') return { access: 'unknown', detail: cls.detail, deniedBy: null };
    const access = KNOWN.includes(cls.cause as MailboxAccess) ? (cls.cause as MailboxAccess) : 'unknown';
    return { access, detail: cls.detail, deniedBy: deniedBy(access, token) };
  }
}

/**
 * Which mechanism keeps an app-only token out (reference §5): "Access to OData is disabled" is an
 * application access policy (legacy); a plain "Access is denied" to a token that carries no tenant-wide
 * Mail.Read or Mail.ReadWrite from Entra can only be RBAC for Applications not covering the mailbox
 * (there is no other way in for such a token). The token is read to explain, never to decide.
 */
function deniedBy(access: MailboxAccess, token: string): MailboxDenial | null {
  if (access === 'mailbox_blocked_by_policy') return 'application_access_policy';
  if (access !== 'mailbox_no_rights' || !appPrincipalId(token)) return null;
  const granted = grantedPermissions(token);
  const tenantWide = granted !== null && (granted.has('mail.read') || granted.has('mail.readwrite'));
  return tenantWide ? null : 'rbac_scope';
}

/** The access of each mailbox, tested side by side with the connector's token (before confirming them). */
export async function testMailboxes(
  d: Pick<MailboxDeps, 'broker' | 'mail'>,
  connectorId: string,
  graphUserIds: string[],
): Promise<({ graphUserId: string } & AccessTest)[]> {
  const token = await graphAnswer(() => d.broker.graphToken(connectorId));
  return Promise.all(
    graphUserIds.map(async (id) => ({ graphUserId: id, ...(await testAccess(d.mail, token, id)) })),
  );
}
