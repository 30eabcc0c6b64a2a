/**
 * One RFC 4180 field: quoted when it holds a quote, a comma or a line break. A value starting with
 * `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`: a spreadsheet opening the export
 * would otherwise run it as a formula (CSV injection).
 */
export function csvField(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export const csvLine = (fields: readonly string[]): string => `${fields.map(csvField).join(',')}\r\n`;
