import type { DocumentAction, UpdateDocumentRequest } from '@mailroom/contracts';
import { documentStatusValues } from '@mailroom/contracts';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { AppError, invalidField } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { recordAudit } from '../db/repos/audit.ts';
import {
  documentHistory,
  documents,
  documentTypes,
  mailboxes,
  mailMessages,
  monitoredFolders,
  tags,
} from '../db/schema/index.ts';
import { recordDocumentEvent, recordHistory, type Actor, type DocumentEvent } from './history.ts';
import type { InflowRouter } from './inflow.ts';

type Row = typeof documents.$inferSelect;
type Status = Row['status'];

/** What the actions need, built once in server.ts (the composition root). */
export interface ActionDeps {
  db: Db;
  /** The folder's rule, run again by reprocess (the InflowRouter the ingestion uses). */
  inflow: Pick<InflowRouter, 'decide'>;
  /** A Graph token for the connector (reprocessing reads the tenant's domains); may fail. */
  token: (connectorId: string) => Promise<string>;
  /** Queues the outflow runs an event planned, once its transaction has committed. */
  enqueueOutflow: (runIds: string[]) => Promise<void>;
}

type Kind = 'approved' | 'bounced' | 'deleted' | 'released' | 'reopened' | 'restored';
type Transition = { from: Status[]; to: Status; event: DocumentEvent; kind: Kind };

/** A refused action's words in French: what the document is, and what it cannot be. */
const STATUS_FR: Record<Status, string> = {
  new: 'nouveau',
  approved: 'approuvé',
  bounced: 'rejeté',
  deleted: 'supprimé',
  filtered: 'filtré',
};
const KIND_FR: Record<Kind, string> = {
  approved: 'approuvé',
  bounced: 'rejeté',
  deleted: 'supprimé',
  released: 'admis dans sa boîte de réception',
  reopened: 'rouvert',
  restored: 'restauré',
};

/** Which status each action moves from, to, and the event it emits. */
const TRANSITIONS: Record<'approve' | 'delete' | 'bounce' | 'release' | 'reopen', Transition> = {
  approve: { from: ['new'], to: 'approved', event: 'document.approved', kind: 'approved' },
  bounce: { from: ['new', 'approved'], to: 'bounced', event: 'document.bounced', kind: 'bounced' },
  delete: {
    from: ['new', 'approved', 'bounced', 'filtered'],
    to: 'deleted',
    event: 'document.deleted',
    kind: 'deleted',
  },
  // A filtered email let into its inbox by hand: for everything downstream it is created now.
  release: { from: ['filtered'], to: 'new', event: 'document.created', kind: 'released' },
  // A bounce undone: the document is back to work. Not a trigger of outflow (nothing to write back).
  reopen: { from: ['bounced'], to: 'new', event: 'document.updated', kind: 'reopened' },
};

/**
 * An action on a document: the status change, its history line and its event in one transaction. The
 * update is conditional on the status it starts from, so two people clicking at once make one change.
 * An action whose outcome is already true (approve an approved document: a double click, a retried
 * request) is a success that changes nothing, not a conflict (issue 19 §3).
 */
export async function applyAction(
  deps: ActionDeps,
  d: Row,
  action: DocumentAction,
  actor: Actor,
  expectedRevision?: number,
): Promise<Row> {
  if (action.action === 'reprocess') {
    checkRevision(d, expectedRevision);
    return reprocess(deps, d, actor, expectedRevision);
  }
  const t = action.action === 'restore' ? await restoreTransition(deps.db, d) : TRANSITIONS[action.action];
  // Already done: checked before the revision, so that a retried request with its old If-Match succeeds.
  if (d.status === t.to) return d;
  checkRevision(d, expectedRevision);
  const details: Record<string, unknown> =
    action.action === 'bounce'
      ? { reason: action.reason }
      : // The status a deleted document had: what restore brings back.
        action.action === 'delete'
        ? { from: d.status }
        : {};
  let runIds: string[] = [];
  const row = await deps.db.transaction(async (tx) => {
    const [u] = await tx
      .update(documents)
      .set({ status: t.to, statusChangedAt: sql`now()` })
      .where(and(eq(documents.id, d.id), inArray(documents.status, t.from), atRevision(expectedRevision)))
      .returning();
    if (!u) {
      // Someone (or this person's other click) got there first: the same outcome is a success.
      const [now] = await tx.select().from(documents).where(eq(documents.id, d.id));
      if (now && sameOutcome(action.action, now.status, t)) return now;
      if (expectedRevision !== undefined) await refuseStale(tx, d.id, expectedRevision);
      const status = now?.status ?? d.status;
      throw new AppError('conflict', {
        en: `This document is ${status}: it cannot be ${t.kind}.`,
        fr: `Ce document est ${STATUS_FR[status]} : il ne peut pas être ${KIND_FR[t.kind]}.`,
      });
    }
    runIds = (await recordDocumentEvent(tx, u, t.event, t.kind, actor, details)).outflowRunIds;
    await audit(tx, u, t.kind, actor);
    return u;
  });
  if (runIds.length) await deps.enqueueOutflow(runIds);
  return row;
}

