import { Text } from '@mantine/core';
import type { Document } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';
import { formatAbsolute, formatDateTime } from '../../lib/time.ts';

/** Everything that happened to the document, oldest first, in words. */
export function DocumentHistory({ doc }: { doc: Document }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  return (
    <ol className="history-list" data-testid="document-history">
      {doc.history.map((h) => {
        const d = h.details as { reason?: string; folder?: string; mailbox?: string; evidence?: string };
        const reason =
          h.kind === 'filtered' && d.reason
            ? t(`filterReasons.${d.reason}`, { defaultValue: d.reason })
            : d.reason;
        return (
          <li key={h.id} data-kind={h.kind}>
            <Text size="sm">
              <strong>{t(`history.${h.kind}`, { defaultValue: h.kind })}</strong>
              {h.actor ? ` · ${h.actor}` : ''}
              {h.kind === 'ingested' && d.mailbox ? ` · ${d.mailbox} › ${d.folder ?? ''}` : ''}
              {reason ? ` · ${reason}` : ''}
              {d.evidence ? ` (${d.evidence})` : ''}
              {h.version > 1 ? ` · ${t('documents.versionN', { n: h.version })}` : ''}
            </Text>
            <Text size="xs" c="dimmed">
              <time dateTime={h.at} title={formatAbsolute(new Date(h.at), locale)}>
                {formatDateTime(new Date(h.at), locale)}
              </time>
            </Text>
          </li>
        );
      })}
    </ol>
  );
}
