import { eq } from 'drizzle-orm';
import type { BlobRef, BlobStore } from '../blobs/store.ts';
import { AppError } from '../core/errors.ts';
import { searchTextOf } from '../core/search-text.ts';
import type { Principal, RecordedActor } from '../core/principal.ts';
import type { Db } from '../db/client.ts';
import { requireInboxAccess } from '../db/repos/inbox-access.ts';
import { createOnce } from '../db/repos/creation-keys.ts';
import { documents, type StoredAttachment } from '../db/schema/index.ts';
import { pgText } from '../lib/pg-text.ts';
import { documentsCreated } from '../metrics/registry.ts';
import { readMimeSummary, storedAttachmentOf } from '../sync/mime-summary.ts';
import { emailContent, storedAttachments } from './document-row.ts';
import { recordDocumentEvent } from './history.ts';

/** A header field's name (RFC 5322 §3.6.8: printable ASCII but the colon). */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/** A file sent to the API, already in the blob store (it is hashed as it is stored). */
export interface UploadedFile {
  blob: BlobRef;
  name: string;
  contentType: string;
}

export interface UploadRequest {
  workspaceId: string;
  inboxId: string;
  principal: Principal;
  actor: RecordedActor;
  file: UploadedFile;
  /** The subject to show; by default the email's own, or the file's name. */
  subject?: string | undefined;
  metadata?: Record<string, string> | undefined;
  /** `Idempotency-Key`: the same key with the same request gives the same document. */
  idempotencyKey?: string | undefined;
}

export interface UploadResult {
  documentId: string;
  /** The key named a document created by an earlier, identical request: nothing new was made. */
  replayed: boolean;
}

/**
 * An upload is an email when it says so (`.eml`, `message/rfc822`): it is then read as one — subject,
 * people, body and attachments, and its `.eml` kept byte for byte — like an email read from a mailbox.
 * Anything else is one attachment of a document named after it.
 */
function isEmailUpload(f: Pick<UploadedFile, 'name' | 'contentType'>): boolean {
  return /\.eml$/i.test(f.name) || /^message\/rfc822\b/i.test(f.contentType);
}

/**
 * What identifies a request for `Idempotency-Key` (`createOnce` hashes it): the file's bytes (by
 * hash), its name and type, the inbox and the form's fields. Metadata keys are sorted, so the same
 * fields in another order match.
 */
function requestIdentity(r: Pick<UploadRequest, 'inboxId' | 'file' | 'subject' | 'metadata'>): unknown[] {
  const metadata = Object.fromEntries(
    Object.entries(r.metadata ?? {}).sort(([a], [b]) => a.localeCompare(b)),
  );
  return [r.inboxId, r.file.blob.sha256, r.file.name, r.file.contentType, r.subject ?? null, metadata];
}

/**
 * Creates a document from an uploaded file in an inbox the caller may reach (issue 21 §2). With an
 * `Idempotency-Key`, the key and the document are written in one transaction (`createOnce`, the
 * mechanism every creation shares): a retry of the same request (a timeout, a crash between our commit
 * and the client's read) gets the same document back, and the same key with another request is
 * refused (422) rather than answered with a document that is not what was sent. Two identical requests
 * racing on one key make one document: the second waits on the key's primary key, then finds the first.
 */
export async function uploadDocument(db: Db, blobs: BlobStore, req: UploadRequest): Promise<UploadResult> {
  await requireInboxAccess(db, req.workspaceId, req.principal, req.inboxId);
  const row = await documentOf(blobs, req);
  const { row: doc, replayed } = await db.transaction((tx) =>
    createOnce(
      tx,
      {
        workspaceId: req.workspaceId,
        key: req.idempotencyKey,
        kind: 'document',
        request: requestIdentity(req),
      },
      async (id) => {
        const [d] = await tx
          .insert(documents)
          .values({ ...row, id })
          .returning({
            id: documents.id,
            workspaceId: documents.workspaceId,
            version: documents.version,
            inboxId: documents.inboxId,
            status: documents.status,
          });
        // No outflow: its actions write to the email in Outlook, and an upload has no email there.
        await recordDocumentEvent(
          tx,
          d!,
          'document.created',
          'uploaded',
          req.actor,
          { inboxId: req.inboxId, fileName: req.file.name },
          { outflow: { workspaceId: req.workspaceId, rule: null, inbox: null } },
        );
        return { id: d!.id };
      },
      async (id) => (await tx.select({ id: documents.id }).from(documents).where(eq(documents.id, id)))[0],
    ),
  );
  if (!replayed) documentsCreated.inc();
  return { documentId: doc.id, replayed };
}

/** The new document's row: an email read from its MIME, or a file as the document's one attachment. */
async function documentOf(blobs: BlobStore, req: UploadRequest): Promise<typeof documents.$inferInsert> {
  const base = {
    workspaceId: req.workspaceId,
    inboxId: req.inboxId,
    origin: 'upload' as const,
    status: 'new' as const,
    metadata: req.metadata ?? {},
    receivedAt: new Date(),
  };
  const subject = req.subject?.trim() || null;
  if (isEmailUpload(req.file)) {
    const mail = await readMimeSummary(blobs.open(req.file.blob.sha256), {
      storeAttachment: (content) => blobs.put(content),
    });
    // An email starts with header fields (RFC 5322); without one, it is some other file misnamed.
    if (!Object.keys(mail.headers).some((name) => FIELD_NAME.test(name)))
      throw new AppError('invalid_email', {
        en: `"${req.file.name}" is not an email that can be read: it has no header fields (From:, Subject:…). Upload it with another name or type to keep it as a file.`,
        fr: `« ${req.file.name} » n’est pas un e-mail lisible : il n’a pas de champs d’en-tête (From:, Subject:…). Téléversez-le sous un autre nom ou un autre type pour le garder comme fichier.`,
      });
    // The MIME's parts are the attachments (no Graph list to match them to, as ingestion does).
    const attachments = mail.attachments.map(storedAttachmentOf);
    const content = emailContent(mail, req.file.blob, attachments, req.file.name);
    return { ...base, ...content, ...(subject ? { subject: pgText(subject) } : {}) };
  }
  const name = pgText(req.file.name);
  const attachment: StoredAttachment = {
    name,
    contentType: req.file.contentType,
    size: req.file.blob.size,
    kind: 'file',
    sha256: req.file.blob.sha256,
  };
  const title = pgText(subject ?? name);
  return {
    ...base,
    subject: title,
    fromAddress: null,
    fromName: null,
    to: [],
    cc: [],
    bodyHtml: null,
    bodyText: null,
    emlSha256: null,
    emlSize: null,
    attachments: storedAttachments([attachment]),
    searchText: pgText(
      searchTextOf({ subject: title, fromName: null, fromAddress: null, attachmentNames: [name] }),
    ),
  };
}
