import { randomUUID } from 'node:crypto';
import type { OutflowAction, OutflowPermissions } from '@mailroom/contracts';
import { eq, inArray } from 'drizzle-orm';
import { AppError, type FieldWords } from '../core/errors.ts';
import { outflowPermissions, WELL_KNOWN_DESTINATIONS, withIds } from '../core/outflow-policy.ts';
import type { Db } from '../db/client.ts';
import { connectors, mailboxes, monitoredFolders } from '../db/schema/index.ts';
import type { TokenBroker } from './token-broker.ts';

export interface MailboxRef {
  address: string;
  graphUserId: string;
  connectorId: string;
}

/**
 * What outflow may do on each mailbox, from the permissions in each connection's current token.
 * A connection that gives no token now (not connected, Microsoft unreachable) is "not known".
 */
export async function permissionsFor(
  db: Db,
  broker: TokenBroker,
  boxes: MailboxRef[],
): Promise<Map<MailboxRef, OutflowPermissions>> {
  const ids = [...new Set(boxes.map((b) => b.connectorId))];
  const owners = ids.length
    ? await db
        .select({ id: connectors.id, authMode: connectors.authMode, accountOid: connectors.accountOid })
        .from(connectors)
        .where(inArray(connectors.id, ids))
    : [];
  const grants = new Map(await Promise.all(ids.map(async (id) => [id, await broker.grants(id)] as const)));
  const out = new Map<MailboxRef, OutflowPermissions>();
  for (const b of boxes) {
    const owner = owners.find((o) => o.id === b.connectorId);
    const own = !!owner?.accountOid && owner.accountOid.toLowerCase() === b.graphUserId.toLowerCase();
    out.set(b, outflowPermissions(grants.get(b.connectorId) ?? null, owner?.authMode ?? null, own));
  }
  return out;
}

const VERB = {
  category: { en: 'set categories on', fr: 'appliquer de catégories aux e-mails de' },
  forward: { en: 'forward mail from', fr: 'transférer les e-mails de' },
  move: { en: 'move mail in', fr: 'déplacer les e-mails de' },
} as const;

/**
 * Checks a list of actions before it is saved (the rule editor's "says so before saving"): every
 * action must be possible on every mailbox it can touch, as far as the grants tell. Returns the
 * actions with their ids (kept, or new).
 */
export async function validateOutflow(
  db: Db,
  broker: TokenBroker,
  actions: OutflowAction[],
  scope: { folderId: string } | { inboxId: string },
): Promise<OutflowAction[]> {
  const details: FieldWords[] = [];
  const boxes: MailboxRef[] =
    'folderId' in scope
      ? await db
          .select({
            address: mailboxes.address,
            graphUserId: mailboxes.graphUserId,
            connectorId: mailboxes.connectorId,
          })
          .from(monitoredFolders)
          .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
          .where(eq(monitoredFolders.id, scope.folderId))
      : await db
          .selectDistinct({
            address: mailboxes.address,
            graphUserId: mailboxes.graphUserId,
            connectorId: mailboxes.connectorId,
          })
          .from(monitoredFolders)
          .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
          .where(eq(monitoredFolders.inboxId, scope.inboxId));
  const perms = actions.length
    ? await permissionsFor(db, broker, boxes)
    : new Map<MailboxRef, OutflowPermissions>();
  actions.forEach((a, i) => {
    // Documents of one inbox come from several mailboxes: a folder id means something in one only.
    if (
      a.kind === 'move' &&
      'inboxId' in scope &&
      !(WELL_KNOWN_DESTINATIONS as readonly string[]).includes(a.destinationFolderId)
    ) {
      details.push({
        path: `outflow.${i}.destinationFolderId`,
        message: {
          en: `An inbox can move mail only to a folder every mailbox has: ${WELL_KNOWN_DESTINATIONS.join(', ')}.`,
          fr: `Une boîte de réception ne peut déplacer les e-mails que vers un dossier que toutes les boîtes aux lettres ont : ${WELL_KNOWN_DESTINATIONS.join(', ')}.`,
        },
      });
    }
    for (const [box, p] of perms) {
      const missing = p.missing[a.kind];
      if (missing.length === 0) continue;
      details.push({
        path: `outflow.${i}`,
        message: {
          en: `This connection cannot ${VERB[a.kind].en} ${box.address}: Microsoft has not granted ${missing.join(' and ')}. Grant ${missing.length > 1 ? 'them' : 'it'} to the app in Microsoft Entra, then check the connection again.`,
          fr: `Cette connexion ne peut pas ${VERB[a.kind].fr} ${box.address} : Microsoft n’a pas accordé ${missing.join(' et ')}. Accordez-${missing.length > 1 ? 'les' : 'la'} à l’application dans Microsoft Entra, puis vérifiez à nouveau la connexion.`,
        },
      });
      break;
    }
  });
  if (details.length)
    throw new AppError(
      'validation_failed',
      {
        en: 'Some outflow actions cannot run with this connection.',
        fr: 'Certaines actions Outlook ne peuvent pas s’exécuter avec cette connexion.',
      },
      { details },
    );
  return withIds(actions, randomUUID);
}
