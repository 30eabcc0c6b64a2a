/**
 * The contract's own field messages, written once in each language. A schema words its message with
 * `said(en, fr)`: zod keeps the English (the message the issue carries), and the French is kept here
 * under it, so that the server can answer a French request in French (`frenchOf`). Registered as the
 * schema modules load: importing the contract is enough.
 */
const french = new Map<string, string>();

export function said(en: string, fr: string): string {
  french.set(en, fr);
  return en;
}

/** The French of a message a schema worded with `said`, or undefined (zod's own words, say). */
export function frenchOf(en: string): string | undefined {
  return french.get(en);
}
