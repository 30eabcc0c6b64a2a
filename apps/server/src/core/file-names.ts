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
