import type { TFunction } from 'i18next';
import { ApiError } from '../api/client.ts';

/**
 * Codes whose server message says nothing ours does not, and ours is in the person's language: a wrong
 * password, a session gone. Every other 4xx shows the server's own words.
 */
const SAID_IN_FULL = new Set<ApiError['code']>([
  'invalid_credentials',
  'unauthenticated',
  'session_expired',
  'csrf_failed',
  'invalid_api_key',
]);

/**
 * A sentence for the user, in their language, for any failed call. A 4xx answer shows the server's own
 * message, which the server words in the person's language (decision 0019): it says what happened
 * ('A tag named "urgent" already exists', "This document is bounced: it cannot be approved"), where
 * the code's generic sentence ("This conflicts with a recent change") would hide it (issue 19 §3).
 * The generic sentences stay for 5xx, network failures and answers without one.
 */
export function errorMessage(t: TFunction, err: unknown): string {
  if (err instanceof ApiError) {
    const key = `errors.${err.code}`;
    const translated = t(key, { defaultValue: '' });
    // Field errors are shown beside their fields; the summary then is ours.
    if (err.code === 'validation_failed' && err.details.length > 0) return translated || err.message;
    // `unknown`: the answer was not ours (a proxy's page), its status text says nothing useful.
    if (
      err.status >= 400 &&
      err.status < 500 &&
      err.code !== 'unknown' &&
      !SAID_IN_FULL.has(err.code) &&
      err.message
    )
      return err.message;
    return translated || err.message || t('errors.unknown');
  }
  return t('errors.unknown');
}

/** Field errors of a `validation_failed` answer, keyed by field name. */
export function fieldErrorsOf(err: unknown): Record<string, string> {
  return err instanceof ApiError && err.code === 'validation_failed' ? err.fieldErrors() : {};
}
