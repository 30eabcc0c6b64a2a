import type { InflowDecision } from '../core/inflow-rules.ts';
import { searchTextOf } from '../core/search-text.ts';
import type {
  documents,
  mailMessages,
  monitoredFolders,
  Recipient,
  StoredAttachment,
} from '../db/schema/index.ts';
import { pgText } from '../lib/pg-text.ts';
import { htmlToText, sanitizeEmailHtml } from '../sync/sanitize.ts';
import type { MimeSummary } from '../sync/mime-summary.ts';
import { routedColumns } from './inflow.ts';

export interface IngestedEmail {
  /** The work item (its id becomes the document's `messageId`) and the folder it was read in. */
  msg: typeof mailMessages.$inferSelect;
  folder: typeof monitoredFolders.$inferSelect;
  /** What the MIME says (headers, bodies). */
  mail: MimeSummary;
  eml: { sha256: string; size: number };
  attachments: StoredAttachment[];
  decision: InflowDecision;
}

/**
 * The document row of an ingested email: its routing (the inflow decision), its words for search,
 * the sanitised body, the stored `.eml` and attachments. Sanitising is CPU work: callers do it
 * before their transaction holds a connection.
 */
export function documentRow({
  msg,
  folder: f,
  mail,
  eml,
  attachments,
  decision,
}: IngestedEmail): typeof documents.$inferInsert {
  const content = emailContent(mail, eml, attachments, msg.subject);
  return {
    workspaceId: f.workspaceId,
    ...routedColumns(decision),
    mailboxId: f.mailboxId,
    messageId: msg.id,
    ...content,
    // Graph's receivedDateTime (from the delta page) is when it arrived; the Date header is the sender's claim.
    receivedAt: msg.receivedAt ?? mail.date ?? new Date(),
  };
}

/**
 * What a document holds of an email, wherever the email came from (a mailbox, an upload): subject,
 * people, the sanitised body, the stored `.eml` and attachments, and its words for search.
 * `fallbackSubject` is used when the MIME has none (Graph's subject, an upload's file name).
 */
export function emailContent(
  mail: MimeSummary,
  eml: { sha256: string; size: number },
  attachments: StoredAttachment[],
  fallbackSubject: string | null,
) {
  const fromAddress = pgText(mail.from?.address ?? null);
  const fromName = pgText(mail.from?.name ?? null);
  const subject = pgText(mail.subject?.trim() || fallbackSubject?.trim() || '(no subject)');
  return {
    searchText: pgText(
      searchTextOf({ subject, fromName, fromAddress, attachmentNames: attachments.map((a) => a.name) }),
    ),
    subject,
    fromAddress,
    fromName,
    to: recipients(mail.to),
    cc: recipients(mail.cc),
    internetMessageId: pgText(mail.messageId),
    // The Date header: when the sender says it was sent.
    sentAt: mail.date,
    bodyHtml: mail.html ? pgText(sanitizeEmailHtml(mail.html)) : null,
    bodyText: pgText(mail.text || (mail.html ? htmlToText(mail.html) : '')),
    bodyAsPlainText: mail.bodyFromRawText,
    emlSha256: eml.sha256,
    emlSize: eml.size,
    attachments: storedAttachments(attachments),
  };
}

/** Attachment names and types as PostgreSQL can store them (no NUL characters). */
export function storedAttachments(list: StoredAttachment[]): StoredAttachment[] {
  return list.map((a) => ({ ...a, name: pgText(a.name), contentType: pgText(a.contentType) }));
}

function recipients(list: Recipient[]): Recipient[] {
  return list.map((r) => ({ name: pgText(r.name), address: pgText(r.address) }));
}
