import { CategoryAction, ForwardAction, MoveAction, type OutflowAction } from '@mailroom/contracts';
import type { TFunction } from 'i18next';
import { ApiError } from '../../../api/client.ts';
import { check } from '../../../lib/validate.ts';

/** Field errors of one action, keyed by field ('' for the action as a whole). */
export type ActionErrors = Record<string, string>;

/** What the contract would refuse in each action, in the user's language (index → field → message). */
export function clientErrors(t: TFunction, actions: OutflowAction[]): Record<number, ActionErrors> {
  const out: Record<number, ActionErrors> = {};
  actions.forEach((a, i) => {
    const e: Record<string, string | null> =
      a.kind === 'category'
        ? { category: check(t, CategoryAction.shape.category, a.category) }
        : a.kind === 'forward'
          ? {
              to: check(t, ForwardAction.shape.to, a.to, 'email'),
              comment: a.comment ? check(t, ForwardAction.shape.comment, a.comment) : null,
            }
          : {
              destinationFolderId: a.destinationFolderId
                ? check(t, MoveAction.shape.destinationFolderId, a.destinationFolderId)
                : t('outflow.chooseFolderFirst'),
            };
    const found = Object.entries(e).filter((x): x is [string, string] => x[1] !== null);
    if (found.length) out[i] = Object.fromEntries(found);
  });
  return out;
}

/**
 * The server's refusals (422 `validation_failed`) for the outflow list: details whose path is
 * `outflow.N` or `outflow.N.field` (with or without a leading `body.`), by action and field.
 */
export function serverErrors(err: unknown): Record<number, ActionErrors> {
  const out: Record<number, ActionErrors> = {};
  if (!(err instanceof ApiError) || err.code !== 'validation_failed') return out;
  for (const d of err.details) {
    const m = /(?:^|[./])outflow[./](\d+)(?:[./](\w+))?/.exec(d.path);
    if (!m) continue;
    const i = Number(m[1]);
    const field = m[2] ?? '';
    out[i] = { ...out[i], [field]: out[i]?.[field] ?? d.message };
  }
  return out;
}

/** Whether an answer's error is only about the outflow list (then the fields say it all). */
export function onlyOutflowErrors(err: unknown): boolean {
  return (
    err instanceof ApiError &&
    err.code === 'validation_failed' &&
    err.details.length > 0 &&
    err.details.every((d) => /(?:^|[./])outflow(?:[./]|$)/.test(d.path))
  );
}
