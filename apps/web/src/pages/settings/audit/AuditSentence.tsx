import { Anchor, Code, Text } from '@mantine/core';
import type { AuditEntry } from '@mailroom/contracts';
import type { ReactElement } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { paths } from '../../../lib/paths.ts';

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** Where the object of a line is shown, when it still exists. */
function hrefOf(ws: string, e: AuditEntry): string | null {
  const o = e.object;
  switch (e.targetType) {
    case 'connector':
    case 'mailbox':
    case 'folder':
      return o?.connectorId ? paths.connector(ws, o.connectorId) : null;
    case 'document':
      return o?.inboxName && e.targetId ? paths.document(ws, e.targetId) : null;
    case 'inbox':
    case 'tag':
    case 'document type':
      return paths.settings(ws, 'inboxes');
    case 'user':
    case 'invitation':
      return paths.settings(ws, 'people');
    case 'api_key':
      return paths.settings(ws, 'api-keys');
    case 'webhook_endpoint':
      return o?.name && e.targetId ? paths.webhook(ws, e.targetId) : paths.settings(ws, 'webhooks');
    case 'workspace':
      return paths.settings(ws, 'general');
    default:
      return null;
  }
}

/**
 * A line of the audit log as a sentence ("Approved a document in Claims", "Chose the folders read in
 * the mailbox claims@contoso.com"), its object named and linked to where it is shown (issue 19 §5).
 * A long name is cut with an ellipsis; the whole of it is in the tooltip.
 */
export function AuditSentence({ ws, entry }: { ws: string; entry: AuditEntry }) {
  const { t } = useTranslation();
  const d = entry.details;
  const role = (r: unknown) => (str(r) ? t(`roles.${str(r)}`, { defaultValue: str(r) }) : '');
  const object =
    entry.targetType === 'document'
      ? entry.object?.inboxName
        ? t('audit.object.document', { inbox: entry.object.inboxName })
        : t('audit.object.documentGone')
      : (entry.object?.name ?? t('audit.object.unnamed'));
  const href = hrefOf(ws, entry);
  const link: ReactElement = href ? (
    <Anchor component={Link} to={href} size="sm" className="audit-object" title={object} />
  ) : (
    <Text span size="sm" fw={500} className="audit-object" title={object} />
  );
  const key = `audit.says.${entry.action}`;
  const known = t(key, { defaultValue: '' }) !== '';
  const values = {
    object,
    from: entry.action.startsWith('member.') ? role(d.from) : str(d.from),
    to: entry.action.startsWith('member.') ? role(d.to) : str(d.to),
    retentionDays: str(d.retentionDays),
    previousRetentionDays: str(d.previousRetentionDays),
    reason: str(d.reason),
  };
  if (!known)
    return (
      <Text size="sm" data-action={entry.action}>
        <Code>{entry.action}</Code>
        {entry.targetType && ' · '}
        {entry.targetType &&
          (href ? (
            <Anchor component={Link} to={href} size="sm" className="audit-object" title={object}>
              {object}
            </Anchor>
          ) : (
            object
          ))}
      </Text>
    );
  return (
    <Text size="sm" data-action={entry.action}>
      <Trans i18nKey={key} values={values} components={{ obj: link }} />
    </Text>
  );
}
