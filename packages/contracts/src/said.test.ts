import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Password, RetentionDays, TenantRef, frenchOf } from './index.ts';

const here = new URL('.', import.meta.url);

describe('the contract’s own field messages are in French too', () => {
  it('every `message:` a schema gives is worded with said(en, fr)', () => {
    const unsaid: string[] = [];
    for (const file of readdirSync(here).filter((f) => f.endsWith('.ts') && !f.includes('.test.'))) {
      const text = readFileSync(new URL(file, here), 'utf8');
      // errors.ts describes the error body (a `message` field), not a schema's message.
      if (file === 'errors.ts' || file === 'said.ts') continue;
      for (const m of text.matchAll(/message:\s*(?!said\()(\S{1,40})/g)) unsaid.push(`${file}: ${m[0]}`);
    }
    expect(unsaid).toEqual([]);
  });

  it('a refused value carries the English, and the French is found from it', () => {
    const issue = (r: { success: boolean; error?: { issues: { message: string }[] } }) =>
      r.error!.issues[0]!.message;
    const short = issue(Password.safeParse('short'));
    expect(short).toBe('Use at least 12 characters.');
    expect(frenchOf(short)).toBe('Utilisez au moins 12 caractères.');
    const days = issue(RetentionDays.safeParse(0));
    expect(frenchOf(days)).toBe('Gardez les documents au moins 1 jour.');
    expect(frenchOf(issue(TenantRef.safeParse('not a tenant!')))).toMatch(/^Utilisez l’ID de l’annuaire/);
    expect(frenchOf('Invalid input: expected string, received number')).toBeUndefined();
  });
});
