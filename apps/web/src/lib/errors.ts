import type { TFunction } from 'i18next';
import { ApiError } from '../api/client.ts';

/** A sentence for the user, in their language, for any failed call. */
export function errorMessage(t: TFunction, err: unknown): string {
  if (err instanceof ApiError) {
    const key = `errors.${err.code}`;
    const translated = t(key, { defaultValue: '' });
    if (err.code === 'validation_failed' && err.details.length === 0) return err.message || translated;
    return translated || err.message || t('errors.unknown');
  }
  return t('errors.unknown');
}

/** Field errors of a `validation_failed` answer, keyed by field name. */
export function fieldErrorsOf(err: unknown): Record<string, string> {
  return err instanceof ApiError && err.code === 'validation_failed' ? err.fieldErrors() : {};
}
