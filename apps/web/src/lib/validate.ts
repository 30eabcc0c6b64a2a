import type { TFunction } from 'i18next';
import type { z } from 'zod';

/**
 * Validates one value with the contract's own schema and answers a message in the user's language
 * (the contract's messages are English), or null when the value is fine.
 */
export function check(
  t: TFunction,
  schema: z.ZodType,
  value: unknown,
  kind: 'name' | 'email' | 'password' = 'name',
): string | null {
  if (typeof value === 'string' && value.trim() === '') return t('validation.required');
  const result = schema.safeParse(value);
  if (result.success) return null;
  const issue = result.error.issues[0];
  if (!issue) return t('validation.invalid');
  switch (issue.code) {
    case 'too_small':
      if (kind === 'password') return t('validation.passwordMin', { min: Number(issue.minimum) });
      return t('validation.required');
    case 'too_big':
      return t('validation.max', { max: Number(issue.maximum) });
    case 'invalid_format':
      return kind === 'email' ? t('validation.email') : t('validation.invalid');
    case 'invalid_type':
      return t('validation.required');
    default:
      return kind === 'email' ? t('validation.email') : t('validation.invalid');
  }
}