/** A concurrent restore leaves the document out of the trash, whatever status it went back to. */
function sameOutcome(action: DocumentAction['action'], status: Status, t: Transition): boolean {
  return action === 'restore' ? status !== 'deleted' : status === t.to;
}

/**
 * Restore takes a deleted document out of the trash (deleted documents are kept until the workspace's
 * retention erases them) with the status it had: the `from` its deletion recorded, `new` for documents
 * deleted before that was recorded. One that is not deleted is already restored: a success.
 */
async function restoreTransition(db: Db, d: Row): Promise<Transition> {
  const none: Transition = { from: ['deleted'], to: d.status, event: 'document.updated', kind: 'restored' };
  if (d.status !== 'deleted') return none;
  const [line] = await db
    .select({ details: documentHistory.details })
    .from(documentHistory)
    .where(and(eq(documentHistory.documentId, d.id), eq(documentHistory.kind, 'deleted')))
    .orderBy(desc(documentHistory.seq))
    .limit(1);
  const from = line?.details.from;
  const to: Status =
    typeof from === 'string' &&
    (documentStatusValues as readonly string[]).includes(from) &&
    from !== 'deleted'
      ? (from as Status)
      : 'new';
  return { ...none, to };
}

/**
 * Re-runs the rule of the folder the email came from, as that rule is now: a new version with the
 * rule's inbox, and its type, tags and metadata over what people set (kept where the rule says
 * nothing). People's decisions stay (an approved document stays approved); a filtered email the rule
 * now lets in becomes new (and "created").
 */
async function reprocess(deps: ActionDeps, d: Row, actor: Actor, expectedRevision?: number): Promise<Row> {
  // An uploaded document came from no folder: it has no rule to run again.
  if (!d.messageId || !d.emlSha256)
    throw new AppError('conflict', {
      en: 'This document was uploaded, not read from a mailbox: there is no rule to run.',
      fr: 'Ce document a été téléversé, pas lu dans une boîte aux lettres : il n’y a pas de règle à appliquer.',
    });
  const { messageId, emlSha256 } = d;
  const [origin] = await deps.db
    .select({ f: monitoredFolders, connectorId: mailboxes.connectorId })
    .from(mailMessages)
    .innerJoin(monitoredFolders, eq(monitoredFolders.id, mailMessages.folderId))
    .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
    .where(eq(mailMessages.id, messageId));
  if (!origin)
    throw new AppError('conflict', {
      en: 'The folder this email came from is no longer monitored: there is no rule to run.',
      fr: 'Le dossier d’où vient cet e-mail n’est plus surveillé : il n’y a pas de règle à appliquer.',
    });
  const token = await deps.token(origin.connectorId).catch(() => null);
  const decision = await deps.inflow.decide(origin.f, {
    workspaceId: d.workspaceId,
    connectorId: origin.connectorId,
    token,
    from: d.fromAddress,
    emlSha256,
  });
  const status: Status = d.status === 'new' || d.status === 'filtered' ? decision.status : d.status;
  const before = pick(d);
  let runIds: string[] = [];
  const row = await deps.db.transaction(async (tx) => {
    const [u] = await tx
      .update(documents)
      .set({
        inboxId: decision.inboxId,
        status,
        filterReason: status === 'filtered' ? decision.filterReason : null,
        // What people set stays unless the rule sets it (issue 19 §3): the rule's type if it names one,
        // the rule's tags added to the document's, the rule's metadata keys over the document's.
        documentTypeId: decision.documentTypeId ?? d.documentTypeId,
        tagIds: [...new Set([...d.tagIds, ...decision.tagIds])],
        metadata: { ...d.metadata, ...decision.metadata },
        version: sql`${documents.version} + 1`,
        ...(status !== d.status ? { statusChangedAt: sql`now()` } : {}),
      })
      // Versions move one at a time: a concurrent reprocess of the same version loses.
      .where(and(eq(documents.id, d.id), eq(documents.version, d.version), atRevision(expectedRevision)))
      .returning();
    if (!u && expectedRevision !== undefined) await refuseStale(tx, d.id, expectedRevision);
    if (!u)
      throw new AppError('conflict', {
        en: 'This document changed meanwhile. Reload it and try again.',
        fr: 'Ce document a été modifié entre-temps. Rechargez-le et réessayez.',
      });
    const details = {
      folderId: origin.f.id,
      before,
      after: pick(u),
      ...(decision.filterReason ? { reason: decision.filterReason, evidence: decision.evidence } : {}),
    };
    if (d.status === 'filtered' && status === 'new')
      runIds = (await recordDocumentEvent(tx, u, 'document.created', 'reprocessed', actor, details))
        .outflowRunIds;
    else await recordHistory(tx, u, 'reprocessed', actor, details);
    await audit(tx, u, 'reprocessed', actor);
    return u;
  });
  if (runIds.length) await deps.enqueueOutflow(runIds);
  return row;
}

