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
import { IconAlertCircle, IconCircleCheck, IconPlugConnected, IconPlus } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate } from 'react-router';
import { useConnectors } from '../../api/connectors.ts';
import { CreateConnectorModal } from '../../components/CreateConnectorModal.tsx';
import { PageHeading } from '../../components/PageHeading.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { paths } from '../../lib/paths.ts';
import { useCurrentWorkspace } from '../../lib/workspace.ts';
import { connectedSentence } from './connector/ConnectionPanel.tsx';
import { problemSentence } from './connector/ProblemPanel.tsx';

export function ConnectorsSettings() {
  const { t, i18n } = useTranslation();
  const ws = useCurrentWorkspace();
  const connectors = useConnectors(ws.id);
  const [creating, setCreating] = useState(false);
  const location = useLocation();
  const navigate = useNavigate();
  const [deletedName, setDeletedName] = useState((location.state as { deleted?: string } | null)?.deleted);
  useEffect(() => {
    if (location.state) void navigate(location.pathname, { replace: true, state: null });
  }, [location.state, location.pathname, navigate]);

  const createButton = ws.canManage ? (
    <Button leftSection={<IconPlus size={18} aria-hidden />} onClick={() => setCreating(true)}>
      {t('connectors.create.button')}
    </Button>
  ) : null;

  const items = connectors.data?.items ?? [];

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
        <div>
          <PageHeading size="h2">{t('settings.sections.connectors')}</PageHeading>
          <Text c="dimmed" mt={4} maw={560}>
            {t('connectors.intro')}
          </Text>
        </div>
        {items.length > 0 && createButton}
      </Group>

      {deletedName && (
        <Alert
          color="teal"
          icon={<IconCircleCheck aria-hidden />}
          role="status"
          withCloseButton={false}
          title={t('connectors.deleted', { name: deletedName })}
        >
          <Group justify="space-between" wrap="nowrap">
            <Text size="sm">{t('connectors.deletedDetail')}</Text>
            <CloseButton aria-label={t('common.dismiss')} onClick={() => setDeletedName(undefined)} />
          </Group>
        </Alert>
      )}

      {!ws.canManage && (
        <Alert color="gray" variant="light" role="note">
          {t('settings.readOnly')}
        </Alert>
      )}

      {connectors.isPending ? (
        <Stack gap="xs" aria-busy="true" aria-label={t('app.loading')}>
          <Skeleton h={44} />
          <Skeleton h={44} />
          <Skeleton h={44} />
        </Stack>
      ) : connectors.isError ? (
        <Alert
          color="red"
          icon={<IconAlertCircle aria-hidden />}
          role="alert"
          title={t('connectors.loadFailed')}
        >
          <Stack gap="xs" align="flex-start">
            <Text size="sm">{errorMessage(t, connectors.error)}</Text>
            <Button size="xs" variant="white" color="red" onClick={() => void connectors.refetch()}>
              {t('common.retry')}
            </Button>
          </Stack>
        </Alert>
      ) : items.length === 0 ? (
        <Paper withBorder radius="md" p="xl">
          <EmptyState
            icon={<IconPlugConnected size={28} aria-hidden />}
            variant="light"
            title={t('connectors.empty.title')}
            description={ws.canManage ? t('connectors.empty.body') : t('connectors.empty.bodyMember')}
          >
            {createButton && <EmptyState.Actions>{createButton}</EmptyState.Actions>}
          </EmptyState>
        </Paper>
      ) : (
        <Paper withBorder radius="md" className="table-card">
          <Table
            verticalSpacing="sm"
            horizontalSpacing="md"
            highlightOnHover
            aria-label={t('connectors.tableLabel')}
          >
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('connectors.fields.name')}</Table.Th>
                <Table.Th scope="col">{t('connectors.fields.type')}</Table.Th>
                <Table.Th scope="col">{t('connectors.fields.status')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>
                    <Anchor component={Link} to={paths.connector(ws.id, c.id)} fw={600} className="row-link">
                      {c.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{t(`connectors.types.${c.type}`)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={c.status} changedAt={c.statusChangedAt} />
                    {c.problem && (
                      <Text size="xs" c={c.status === 'access_lost' ? 'red.8' : 'orange.9'} mt={4} maw={420}>
                        {problemSentence(t, c, c.problem, i18n.resolvedLanguage ?? 'en')}
                      </Text>
                    )}
                    {!c.problem && c.connection && (
                      <Text size="xs" c="dimmed" mt={4} maw={420}>
                        {connectedSentence(t, c.connection)}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}

      <CreateConnectorModal ws={ws.id} opened={creating} onClose={() => setCreating(false)} />
    </Stack>
  );
}
