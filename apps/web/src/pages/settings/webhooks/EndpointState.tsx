import { Alert, Badge, Button, Group, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconClockHour4, IconPlayerPause } from '@tabler/icons-react';
import type { WebhookEndpoint } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { formatAbsolute, formatDateTime } from '../../../lib/time.ts';

/** A date and time in the user's words, exact in its tooltip. */
function DateTime({ iso }: { iso: string }) {
  const { i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  const at = new Date(iso);
  return (
    <time dateTime={iso} title={formatAbsolute(at, locale)}>
      {formatDateTime(at, locale)}
    </time>
  );
}

/** "Failing since 5 Dec 2026, 14:02": since when every delivery has failed. */
function FailingSince({ iso }: { iso: string }) {
  const { t } = useTranslation();
  return (
    <>
      {t('webhooks.state.failingSince')} <DateTime iso={iso} />
    </>
  );
}

/** Enabled or disabled, and failing: a badge for lists. */
export function EndpointBadges({ endpoint }: { endpoint: WebhookEndpoint }) {
  const { t } = useTranslation();
  return (
    <Group gap={4} wrap="wrap">
      <Badge size="sm" variant="light" tt="none" color={endpoint.enabled ? 'teal' : 'gray'}>
        {endpoint.enabled ? t('webhooks.state.enabled') : t('webhooks.state.disabled')}
      </Badge>
      {endpoint.failingSince && (
        <Badge size="sm" variant="light" tt="none" color="orange">
          {t('webhooks.state.failing')}
        </Badge>
      )}
    </Group>
  );
}

/** The list's status cell: the badges, and why it is disabled or since when it fails, in words. */
export function EndpointStateCell({ endpoint }: { endpoint: WebhookEndpoint }) {
  return (
    <Stack gap={2} align="flex-start">
      <EndpointBadges endpoint={endpoint} />
      {!endpoint.enabled && endpoint.disabledReason && (
        <Text size="xs" c="dimmed" maw={260}>
          {endpoint.disabledReason}
        </Text>
      )}
      {endpoint.failingSince && (
        <Text size="xs" c="orange.9">
          <FailingSince iso={endpoint.failingSince} />
        </Text>
      )}
    </Stack>
  );
}

/**
 * The endpoint page's notices: disabled (with the reason, and Enable), failing since when, and the
 * previous secret still signing during a rotation.
 */
export function EndpointNotices({
  endpoint,
  onEnable,
  enabling,
}: {
  endpoint: WebhookEndpoint;
  onEnable?: () => void;
  enabling: boolean;
}) {
  const { t } = useTranslation();
  return (
    <>
      {!endpoint.enabled && (
        <Alert
          color="gray"
          icon={<IconPlayerPause aria-hidden />}
          title={t('webhooks.notices.disabledTitle')}
          data-testid="endpoint-disabled"
        >
          <Stack gap="xs" align="flex-start">
            <Text size="sm">
              {endpoint.disabledReason ?? t('webhooks.notices.disabledNoReason')}
              {endpoint.disabledAt && (
                <>
                  {' '}
                  <Text span size="sm" c="dimmed">
                    (<RelativeTime iso={endpoint.disabledAt} />)
                  </Text>
                </>
              )}
            </Text>
            <Text size="sm">{t('webhooks.notices.disabledBody')}</Text>
            {onEnable && (
              <Button size="xs" onClick={onEnable} loading={enabling}>
                {t('webhooks.actions.enable')}
              </Button>
            )}
          </Stack>
        </Alert>
      )}
      {endpoint.failingSince && (
        <Alert
          color="orange"
          icon={<IconAlertTriangle aria-hidden />}
          title={t('webhooks.notices.failingTitle')}
          data-testid="endpoint-failing"
        >
          <Text size="sm">
            <FailingSince iso={endpoint.failingSince} />. {t('webhooks.notices.failingBody')}
          </Text>
        </Alert>
      )}
      {endpoint.previousSecretSignsUntil && (
        <Alert
          color="blue"
          variant="light"
          icon={<IconClockHour4 aria-hidden />}
          data-testid="endpoint-rotation"
        >
          <Text size="sm">
            {t('webhooks.notices.previousSecret')} <DateTime iso={endpoint.previousSecretSignsUntil} />.
          </Text>
        </Alert>
      )}
    </>
  );
}
