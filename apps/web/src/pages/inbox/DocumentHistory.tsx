import { Text } from '@mantine/core';
import { OutflowAction, OutflowTrigger, type Document, type HistoryEntry } from '@mailroom/contracts';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { actionDone, actionWhat, triggerPhrase } from '../../lib/outflow-words.ts';
import { formatAbsolute, formatDateTime } from '../../lib/time.ts';

/** An `outflow` line's details in words: "Category “Claims” set (on approval)", "… failed: why". */
function outflowLine(t: TFunction, details: HistoryEntry['details']): string | null {
  const action = OutflowAction.safeParse(details.action);
  const on = OutflowTrigger.safeParse(details.on);
  if (!action.success || !on.success) return null;
  const when = triggerPhrase(t, on.data);
  const detail = typeof details.detail === 'string' && details.detail ? details.detail : null;
  switch (details.outcome) {
    case 'done':
      return t('outflow.history.done', { what: actionDone(t, action.data), on: when });
    case 'retrying':
      return t('outflow.history.retrying', {
        what: actionWhat(t, action.data),
        on: when,
        detail: detail ?? '—',
      });
    default:
      return t('outflow.history.failed', {
        what: actionWhat(t, action.data),
        on: when,
        detail: detail ?? '—',
      });
  }
}

/** Everything that happened to the document, oldest first, in words. */
export function DocumentHistory({ doc }: { doc: Document }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  return (
    <ol className="history-list" data-testid="document-history">
      {doc.history.map((h) => {
        const d = h.details as {
          reason?: string;
          folder?: string;
          mailbox?: string;
          evidence?: string;
          process?: string;
        };
        const outflow = h.kind === 'outflow' ? outflowLine(t, h.details) : null;
        const reason =
          h.kind === 'filtered' && d.reason
            ? t(`filterReasons.${d.reason}`, { defaultValue: d.reason })
            : d.reason;
        return (
          <li key={h.id} data-kind={h.kind}>
            <Text size="sm">
              <strong>{t(`history.${h.kind}`, { defaultValue: h.kind })}</strong>
              {h.actor ? ` · ${h.actor}` : ''}
              {outflow ? ` · ${outflow}` : ''}
              {h.kind === 'ingested' && d.mailbox ? ` · ${d.mailbox} › ${d.folder ?? ''}` : ''}
              {/* Which of several worker processes ingested it (host:pid), for whoever reads their logs. */}
              {h.kind === 'ingested' && typeof d.process === 'string' && d.process
                ? ` · ${t('history.byProcess', { process: d.process })}`
                : ''}
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
