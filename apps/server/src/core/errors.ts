import type { ErrorCode, Locale } from '@mailroom/contracts';

/**
 * A message in each language Mailroom speaks. The error handler answers a person in theirs
 * (http/plugins/errors.ts); `en` is also the Error's `message`, so logs stay in one language.
 */
export interface Words {
  en: string;
  fr: string;
}

/** One field's error (the contract's `details`), in both languages. */
export interface FieldWords {
  path: string;
  message: Words;
}

/**
 * A failure the caller can act on, with a stable code from the API contract. HTTP maps codes to
 * statuses in one place (http/plugins/errors.ts); nothing else decides a status. Its words are
 * required in both languages, so no message can be left English only.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly words: Words;
  readonly fields: FieldWords[] | undefined;
  readonly headers: Record<string, string> | undefined;
  constructor(
    code: ErrorCode,
    words: Words,
    extra?: { details?: FieldWords[]; headers?: Record<string, string> },
  ) {
    super(words.en);
    this.code = code;
    this.words = words;
    this.fields = extra?.details;
    this.headers = extra?.headers;
  }

  /** The message and field errors in one language, as the contract's error body has them. */
  saidIn(locale: Locale): { message: string; details: { path: string; message: string }[] | undefined } {
    return {
      message: this.words[locale],
      details: this.fields?.map((f) => ({ path: f.path, message: f.message[locale] })),
    };
  }

  /** The field errors in English, like `message`. */
  get details(): { path: string; message: string }[] | undefined {
    return this.saidIn('en').details;
  }
}

/** The summary of a `validation_failed` answer whose details name the fields. */
export const FIELDS_NOT_VALID: Words = {
  en: 'Some fields are not valid.',
  fr: 'Certains champs sont à corriger.',
};

/** "Connector not found." / "Connecteur introuvable." (`introuvable` agrees with either gender). */
export const notFound = (what: Words) =>
  new AppError('not_found', { en: `${what.en} not found.`, fr: `${what.fr} introuvable.` });

export const forbidden = (words: Words) => new AppError('forbidden', words);

/** A 400 on one field of the request body, with the field's path (as the contract's `details`). */
export const invalidField = (path: string, message: Words) =>
  new AppError('validation_failed', FIELDS_NOT_VALID, { details: [{ path, message }] });
