import {
  Alert,
  Anchor,
  Button,
  CloseButton,
  EmptyState,
  Group,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { IconAlertCircle, IconCircleCheck, IconPlus, IconWebhook } from '@tabler/icons-react';
import type { WebhookEndpoint } from '@mailroom/contracts';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate } from 'react-router';
import { useWebhooks } from '../../api/webhooks.ts';
import { PageHeading } from '../../components/PageHeading.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { paths } from '../../lib/paths.ts';
import { useCurrentWorkspace } from '../../lib/workspace.ts';
import { InboxScopeText } from './integrations/InboxScope.tsx';
import { AddWebhookModal } from './webhooks/AddWebhookModal.tsx';
import { EndpointStateCell } from './webhooks/EndpointState.tsx';
import { EventTypesText } from './webhooks/EventTypes.tsx';

function EndpointsTable({ ws, endpoints }: { ws: string; endpoints: WebhookEndpoint[] }) {
  const { t } = useTranslation();
  return (
    <Paper withBorder radius="md" className="table-card">
      <Table.ScrollContainer minWidth={760}>
        <Table
          verticalSpacing="sm"
          horizontalSpacing="md"
          aria-label={t('webhooks.tableLabel')}
          className="integrations-table"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('webhooks.fields.url')}</Table.Th>
              <Table.Th scope="col">{t('webhooks.fields.events')}</Table.Th>
              <Table.Th scope="col">{t('integrations.inboxes')}</Table.Th>
              <Table.Th scope="col">{t('webhooks.fields.state')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {endpoints.map((e) => (
              <Table.Tr key={e.id} data-testid="webhook-row">
                <Table.Td maw={340}>
                  <Anchor component={Link} to={paths.webhook(ws, e.id)} size="sm" className="mono">
                    {e.url}
                  </Anchor>
                  {e.description && (
                    <Text size="xs" c="dimmed" lineClamp={2}>
                      {e.description}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <EventTypesText types={e.eventTypes} />
                </Table.Td>
                <Table.Td>
                  <InboxScopeText ws={ws} ids={e.inboxIds} />
                </Table.Td>
                <Table.Td>
                  <EndpointStateCell endpoint={e} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

/** Workspace settings → Webhooks (admins): the endpoints Mailroom sends signed events to. */
export function WebhooksSettings() {
  const { t } = useTranslation();
  const ws = useCurrentWorkspace();
  const endpoints = useWebhooks(ws.id, ws.canManage);
  const [adding, setAdding] = useState(false);
  const location = useLocation();
  const navigate = useNavigate();
  const [deletedUrl, setDeletedUrl] = useState((location.state as { deleted?: string } | null)?.deleted);
  useEffect(() => {
    if (location.state) void navigate(location.pathname, { replace: true, state: null });
  }, [location.state, location.pathname, navigate]);
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <div>
          <PageHeading size="h2">{t('settings.sections.webhooks')}</PageHeading>
          <Text c="dimmed" mt={4} maw={640}>
            {t('webhooks.intro')}
          </Text>
        </div>
        {ws.canManage && (
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setAdding(true)}>
            {t('webhooks.add.button')}
          </Button>
        )}
      </Group>
      {deletedUrl && (
        <Alert color="teal" icon={<IconCircleCheck aria-hidden />} role="status">
          <Group justify="space-between" wrap="nowrap">
            <Text size="sm" className="break">
              {t('webhooks.deleted', { url: deletedUrl })}
            </Text>
            <CloseButton aria-label={t('common.dismiss')} onClick={() => setDeletedUrl(undefined)} />
          </Group>
        </Alert>
      )}
      {!ws.canManage ? (
        <Alert color="gray" variant="light" role="note">
          {t('webhooks.adminsOnly')}
        </Alert>
      ) : endpoints.isPending ? (
        <Skeleton h={120} />
      ) : endpoints.isError ? (
        <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
          {errorMessage(t, endpoints.error)}
        </Alert>
      ) : endpoints.data.items.length === 0 ? (
        <Paper withBorder radius="md" p="xl">
          <EmptyState
            icon={<IconWebhook size={28} aria-hidden />}
            title={t('webhooks.emptyTitle')}
            description={t('webhooks.emptyBody')}
          />
        </Paper>
      ) : (
        <EndpointsTable ws={ws.id} endpoints={endpoints.data.items} />
      )}
      <Text size="sm" c="dimmed" maw={640}>
        {t('webhooks.delivery')}
      </Text>
      {ws.canManage && <AddWebhookModal ws={ws.id} opened={adding} onClose={() => setAdding(false)} />}
    </Stack>
  );
}
