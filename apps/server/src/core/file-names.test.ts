import { describe, expect, it } from 'vitest';
import { hasBidiControls, withoutBidiControls } from './file-names.ts';

describe('bidirectional control characters in file names', () => {
  it('finds and removes every one of them, and nothing else', () => {
    const controls = [
      '\u202A',
      '\u202B',
      '\u202C',
      '\u202D',
      '\u202E',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200E',
      '\u200F',
      '\u061C',
    ];
    for (const c of controls) {
      expect(hasBidiControls(`invoice${c}fdp.exe`)).toBe(true);
      expect(withoutBidiControls(`invoice${c}fdp.exe`)).toBe('invoicefdp.exe');
    }
    expect(withoutBidiControls('a\u202Eb\u2066c\u2069d')).toBe('abcd');
    // Right-to-left names themselves, and look-alikes outside the set, stay as they are.
    for (const plain of ['فاتورة.pdf', 'חשבונית.pdf', 'déclaration 2026.pdf', 'a\u200Bb.pdf']) {
      expect(hasBidiControls(plain)).toBe(false);
      expect(withoutBidiControls(plain)).toBe(plain);
    }
  });
});
