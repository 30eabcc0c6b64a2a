import {
  ActionIcon,
  Alert,
  Button,
  Code,
  Group,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { IconAlertCircle, IconChevronDown, IconChevronRight, IconRefresh } from '@tabler/icons-react';
import type { WebhookDelivery } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useRedeliver, useWebhookDeliveries } from '../../../api/webhooks.ts';
import { CopyValue } from '../../../components/CopyValue.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { errorMessage } from '../../../lib/errors.ts';
import { DeliveryAttempts, HttpStatus } from './DeliveryAttempts.tsx';
import { DeliveryState } from './DeliveryState.tsx';
import { eventWords } from './EventTypes.tsx';

const COLUMNS = 8;

/**
 * Every attempt made, redeliveries included: the server's `attempts` counts the current run only (a
 * redelivery starts it again at 0), while the log keeps each attempt.
 */
function attemptsMade(d: WebhookDelivery): number {
  return Math.max(d.attempts, d.log.length);
}

function DeliveryRows({
  delivery,
  open,
  onToggle,
  redeliver,
}: {
  delivery: WebhookDelivery;
  open: boolean;
  onToggle: () => void;
  redeliver: ReturnType<typeof useRedeliver>;
}) {
  const { t } = useTranslation();
  const detailsId = `delivery-${delivery.id}`;
  const busy = redeliver.isPending && redeliver.variables?.id === delivery.id;
  return (
    <>
      <Table.Tr data-testid="webhook-delivery" data-state={delivery.state} data-event={delivery.eventType}>
        <Table.Td>
          <ActionIcon
            variant="subtle"
            color="gray"
            onClick={onToggle}
            aria-expanded={open}
            aria-controls={detailsId}
            aria-label={t('webhooks.log.showAttempts', { id: delivery.webhookId })}
          >
            {open ? <IconChevronDown size={16} aria-hidden /> : <IconChevronRight size={16} aria-hidden />}
          </ActionIcon>
        </Table.Td>
        <Table.Td>
          <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
            <RelativeTime iso={delivery.createdAt} />
          </Text>
        </Table.Td>
        <Table.Td>
          <Code title={eventWords(t, delivery.eventType)}>{delivery.eventType}</Code>
        </Table.Td>
        <Table.Td>
          <CopyValue value={delivery.webhookId} label="webhook-id" />
        </Table.Td>
        <Table.Td style={{ whiteSpace: 'nowrap' }}>
          <DeliveryState delivery={delivery} />
        </Table.Td>
        <Table.Td>
          <Text size="sm">{attemptsMade(delivery)}</Text>
        </Table.Td>
        <Table.Td style={{ whiteSpace: 'nowrap' }}>
          {delivery.lastStatus !== null || delivery.attempts > 0 ? (
            <HttpStatus status={delivery.lastStatus} />
          ) : (
            <Text size="sm" c="dimmed">
              —
            </Text>
          )}
        </Table.Td>
        <Table.Td ta="right">
          <Button
            size="xs"
            variant="default"
            leftSection={<IconRefresh size={14} aria-hidden />}
            loading={busy}
            onClick={() => redeliver.mutate(delivery)}
            aria-label={t('webhooks.log.redeliverThis', { id: delivery.webhookId })}
          >
            {t('webhooks.log.redeliver')}
          </Button>
        </Table.Td>
      </Table.Tr>
      {open && (
        <Table.Tr id={detailsId} className="delivery-details">
          <Table.Td colSpan={COLUMNS}>
            <DeliveryAttempts delivery={delivery} />
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

/**
 * The endpoint's delivery log, newest first: each delivery with its attempts (status, duration, the
 * start of the answer, the signed body sent), Redeliver (same webhook-id), older ones a page at a time.
 */
export function DeliveryLog({ ws, endpointId }: { ws: string; endpointId: string }) {
  const { t } = useTranslation();
  const log = useWebhookDeliveries(ws, endpointId);
  const redeliver = useRedeliver(ws);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const deliveries = log.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="delivery-log-title">
      <Title order={2} size="h4" id="delivery-log-title" mb={4}>
        {t('webhooks.log.title')}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t('webhooks.log.intro')}
      </Text>
      {redeliver.error && (
        <Alert
          color="red"
          icon={<IconAlertCircle aria-hidden />}
          role="alert"
          mb="sm"
          withCloseButton
          closeButtonLabel={t('common.dismiss')}
          onClose={() => redeliver.reset()}
        >
          {errorMessage(t, redeliver.error)}
        </Alert>
      )}
      {log.isPending ? (
        <Skeleton h={80} />
      ) : log.isError ? (
        <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
          {errorMessage(t, log.error)}
        </Alert>
      ) : deliveries.length === 0 ? (
        <Paper withBorder radius="md" p="md">
          <Text size="sm" c="dimmed">
            {t('webhooks.log.empty')}
          </Text>
        </Paper>
      ) : (
        <Stack gap="sm">
          <Paper withBorder radius="md" className="table-card">
            <Table.ScrollContainer minWidth={860}>
              <Table
                verticalSpacing="xs"
                horizontalSpacing="sm"
                aria-labelledby="delivery-log-title"
                className="integrations-table"
              >
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">
                      <span className="visually-hidden">{t('webhooks.log.attempts')}</span>
                    </Table.Th>
                    <Table.Th scope="col">{t('webhooks.log.when')}</Table.Th>
                    <Table.Th scope="col">{t('webhooks.log.event')}</Table.Th>
                    <Table.Th scope="col">webhook-id</Table.Th>
                    <Table.Th scope="col">{t('webhooks.log.state')}</Table.Th>
                    <Table.Th scope="col">{t('webhooks.log.attempts')}</Table.Th>
                    <Table.Th scope="col">{t('webhooks.log.lastStatus')}</Table.Th>
                    <Table.Th scope="col">
                      <span className="visually-hidden">{t('common.actions')}</span>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {deliveries.map((d) => (
                    <DeliveryRows
                      key={d.id}
                      delivery={d}
                      open={open.has(d.id)}
                      onToggle={() => toggle(d.id)}
                      redeliver={redeliver}
                    />
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
          {log.hasNextPage && (
            <Group justify="center">
              <Button
                variant="default"
                onClick={() => void log.fetchNextPage()}
                loading={log.isFetchingNextPage}
              >
                {t('webhooks.log.loadMore')}
              </Button>
            </Group>
          )}
        </Stack>
      )}
    </section>
  );
}
