import { Badge, Text } from '@mantine/core';
import type { WebhookDelivery } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';
import { RelativeTime } from '../../../components/RelativeTime.tsx';

const color = { succeeded: 'teal', failed: 'red', pending: 'blue' } as const;

/** Delivered, failed, or on its way (and when the next attempt is). */
export function DeliveryState({ delivery }: { delivery: WebhookDelivery }) {
  const { t } = useTranslation();
  const retrying = delivery.state === 'pending' && delivery.attempts > 0;
  return (
    <>
      <Badge size="sm" variant="light" tt="none" color={color[delivery.state]}>
        {retrying ? t('webhooks.log.states.retrying') : t(`webhooks.log.states.${delivery.state}`)}
      </Badge>
      {retrying && delivery.nextAttemptAt && (
        <Text size="xs" c="dimmed">
          {t('webhooks.log.nextAttempt')} <RelativeTime iso={delivery.nextAttemptAt} />
        </Text>
      )}
    </>
  );
}
