import { Alert, Button, EmptyState, Group, Paper, Skeleton, Stack, Table, Text } from '@mantine/core';
import { IconListDetails } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAudit } from '../../api/audit.ts';
import { PageHeading } from '../../components/PageHeading.tsx';
import { RelativeTime } from '../../components/RelativeTime.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { useCurrentWorkspace } from '../../lib/workspace.ts';
import { AuditFilters, emptyAuditForm, isReversed, toFilter, type AuditForm } from './audit/AuditFilters.tsx';
import { AuditSentence } from './audit/AuditSentence.tsx';

export function AuditLogSettings() {
  const { t } = useTranslation();
  const ws = useCurrentWorkspace();
  const [form, setForm] = useState<AuditForm>(emptyAuditForm);
  const filtered = Object.values(form).some((v) => v !== '');
  // A reversed range is said by the filters, not asked of the server.
  const audit = useAudit(ws.id, toFilter(form), ws.canManage && !isReversed(form));
  const entries = audit.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Stack gap="lg">
      <div>
        <PageHeading size="h2">{t('settings.sections.auditLog')}</PageHeading>
        <Text c="dimmed" mt={4}>
          {t('audit.intro')}
        </Text>
      </div>
      {ws.canManage && <AuditFilters ws={ws.id} value={form} onChange={setForm} />}
      {!ws.canManage ? (
        <Alert color="gray" variant="light" role="note">
          {t('audit.adminsOnly')}
        </Alert>
      ) : isReversed(form) ? null : audit.isPending ? (
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
          <EmptyState
            icon={<IconListDetails size={28} aria-hidden />}
            title={filtered ? t('audit.emptyFiltered') : t('audit.emptyTitle')}
            description={filtered ? undefined : t('audit.emptyBody')}
          />
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
                        <Text size="sm" className="truncate-name" title={e.actor.email ?? undefined}>
                          {e.actor.email ?? t('audit.system')}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <AuditSentence ws={ws.id} entry={e} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
          {audit.hasNextPage && (
            <Group justify="center">
              <Button
                variant="default"
                onClick={() => void audit.fetchNextPage()}
                loading={audit.isFetchingNextPage}
              >
                {t('audit.loadMore')}
              </Button>
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}
