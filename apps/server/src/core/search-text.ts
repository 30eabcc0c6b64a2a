/**
 * What inbox search looks in: subject, sender and attachment names. Addresses and file names are also
 * split on punctuation, so "peeters" finds jan.peeters@example.be and "invoice" finds invoice_2024.pdf.
 * Migration 0005 computes the same for documents stored before.
 */
export function searchTextOf(d: {
  subject: string;
  fromName: string | null;
  fromAddress: string | null;
  attachmentNames: string[];
}): string {
  const parts = [
    d.subject,
    d.fromName ?? '',
    d.fromAddress ?? '',
    (d.fromAddress ?? '').replace(/[@._+-]/g, ' '),
  ];
  for (const n of d.attachmentNames) parts.push(n, n.replace(/[._-]/g, ' '));
  return parts.filter(Boolean).join(' ');
}

/**
 * A tsquery (PostgreSQL `simple` configuration) from what someone typed: every word must match; the
 * last one as a prefix (it may still be being typed). Whole words keep the index fast: a prefix entry
 * is expanded into every matching word's list (bench/inbox.ts). Only letters and digits reach the
 * query, so no input can break its syntax.
 */
export function searchQueryOf(input: string): string | null {
  const words = input
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 8);
  return words.length ? words.map((w, i) => (i === words.length - 1 ? `${w}:*` : w)).join(' & ') : null;
}
