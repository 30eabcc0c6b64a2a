import { Badge, Code, Group, Text, Title } from '@mantine/core';
import type { WebhookDelivery } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';
import { useDocumentWebhookDeliveries } from '../../api/webhooks.ts';
import { RelativeTime } from '../../components/RelativeTime.tsx';
import { HttpStatus } from '../settings/webhooks/DeliveryAttempts.tsx';
import { eventWords } from '../settings/webhooks/EventTypes.tsx';

const stateColor = { succeeded: 'teal', failed: 'red', pending: 'blue' } as const;

function DeliveryLine({ delivery }: { delivery: WebhookDelivery }) {
  const { t } = useTranslation();
  return (
    <li data-testid="document-webhook" data-state={delivery.state}>
      <Group gap={6} wrap="wrap">
        <Code title={eventWords(t, delivery.eventType)}>{delivery.eventType}</Code>
        <Text size="sm">→</Text>
        <Text size="sm" className="break">
          {delivery.endpointUrl ?? '—'}
        </Text>
        <Badge size="xs" variant="light" tt="none" color={stateColor[delivery.state]}>
          {t(`webhooks.log.states.${delivery.state}`)}
        </Badge>
        {delivery.attempts > 0 && <HttpStatus status={delivery.lastStatus} size="xs" />}
      </Group>
      <Text size="xs" c="dimmed">
        <RelativeTime iso={delivery.deliveredAt ?? delivery.createdAt} />
        {delivery.attempts > 1 && <> · {t('webhooks.log.attemptsN', { count: delivery.attempts })}</>}
      </Text>
    </li>
  );
}

/**
 * "Webhooks": the deliveries of this document's events to the workspace's endpoints, so that someone
 * asking "did our claims system hear about it?" finds the answer here. Nothing when there are none.
 */
export function DocumentWebhooks({ ws, documentId }: { ws: string; documentId: string }) {
  const { t } = useTranslation();
  const deliveries = useDocumentWebhookDeliveries(ws, documentId);
  const items = deliveries.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <section aria-labelledby="doc-webhooks">
      <Title order={2} size="h4" id="doc-webhooks" mb="xs">
        {t('webhooks.document.title')}
      </Title>
      <ol className="history-list" data-testid="document-webhooks">
        {items.map((d) => (
          <DeliveryLine key={d.id} delivery={d} />
        ))}
      </ol>
    </section>
  );
}
