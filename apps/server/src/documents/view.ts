import { api, type Document, type DocumentSummary } from '@mailroom/contracts';
import { hasBidiControls, withoutBidiControls } from '../core/file-names.ts';
import type { documentHistory, documents, outflowRuns } from '../db/schema/index.ts';

type Row = typeof documents.$inferSelect;
/** Where a document came from: its mailbox's address and its folder. */
export interface Origin {
  mailbox: string;
  folder: string;
  folderId: string;
}

/** Attachments a browser may show inline: PDF and raster images (never SVG or HTML: they can run script). */
const PREVIEW_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/** The content type to preview an attachment with, from its declared type and its name; null: download only. */
export function previewType(a: { contentType: string; name: string; kind: string }): string | null {
  if (a.kind !== 'file') return null;
  const declared = a.contentType.toLowerCase().split(';')[0]!.trim();
  const ext = a.name.toLowerCase().split('.').pop() ?? '';
  const byName = PREVIEW_TYPES[ext];
  // Both must agree: a "photo.jpg" declared as text/html is not shown.
  return byName && (declared === byName || declared === 'application/octet-stream') ? byName : null;
}

/**
 * The attachments as the document view shows them: names in their real order (bidirectional control
 * characters left out, and flagged), and which of them may be previewed.
 */
export function attachmentsOf(d: Row): Document['attachments'] {
  return d.attachments.map((a, index) => ({
    index,
    name: withoutBidiControls(a.name),
    contentType: a.contentType,
    size: a.size,
    kind: a.kind,
    url: a.url ?? null,
    previewable: previewType(a) !== null,
    bidiControlsRemoved: hasBidiControls(a.name),
    inline: Boolean(a.isInline),
    contentId: a.contentId ?? null,
    notKept: Boolean(a.notKept),
  }));
}

/** A document in a list: what the inbox shows of it. */
export function summaryOf(d: Row, origin: { mailbox: string; folder: string } | undefined): DocumentSummary {
  return {
    id: d.id,
    inboxId: d.inboxId,
    subject: d.subject,
    from: d.fromAddress ? { name: d.fromName, address: d.fromAddress } : null,
    receivedAt: d.receivedAt.toISOString(),
    sentAt: d.sentAt ? d.sentAt.toISOString() : null,
    updatedAt: d.updatedAt.toISOString(),
    revision: d.revision,
    attachmentCount: d.attachments.length,
    origin: d.origin,
    mailbox: origin?.mailbox ?? '',
    folder: origin?.folder ?? '',
    status: d.status,
    filterReason: d.filterReason,
    documentTypeId: d.documentTypeId,
    tagIds: d.tagIds,
  };
}

const REMOTE = /\sdata-remote-src="(https:\/\/[^"]*)"/g;
const CID = /\ssrc="cid:([^"]*)"/gi;

/**
 * The stored (sanitised) body, with its remote images let in only when asked ("show images"), and its
 * `cid:` images pointing at this document's own attachments (same origin: they are part of the email,
 * not remote content). A `cid:` that names no attachment, or one that is not a previewable image, is
 * left as it is (it shows nothing).
 */
export function bodyOf(
  d: Row,
  images: boolean,
  attachmentUrl?: (index: number) => string,
): { html: string | null; hasRemoteImages: boolean } {
  if (!d.bodyHtml) return { html: null, hasRemoteImages: false };
  const hasRemoteImages = REMOTE.test(d.bodyHtml);
  REMOTE.lastIndex = 0;
  let html = images ? d.bodyHtml.replace(REMOTE, ' src="$1"') : d.bodyHtml;
  if (attachmentUrl)
    html = html.replace(CID, (whole, ref: string) => {
      const id = decodeCid(ref);
      const index = d.attachments.findIndex(
        (a) => a.contentId === id && a.sha256 && previewType(a)?.startsWith('image/'),
      );
      return index < 0 ? whole : ` src="${attachmentUrl(index)}"`;
    });
  return { html, hasRemoteImages };
}

/** A `cid:` URL's Content-ID (RFC 2392: URL-encoded; sanitize-html wrote `&` as `&amp;`). */
function decodeCid(ref: string): string {
  const raw = ref.replace(/&amp;/g, '&');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The whole document as its page shows it: the summary, the body, the attachments, its history and its outflow runs. */
export function detailOf(
  d: Row,
  read: {
    origin: Origin | undefined;
    history: (typeof documentHistory.$inferSelect)[];
    runs: (typeof outflowRuns.$inferSelect)[];
    /** Let remote images in ("show images"). */
    images: boolean;
  },
): Document {
  const { origin } = read;
  // The attachment route's own path (same origin), as a preview: a known image type, never what the email claimed.
  const body = bodyOf(
    d,
    read.images,
    (index) => `${api.documentAttachment(d.workspaceId, d.id, index)}?inline=1`,
  );
  return {
    ...summaryOf(d, origin),
    to: d.to,
    cc: d.cc,
    internetMessageId: d.internetMessageId,
    bodyHtml: body.html,
    hasRemoteImages: body.hasRemoteImages,
    bodyText: d.bodyText,
    bodyAsPlainText: d.bodyAsPlainText,
    emlSize: d.emlSize,
    attachments: attachmentsOf(d),
    metadata: d.metadata,
    version: d.version,
    mailboxId: d.mailboxId,
    folderId: origin?.folderId ?? null,
    history: read.history.map((h) => ({
      id: h.id,
      at: h.at.toISOString(),
      kind: h.kind,
      actor: h.actorEmail,
      version: h.version,
      details: h.details,
    })),
    outflow: read.runs.map((r) => ({
      id: r.id,
      source: r.source,
      on: r.action.on,
      action: r.action,
      state: r.state,
      attempts: r.attempts,
      lastError: r.lastError,
      createdAt: r.createdAt.toISOString(),
      doneAt: r.doneAt ? r.doneAt.toISOString() : null,
    })),
  };
}
