import { Alert, Button, EmptyState, Group, Paper, Skeleton, Stack, Text } from '@mantine/core';
import { IconAlertCircle, IconKey, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiKeys } from '../../api/api-keys.ts';
import { PageHeading } from '../../components/PageHeading.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { useCurrentWorkspace } from '../../lib/workspace.ts';
import { ApiKeysTable } from './api-keys/ApiKeysTable.tsx';
import { CreateApiKeyModal } from './api-keys/CreateApiKeyModal.tsx';

/** Workspace settings → API keys (admins): what lets another system use the Mailroom API. */
export function ApiKeysSettings() {
  const { t } = useTranslation();
  const ws = useCurrentWorkspace();
  const keys = useApiKeys(ws.id, ws.canManage);
  const [creating, setCreating] = useState(false);
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <div>
          <PageHeading size="h2">{t('settings.sections.apiKeys')}</PageHeading>
          <Text c="dimmed" mt={4} maw={640}>
            {t('apiKeys.intro')}
          </Text>
        </div>
        {ws.canManage && (
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
            {t('apiKeys.create.button')}
          </Button>
        )}
      </Group>
      {!ws.canManage ? (
        <Alert color="gray" variant="light" role="note">
          {t('apiKeys.adminsOnly')}
        </Alert>
      ) : keys.isPending ? (
        <Skeleton h={120} />
      ) : keys.isError ? (
        <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
          {errorMessage(t, keys.error)}
        </Alert>
      ) : keys.data.items.length === 0 ? (
        <Paper withBorder radius="md" p="xl">
          <EmptyState
            icon={<IconKey size={28} aria-hidden />}
            title={t('apiKeys.emptyTitle')}
            description={t('apiKeys.emptyBody')}
          />
        </Paper>
      ) : (
        <ApiKeysTable ws={ws.id} keys={keys.data.items} />
      )}
      {ws.canManage && <CreateApiKeyModal ws={ws.id} opened={creating} onClose={() => setCreating(false)} />}
    </Stack>
  );
}
