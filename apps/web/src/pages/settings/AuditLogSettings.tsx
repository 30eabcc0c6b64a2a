import { Alert, Button, Code, EmptyState, Group, Paper, Skeleton, Stack, Table, Text } from '@mantine/core';
import { IconListDetails } from '@tabler/icons-react';
import type { AuditEntry } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';
import { useAudit } from '../../api/audit.ts';
import { PageHeading } from '../../components/PageHeading.tsx';
import { RelativeTime } from '../../components/RelativeTime.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { useCurrentWorkspace } from '../../lib/workspace.ts';

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** What the entry was about, in words: "Connector “Claims”", "Member → Admin", "jane@acme.com (Member)". */
function Target({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation();
  const d = entry.details;
  const role = (r: unknown) => (str(r) ? t(`roles.${str(r)}`, { defaultValue: str(r) ?? '' }) : null);
  const parts: string[] = [];
  if (entry.targetType)
    parts.push(t(`audit.targets.${entry.targetType}`, { defaultValue: entry.targetType }));
  if (str(d.name)) parts.push(`“${str(d.name)}”`);
  if (str(d.email)) parts.push(str(d.email)!);
  let change: string | null = null;
  if (str(d.from) && str(d.to)) {
    change = entry.action.startsWith('member.')
      ? `${role(d.from)} → ${role(d.to)}`
      : `“${str(d.from)}” → “${str(d.to)}”`;
  } else if (str(d.role)) {
    change = role(d.role);
  }
  if (parts.length === 0 && !change) {
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  }
  return (
    <Text size="sm">
      {parts.join(' ')}
      {change && (
        <Text span size="sm" c="dimmed">
          {parts.length ? ' · ' : ''}
          {change}
        </Text>
      )}
    </Text>
  );
}

export function AuditLogSettings() {
  const { t } = useTranslation();
  const ws = useCurrentWorkspace();
  const audit = useAudit(ws.id, ws.canManage);
  const entries = audit.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Stack gap="lg">
      <div>
        <PageHeading size="h2">{t('settings.sections.auditLog')}</PageHeading>
        <Text c="dimmed" mt={4}>
          {t('audit.intro')}
        </Text>
      </div>
      {!ws.canManage ? (
        <Alert color="gray" variant="light" role="note">
          {t('audit.adminsOnly')}
        </Alert>
      ) : audit.isPending ? (
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
            title={t('audit.emptyTitle')}
            description={t('audit.emptyBody')}
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
                        <Text size="sm">
                          {t(`audit.actions.${e.action}`, { defaultValue: '' }) || <Code>{e.action}</Code>}
                        </Text>
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
