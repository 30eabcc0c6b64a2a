import type { Locale } from '@mailroom/contracts';
import { ZxcvbnFactory, type TranslationKeys, type ZxcvbnResult } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import * as fr from '@zxcvbn-ts/language-fr';
import { invalidField } from '../core/errors.ts';

/**
 * Weak passwords, refused wherever one is chosen (setup, joining by invitation), before any argon2id
 * work. zxcvbn-ts estimates how many guesses a password takes, offline, from its bundled lists: the
 * passwords most common in breaches, English and French words, names and Wikipedia terms, keyboard
 * patterns, dates, repeats, sequences and l33t spellings, and what the person typed elsewhere in the
 * form. Score 3 ("safely unguessable", over 10^8 guesses) is the least accepted: `password1234` is 1.
 */
const MIN_SCORE = 3;

/**
 * Cost: only the first 64 characters are looked at, and l33t variants are tried 3 substitutions deep.
 * Without those limits a 256-character random password took 3.5 s; with them the worst measured is
 * ~50 ms (2 cores), about one argon2id hash. A password longer than 64 characters is judged by its
 * first 64: a longer one can only be stronger than that.
 */
const LIMITS = { maxLength: 64, l33tMaxSubstitutions: 3 } as const;

let factory: ZxcvbnFactory | undefined;
/** Built on first use (~0.15 s, the dictionaries), then reused. */
function estimator(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    ...LIMITS,
    dictionary: { ...common.dictionary, ...en.dictionary, ...fr.dictionary },
    graphs: common.adjacencyGraphs,
    // No translations: the feedback comes as keys, put in the person's language below.
  });
  return factory;
}

const words: Record<
  Locale,
  { translations: TranslationKeys; tooEasy: string; colon: string; fallback: string }
> = {
  en: {
    translations: en.translations,
    tooEasy: 'This password is too easy to guess',
    colon: ': ',
    fallback: 'Add another word or two that do not belong together.',
  },
  fr: {
    translations: fr.translations,
    tooEasy: 'Ce mot de passe est trop facile à deviner',
    // French typography: a space before the colon.
    colon: ' : ',
    fallback: 'Ajoutez un ou deux mots sans rapport entre eux.',
  },
};

const sentence = (s: string) => (/[.!?]$/.test(s) ? s : `${s}.`);

/** zxcvbn's estimate of a password too weak to accept, or null when it is strong enough. */
function judge(password: string, personal: string[]): ZxcvbnResult | null {
  // Each as typed, run together ("oliviaowner") and word by word ("olivia", "owner").
  const variants = personal
    .flatMap((p) => [p, p.replace(/[\s@._-]+/g, ''), ...p.split(/[\s@._-]+/)])
    .filter((p) => p.length >= 3);
  const result = estimator().check(password, [...variants, 'mailroom']);
  return result.score >= MIN_SCORE ? null : result;
}

/** The rule a weak password breaks, then what to do, in one language. */
function reasonIn(result: ZxcvbnResult, locale: Locale): string {
  const w = words[locale];
  const warning = result.feedback.warning
    ? w.translations.warnings[result.feedback.warning as keyof TranslationKeys['warnings']]
    : undefined;
  const advice = result.feedback.suggestions
    .map((k) => w.translations.suggestions[k as keyof TranslationKeys['suggestions']])
    .filter(Boolean);
  return [
    `${w.tooEasy}${warning ? `${w.colon}${sentence(warning)}` : '.'}`,
    ...(advice.length ? advice : [w.fallback]).map(sentence),
  ].join(' ');
}

/**
 * Why a new password is too weak, in the person's language (the rule it breaks, then what to do), or
 * null when it is strong enough. `personal`: what the form also holds (name, email, workspace), since
 * a password made of it is guessed first.
 */
export function weakPasswordReason(
  password: string,
  opts: { locale: Locale; personal: string[] },
): string | null {
  const result = judge(password, opts.personal);
  return result && reasonIn(result, opts.locale);
}

/**
 * Throws the 400 a form shows under its password field when the password is too weak, worded in both
 * languages from one estimate (the error handler answers the asker's).
 */
export function assertStrongPassword(password: string, opts: { personal: string[] }): void {
  const result = judge(password, opts.personal);
  if (result) throw invalidField('password', { en: reasonIn(result, 'en'), fr: reasonIn(result, 'fr') });
}
