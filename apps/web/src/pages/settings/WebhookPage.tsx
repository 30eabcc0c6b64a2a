import { Alert, Anchor, Breadcrumbs, Button, Group, Paper, Skeleton, Stack, Text } from '@mantine/core';
import type { WebhookEndpoint } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../api/client.ts';
import { useWebhook } from '../../api/webhooks.ts';
import { PageHeading } from '../../components/PageHeading.tsx';
import { RelativeTime } from '../../components/RelativeTime.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { paths } from '../../lib/paths.ts';
import { useCurrentWorkspace } from '../../lib/workspace.ts';
import { InboxScopeText } from './integrations/InboxScope.tsx';
import { DeliveryLog } from './webhooks/DeliveryLog.tsx';
import { EndpointActions, useToggleEndpoint } from './webhooks/EndpointActions.tsx';
import { EndpointBadges, EndpointNotices } from './webhooks/EndpointState.tsx';
import { EventTypesText } from './webhooks/EventTypes.tsx';
import { SigningSecret } from './webhooks/SigningSecret.tsx';

function Crumbs({ ws, url }: { ws: string; url?: string }) {
  const { t } = useTranslation();
  return (
    <nav aria-label={t('common.breadcrumbs')}>
      <Breadcrumbs separator="›">
        <Anchor component={Link} to={paths.settings(ws, 'webhooks')} size="sm">
          {t('settings.sections.webhooks')}
        </Anchor>
        {url && (
          <Text size="sm" c="dimmed" aria-current="page" truncate="end" maw={360}>
            {url}
          </Text>
        )}
      </Breadcrumbs>
    </nav>
  );
}

function EndpointFacts({ ws, endpoint }: { ws: string; endpoint: WebhookEndpoint }) {
  const { t } = useTranslation();
  return (
    <Paper withBorder radius="md" p="lg">
      <dl className="facts" data-testid="endpoint-facts">
        <div>
          <dt>{t('webhooks.fields.state')}</dt>
          <dd>
            <EndpointBadges endpoint={endpoint} />
          </dd>
        </div>
        <div>
          <dt>{t('webhooks.fields.events')}</dt>
          <dd>
            <EventTypesText types={endpoint.eventTypes} />
          </dd>
        </div>
        <div>
          <dt>{t('integrations.inboxes')}</dt>
          <dd>
            <InboxScopeText ws={ws} ids={endpoint.inboxIds} />
          </dd>
        </div>
        <div>
          <dt>{t('webhooks.fields.created')}</dt>
          <dd>
            <RelativeTime iso={endpoint.createdAt} />
          </dd>
        </div>
      </dl>
    </Paper>
  );
}

/** The page of one endpoint, once it is loaded: notices, actions, facts and the delivery log. */
function Endpoint({ ws, endpoint }: { ws: string; endpoint: WebhookEndpoint }) {
  const { t } = useTranslation();
  const toggle = useToggleEndpoint(ws, endpoint);
  // A rotation's secret lives here only, until the page is left or the notice dismissed.
  const [rotatedSecret, setRotatedSecret] = useState<string | null>(null);
  return (
    <Stack gap="lg">
      <Crumbs ws={ws} url={endpoint.url} />
      <div>
        <PageHeading size="h2" className="break" docTitle={endpoint.url}>
          {endpoint.url}
        </PageHeading>
        {endpoint.description && (
          <Text c="dimmed" mt={4}>
            {endpoint.description}
          </Text>
        )}
      </div>
      <EndpointActions ws={ws} endpoint={endpoint} toggle={toggle} onRotated={setRotatedSecret} />
      {rotatedSecret && (
        <Stack gap="xs">
          <SigningSecret title={t('webhooks.rotate.done')} secret={rotatedSecret} />
          <Group justify="flex-end">
            <Button size="xs" variant="default" onClick={() => setRotatedSecret(null)}>
              {t('webhooks.rotate.copied')}
            </Button>
          </Group>
        </Stack>
      )}
      <EndpointNotices endpoint={endpoint} onEnable={() => toggle.toggle(true)} enabling={toggle.pending} />
      <EndpointFacts ws={ws} endpoint={endpoint} />
      <DeliveryLog ws={ws} endpointId={endpoint.id} />
    </Stack>
  );
}

/** Workspace settings → Webhooks → one endpoint (admins). */
export function WebhookPage() {
  const { t } = useTranslation();
  const ws = useCurrentWorkspace();
  const { webhookId = '' } = useParams();
  const query = useWebhook(ws.id, webhookId, ws.canManage);
  if (!ws.canManage) {
    return (
      <Stack gap="lg">
        <Crumbs ws={ws.id} />
        <Alert color="gray" variant="light" role="note">
          {t('webhooks.adminsOnly')}
        </Alert>
      </Stack>
    );
  }
  if (query.isPending) {
    return (
      <Stack gap="md" aria-busy="true" aria-label={t('app.loading')}>
        <Crumbs ws={ws.id} />
        <Skeleton h={36} w={360} />
        <Skeleton h={200} />
      </Stack>
    );
  }
  if (query.isError) {
    const gone = query.error instanceof ApiError && query.error.status === 404;
    return (
      <Stack gap="md">
        <Crumbs ws={ws.id} />
        <PageHeading size="h2">{gone ? t('webhooks.notFound') : t('webhooks.loadFailed')}</PageHeading>
        <Text c="dimmed">{errorMessage(t, query.error)}</Text>
      </Stack>
    );
  }
  return <Endpoint ws={ws.id} endpoint={query.data} />;
}
