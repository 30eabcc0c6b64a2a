import { Alert, Anchor, Button, Group, Paper, Skeleton, Stack, Table, Text } from '@mantine/core';
import { IconAlertCircle, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useInboxes } from '../../api/mail.ts';
import { CreateInboxModal } from '../../components/CreateInboxModal.tsx';
import { PageHeading } from '../../components/PageHeading.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { paths } from '../../lib/paths.ts';
import { formatDate } from '../../lib/time.ts';
import { useCurrentWorkspace } from '../../lib/workspace.ts';

/** Workspace settings → Inboxes: the inboxes documents land in; admins create them. */
export function InboxesSettings() {
  const { t, i18n } = useTranslation();
  const ws = useCurrentWorkspace();
  const list = useInboxes(ws.id);
  const [creating, setCreating] = useState(false);
  const locale = i18n.resolvedLanguage ?? 'en';
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <div>
          <PageHeading size="h2">{t('settings.sections.inboxes')}</PageHeading>
          <Text c="dimmed" mt={4}>
            {t('inboxes.intro')}
          </Text>
        </div>
        {ws.canManage && (
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
            {t('inboxes.create.button')}
          </Button>
        )}
      </Group>
      {list.isPending ? (
        <Skeleton h={120} />
      ) : list.isError ? (
        <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
          {errorMessage(t, list.error)}
        </Alert>
      ) : (
        <Paper withBorder radius="md">
          <Table verticalSpacing="sm" horizontalSpacing="md" aria-label={t('inboxes.tableLabel')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('inboxes.name')}</Table.Th>
                <Table.Th>{t('inboxes.created')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((i) => (
                <Table.Tr key={i.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`${paths.inbox(ws.id)}?inbox=${i.id}`}>
                      {i.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{formatDate(new Date(i.createdAt), locale)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      <Text size="sm" c="dimmed">
        {t('inboxes.later')}
      </Text>
      {ws.canManage && <CreateInboxModal ws={ws.id} opened={creating} onClose={() => setCreating(false)} />}
    </Stack>
  );
}
