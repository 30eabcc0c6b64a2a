import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.ts';
import { assertStrongPassword, weakPasswordReason } from './password-strength.ts';

const person = {
  locale: 'en' as const,
  personal: ['Olivia Owner', 'olivia.owner@contoso.example', 'Contoso Claims'],
};

describe('weak passwords', () => {
  it('refuses common and breached-pattern passwords of 12 characters or more, saying which rule', () => {
    expect(weakPasswordReason('password1234', person)).toBe(
      'This password is too easy to guess: This is similar to a commonly used password. Add more words that are less common.',
    );
    for (const [pw, rule] of [
      ['P@ssw0rd2024', /similar to a commonly used password/],
      ['qwertyuiop123', /commonly used password/],
      ['aaaaaaaaaaaa', /Repeated characters/],
      ['abcdefghijklmn', /Common character sequences/],
      ['iloveyou1234', /commonly used password/],
      ['oliviaowner2026', /too easy to guess/],
      ['contosoclaims', /too easy to guess/],
    ] as const) {
      expect(weakPasswordReason(pw, person), pw).toMatch(rule);
    }
  });

  it('accepts passphrases and long random passwords', () => {
    for (const pw of [
      'correct horse battery',
      'a long enough password',
      'k7#pL2$vQ9!xTz',
      'tulipe violon kayak 42',
    ]) {
      expect(weakPasswordReason(pw, person), pw).toBeNull();
    }
  });

  it('says it in French for a French request', () => {
    expect(weakPasswordReason('motdepasse123', { ...person, locale: 'fr' })).toMatch(
      /^Ce mot de passe est trop facile à deviner/,
    );
  });

  it('throws the field error a form shows under the password, in both languages', () => {
    expect(() => assertStrongPassword('password1234', person)).toThrow(AppError);
    try {
      assertStrongPassword('password1234', person);
    } catch (e) {
      expect((e as AppError).code).toBe('validation_failed');
      expect((e as AppError).saidIn('en').details).toEqual([
        { path: 'password', message: weakPasswordReason('password1234', person) },
      ]);
      expect((e as AppError).saidIn('fr').details).toEqual([
        { path: 'password', message: weakPasswordReason('password1234', { ...person, locale: 'fr' }) },
      ]);
    }
  });
});
