import type { MailboxAccess } from '@mailroom/contracts';
import { classify } from '../microsoft/classify.ts';
import type { MailboxDeps } from './deps.ts';
import { graphAnswer } from './graph-errors.ts';

const KNOWN: MailboxAccess[] = ['mailbox_blocked_by_policy', 'mailbox_no_rights', 'mailbox_not_enabled'];

/** Tests read access to a mailbox: its Inbox folder. Never throws: what failed is the answer. */
export async function testAccess(
  mail: MailboxDeps['mail'],
  token: string,
  graphUserId: string,
): Promise<{ access: MailboxAccess; detail: string | null }> {
  try {
    await mail.json(
      token,
      graphUserId,
      `/users/${encodeURIComponent(graphUserId)}/mailFolders/inbox?$select=id`,
    );
    return { access: 'readable', detail: null };
  } catch (err) {
    const cls = classify(err);
    if (cls.kind === 'transient') return { access: 'unknown', detail: cls.detail };
    return {
      access: KNOWN.includes(cls.cause as MailboxAccess) ? (cls.cause as MailboxAccess) : 'unknown',
      detail: cls.detail,
    };
  }
}

/** The access of each mailbox, tested side by side with the connector's token (before confirming them). */
export async function testMailboxes(
  d: Pick<MailboxDeps, 'broker' | 'mail'>,
  connectorId: string,
  graphUserIds: string[],
): Promise<{ graphUserId: string; access: MailboxAccess; detail: string | null }[]> {
  const token = await graphAnswer(() => d.broker.graphToken(connectorId));
  return Promise.all(
    graphUserIds.map(async (id) => ({ graphUserId: id, ...(await testAccess(d.mail, token, id)) })),
  );
}
