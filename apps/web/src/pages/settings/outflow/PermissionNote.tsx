import { Alert } from '@mantine/core';
import { IconAlertTriangle, IconInfoCircle } from '@tabler/icons-react';
import type { OutflowAction, OutflowPermissions } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';

/** A mailbox the actions may touch, with what its connection may do there. */
export interface ScopeMailbox {
  address: string;
  permissions: OutflowPermissions;
}

/**
 * Where the actions apply: a folder's rule (its mailbox) or an inbox (mail from every mailbox whose
 * rules route into it).
 */
export type OutflowScope =
  { kind: 'rule'; mailboxId: string; mailbox: ScopeMailbox } | { kind: 'inbox'; mailboxes: ScopeMailbox[] };

export const scopeMailboxes = (s: OutflowScope): ScopeMailbox[] =>
  s.kind === 'rule' ? [s.mailbox] : s.mailboxes;

/** Why a connection cannot run the action on a mailbox of the scope, or a caveat (null: nothing to say). */
export function PermissionNote({ action, scope }: { action: OutflowAction; scope: OutflowScope }) {
  const { t, i18n } = useTranslation();
  const list = (xs: string[]) =>
    new Intl.ListFormat(i18n.resolvedLanguage ?? 'en', { type: 'conjunction' }).format(xs);
  const known = scopeMailboxes(scope).filter((m) => m.permissions.known);
  const lacking = known.filter((m) => m.permissions.missing[action.kind].length > 0);
  const noColour = known.filter((m) => !m.permissions.canCreateCategories);
  const notes = lacking.map((m) => {
    const missing = m.permissions.missing[action.kind];
    const key = scope.kind === 'rule' ? `outflow.missing.${action.kind}` : `outflow.missingIn.${action.kind}`;
    return (
      <Alert
        key={m.address}
        color="red"
        variant="light"
        icon={<IconAlertTriangle aria-hidden />}
        data-testid="outflow-missing-permission"
      >
        {t(key, { permissions: list(missing), count: missing.length, mailbox: m.address })}
      </Alert>
    );
  });
  if (action.kind === 'category' && noColour.length > 0)
    notes.push(
      <Alert
        key="no-colour"
        color="yellow"
        variant="light"
        icon={<IconInfoCircle aria-hidden />}
        data-testid="outflow-no-colour"
      >
        {scope.kind === 'rule'
          ? t('outflow.noColour')
          : t('outflow.noColourIn', { mailboxes: list(noColour.map((m) => m.address)) })}
      </Alert>,
    );
  return notes.length ? <>{notes}</> : null;
}
