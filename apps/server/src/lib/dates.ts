/** A Graph date-time string as a Date, or null when absent or not a date. */
export function validDate(s: string | undefined | null): Date | null {
  const d = s ? new Date(s) : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
}
