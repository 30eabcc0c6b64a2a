/**
 * Bidirectional control characters: embeddings and overrides (U+202A–U+202E), isolates
 * (U+2066–U+2069) and the invisible direction marks (U+200E, U+200F, U+061C). In a file name they
 * reorder what a person sees: `invoice\u202Efdp.exe` is shown as "invoiceexe.pdf" and runs as .exe.
 */
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
const BIDI_CONTROLS = new RegExp(BIDI_CONTROL.source, 'g');

/** Whether a name (or any text from an email) holds bidirectional control characters. */
export function hasBidiControls(s: string): boolean {
  return BIDI_CONTROL.test(s);
}

/** The name with its bidirectional control characters left out: shown and saved in its real order. */
export function withoutBidiControls(s: string): string {
  return s.replace(BIDI_CONTROLS, '');
}

/** File extensions of the content types emails carry most, for parts that name no file. */
const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'application/zip': 'zip',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.ms-excel': 'xls',
  'application/json': 'json',
  'application/xml': 'xml',
  'application/octet-stream': 'bin',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/tiff': 'tif',
  'image/svg+xml': 'svg',
  'text/plain': 'txt',
  text: 'txt',
  'text/html': 'html',
  'text/csv': 'csv',
  'text/calendar': 'ics',
  'message/rfc822': 'eml',
};

/**
 * A name for an attachment part that gives none, from its content type: "attachment.pdf", then
 * "attachment-2.pdf"; images are numbered from one ("image-1.png"), as inline images often come
 * several. `nth` counts the nameless parts of the same family before this one.
 */
export function nameForUnnamedPart(contentType: string, nth: number): string {
  const type = contentType.toLowerCase().split(';')[0]!.trim();
  const subtype = type.split('/')[1] ?? '';
  const ext = EXTENSIONS[type] ?? (/^[a-z0-9]{1,5}$/.test(subtype) ? subtype : 'bin');
  if (type.startsWith('image/')) return `image-${nth + 1}.${ext}`;
  return nth === 0 ? `attachment.${ext}` : `attachment-${nth + 1}.${ext}`;
}
