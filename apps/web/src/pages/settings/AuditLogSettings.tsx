import { Alert, Button, Code, EmptyState, Group, Paper, Skeleton, Stack, Table, Text } from '@mantine/core';
import { IconListDetails } from '@tabler/icons-react';
import type { AuditEntry } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';
import { useAudit } from '../../api/queries.ts';
import { PageHeading } from '../../components/PageHeading.tsx';
import { RelativeTime } from '../../components/RelativeTime.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { useCurrentWorkspace } from '../../lib/workspace.ts';

function Target({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation();
  if (!entry.targetType) return <Text size="sm" c="dimmed">—</Text>;
  const name = typeof entry.details.name === 'string' ? entry.details.name : null;
  return (
    <Text size="sm">
      {t(`audit.targets.${entry.targetType}`, { defaultValue: entry.targetType })}
      {name ? ` “${name}”` : ''}
    </Text>
  );
}

export function AuditLogSettings() {
  const { t } = useTranslation();
  const ws = useCurrentWorkspace();
  const audit = useAudit(ws.id);
  const entries = audit.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Stack gap="lg">
      <div>
        <PageHeading size="h2">{t('settings.sections.auditLog')}</PageHeading>
        <Text c="dimmed" mt={4}>
          {t('audit.intro')}
        </Text>
      </div>
      {audit.isPending ? (
        <Stack gap="xs" aria-busy="true" aria-label={t('app.loading')}>
          <Skeleton h={40} />
          <Skeleton h={40} />
          <Skeleton h={40} />
        </Stack>
      ) : audit.isError ? (
        <Alert color="red" role="alert" title={t('audit.loadFailed')}>
          {errorMessage(t, audit.error)}
        </Alert>
      ) : entries.length === 0 ? (
        <Paper withBorder radius="md" p="xl">
          <EmptyState icon={<IconListDetails size={28} aria-hidden />} title={t('audit.emptyTitle')} description={t('audit.emptyBody')} />
        </Paper>
      ) : (
        <>
          <Paper withBorder radius="md" className="table-card">
            <Table.ScrollContainer minWidth={600}>
              <Table verticalSpacing="sm" horizontalSpacing="md" aria-label={t('settings.sections.auditLog')}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">{t('audit.when')}</Table.Th>
                    <Table.Th scope="col">{t('audit.who')}</Table.Th>
                    <Table.Th scope="col">{t('audit.what')}</Table.Th>
                    <Table.Th scope="col">{t('audit.target')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {entries.map((e) => (
                    <Table.Tr key={e.id}>
                      <Table.Td>
                        <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                          <RelativeTime iso={e.at} />
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{e.actor.email ?? t('audit.system')}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{t(`audit.actions.${e.action}`, { defaultValue: '' }) || <Code>{e.action}</Code>}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Target entry={e} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
          {audit.hasNextPage && (
            <Group justify="center">
              <Button variant="default" onClick={() => void audit.fetchNextPage()} loading={audit.isFetchingNextPage}>
                {t('audit.loadMore')}
              </Button>
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}