/**
 * The audit log keeps the fact (who, what, which document), never the mail's content. Written in the
 * transaction of the change it records: no audit line for a change rolled back, no change without one.
 */
export async function audit(tx: Db, d: Row, kind: string, actor: Actor): Promise<void> {
  await recordAudit(tx, {
    workspaceId: d.workspaceId,
    actor,
    action: `document.${kind}`,
    target: { type: 'document', id: d.id },
    details: { inboxId: d.inboxId, version: d.version },
  });
}

function pick(d: Row) {
  return {
    inboxId: d.inboxId,
    status: d.status,
    documentTypeId: d.documentTypeId,
    tagIds: d.tagIds,
    metadata: d.metadata,
  };
}

/** Type, tags and metadata changed by a person: validated against the workspace, recorded in the history. */
export async function updateDocument(
  db: Db,
  workspaceId: string,
  d: Row,
  body: UpdateDocumentRequest,
  actor: Actor,
  expectedRevision?: number,
): Promise<Row> {
  checkRevision(d, expectedRevision);
  if (body.documentTypeId) {
    const [t] = await db
      .select({ id: documentTypes.id })
      .from(documentTypes)
      .where(and(eq(documentTypes.workspaceId, workspaceId), eq(documentTypes.id, body.documentTypeId)));
    if (!t)
      throw invalidField('documentTypeId', {
        en: 'No such document type.',
        fr: 'Ce type de document n’existe pas.',
      });
  }
  const tagIds = body.tagIds ? [...new Set(body.tagIds)] : undefined;
  if (tagIds?.length) {
    const found = await db
      .select({ id: tags.id })
      .from(tags)
      .where(and(eq(tags.workspaceId, workspaceId), inArray(tags.id, tagIds)));
    if (found.length !== tagIds.length)
      throw invalidField('tagIds', { en: 'No such tag.', fr: 'Cette étiquette n’existe pas.' });
  }
  return db.transaction(async (tx) => {
    const [u] = await tx
      .update(documents)
      .set({
        ...(body.documentTypeId !== undefined ? { documentTypeId: body.documentTypeId } : {}),
        ...(tagIds ? { tagIds } : {}),
        ...(body.metadata ? { metadata: body.metadata } : {}),
      })
      .where(and(eq(documents.id, d.id), atRevision(expectedRevision)))
      .returning();
    if (!u && expectedRevision !== undefined) await refuseStale(tx, d.id, expectedRevision);
    // The history line and the outbox's `document.updated` (webhooks) are one: the event's id is the line's.
    await recordDocumentEvent(tx, u!, 'document.updated', 'changed', actor, {
      before: pick(d),
      after: pick(u!),
    });
    await audit(tx, u!, 'changed', actor);
    return u!;
  });
}

/**
 * `If-Match` (issue 21): the change happens only at the revision the caller read. Checked on the row
 * read first (a clear 412 at once) and again in the update's WHERE (a change in between loses too).
 */
function checkRevision(d: Row, expected: number | undefined): void {
  if (expected !== undefined && d.revision !== expected) throw preconditionFailed(d.revision);
}

const atRevision = (expected: number | undefined) =>
  expected === undefined ? undefined : eq(documents.revision, expected);

/** The update matched nothing: a 412 if the revision moved on, else the caller's own refusal follows. */
async function refuseStale(tx: Db, id: string, expected: number): Promise<void> {
  const [now] = await tx.select({ revision: documents.revision }).from(documents).where(eq(documents.id, id));
  if (now && now.revision !== expected) throw preconditionFailed(now.revision);
}

function preconditionFailed(current: number): AppError {
  return new AppError(
    'precondition_failed',
    {
      en: `The document changed since you read it (it is at revision ${current} now). Read it again, then retry.`,
      fr: `Le document a été modifié depuis que vous l’avez lu (il en est maintenant à la révision ${current}). Relisez-le, puis réessayez.`,
    },
    { headers: { etag: `"${current}"` } },
  );
}
