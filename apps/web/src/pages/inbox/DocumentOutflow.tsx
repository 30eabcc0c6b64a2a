import { Badge, Group, Text, Title } from '@mantine/core';
import type { Document, OutflowRun } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';
import { actionDone, actionWhat, triggerPhrase } from '../../lib/outflow-words.ts';
import { formatAbsolute, formatDateTime } from '../../lib/time.ts';

function RunLine({ run }: { run: OutflowRun }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  const on = triggerPhrase(t, run.on);
  const what = run.state === 'done' ? actionDone(t, run.action) : actionWhat(t, run.action);
  const state =
    run.state === 'failed'
      ? t('outflow.run.failed', { error: run.lastError ?? t('outflow.run.noDetail') })
      : run.state === 'pending' && run.lastError
        ? t('outflow.run.retrying', { n: run.attempts + 1, error: run.lastError })
        : run.state === 'pending'
          ? t(run.attempts > 0 ? 'outflow.run.running' : 'outflow.run.pending')
          : null;
  const at = run.doneAt ? new Date(run.doneAt) : null;
  return (
    <li data-testid="outflow-run" data-state={run.state} data-kind={run.action.kind}>
      <Group gap={6} wrap="wrap">
        <Text size="sm">{t('outflow.run.line', { what, on })}</Text>
        <Badge
          size="xs"
          variant="light"
          tt="none"
          color={run.state === 'done' ? 'teal' : run.state === 'failed' ? 'red' : 'gray'}
        >
          {t(`outflow.run.state.${run.state}`)}
        </Badge>
      </Group>
      <Text size="xs" c={run.state === 'failed' ? 'red.8' : 'dimmed'}>
        {state ? `${state} · ` : ''}
        {t(`outflow.run.source.${run.source}`)}
        {at && (
          <>
            {' · '}
            <time dateTime={run.doneAt ?? undefined} title={formatAbsolute(at, locale)}>
              {formatDateTime(at, locale)}
            </time>
          </>
        )}
      </Text>
    </li>
  );
}

/** "Outlook": what Mailroom wrote back to the original email for this document, and how it went. */
export function DocumentOutflow({ doc }: { doc: Document }) {
  const { t } = useTranslation();
  if (doc.outflow.length === 0) return null;
  return (
    <section aria-labelledby="doc-outflow">
      <Title order={2} size="h4" id="doc-outflow" mb="xs">
        {t('outflow.run.title')}
      </Title>
      <ol className="history-list" data-testid="document-outflow">
        {doc.outflow.map((r) => (
          <RunLine key={r.id} run={r} />
        ))}
      </ol>
    </section>
  );
}
