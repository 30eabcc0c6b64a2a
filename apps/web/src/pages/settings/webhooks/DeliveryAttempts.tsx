import { Badge, Group, Stack, Text } from '@mantine/core';
import type { WebhookAttempt, WebhookDelivery } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';
import { formatAbsolute, formatDateTime } from '../../../lib/time.ts';

/** An HTTP status as a badge: 2xx green, anything else (or no answer) red. */
export function HttpStatus({ status, size = 'sm' }: { status: number | null; size?: 'xs' | 'sm' }) {
  const { t } = useTranslation();
  const ok = status !== null && status >= 200 && status < 300;
  return (
    <Badge size={size} variant="light" tt="none" color={ok ? 'teal' : 'red'} className="mono">
      {status === null ? t('webhooks.log.noAnswer') : `HTTP ${status}`}
    </Badge>
  );
}

function Attempt({ attempt, n }: { attempt: WebhookAttempt; n: number }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  const at = new Date(attempt.at);
  return (
    <li className="attempt" data-testid="webhook-attempt">
      <Group gap="xs" wrap="wrap">
        <Text size="sm" fw={600}>
          {t('webhooks.log.attemptN', { n })}
        </Text>
        <Text size="sm" c="dimmed">
          <time dateTime={attempt.at} title={formatAbsolute(at, locale)}>
            {formatDateTime(at, locale)}
          </time>
        </Text>
        <HttpStatus status={attempt.status} />
        <Text size="sm" c="dimmed">
          {t('webhooks.log.duration', { ms: attempt.durationMs })}
        </Text>
      </Group>
      <Text size="xs" fw={600} mt={6}>
        {t('webhooks.log.answer')}
      </Text>
      <pre className="log-pre">{attempt.excerpt || t('webhooks.log.emptyAnswer')}</pre>
      <details>
        <summary>
          <Text span size="xs" fw={600}>
            {t('webhooks.log.requestBody')}
          </Text>
        </summary>
        {/* Byte for byte as signed (not pretty-printed): what a receiver's signature check was given. */}
        <pre className="log-pre">{attempt.requestBody}</pre>
      </details>
    </li>
  );
}

/** A delivery's attempts, newest first, as the log keeps them. */
export function DeliveryAttempts({ delivery }: { delivery: WebhookDelivery }) {
  const { t } = useTranslation();
  const n = delivery.log.length;
  return (
    <Stack gap="xs">
      {delivery.lastError && (
        <Text size="sm" c="red.8">
          {delivery.lastError}
        </Text>
      )}
      {n === 0 ? (
        <Text size="sm" c="dimmed">
          {t('webhooks.log.noAttempt')}
        </Text>
      ) : (
        <ol className="attempt-list">
          {delivery.log.map((a, i) => (
            <Attempt key={`${a.at}-${i}`} attempt={a} n={n - i} />
          ))}
        </ol>
      )}
    </Stack>
  );
}
