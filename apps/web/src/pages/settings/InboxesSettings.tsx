import { Alert, Anchor, Badge, Button, Group, Paper, Skeleton, Stack, Table, Text } from '@mantine/core';
import { IconAlertCircle, IconPlus } from '@tabler/icons-react';
import type { Inbox } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useManagedInboxes, useTaxonomy, useInboxes } from '../../api/inboxes.ts';
import { useMembers } from '../../api/people.ts';
import { CreateInboxModal } from '../../components/CreateInboxModal.tsx';
import { PageHeading } from '../../components/PageHeading.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { paths } from '../../lib/paths.ts';
import { formatDate } from '../../lib/time.ts';
import { useCurrentWorkspace } from '../../lib/workspace.ts';
import { EditInboxModal } from './inboxes/EditInboxModal.tsx';
import { InternalDomains } from './inboxes/InternalDomains.tsx';
import { TaxonomySection } from './inboxes/TaxonomySection.tsx';

/**
 * Workspace settings → Inboxes. Admins manage every inbox (name, access list, default document types,
 * archive); access is explicit, so an admin opens only the inboxes they are on (decision 0006).
 * Members see the inboxes they are on.
 */
export function InboxesSettings() {
  const { t, i18n } = useTranslation();
  const ws = useCurrentWorkspace();
  const managed = useManagedInboxes(ws.id, ws.canManage);
  const mine = useInboxes(ws.id);
  const members = useMembers(ws.id);
  const types = useTaxonomy(ws.id, 'types');
  const [creating, setCreating] = useState(false);
  // By id: the modal gets the inbox as the list has it (with its outflow actions), not a copy of the row.
  const [editingId, setEditingId] = useState<string | null>(null);
  const editing = managed.data?.items.find((i) => i.id === editingId) ?? null;
  const locale = i18n.resolvedLanguage ?? 'en';
  const list = ws.canManage ? managed : mine;
  const rows: (Inbox & { memberIds?: string[] })[] = list.data?.items ?? [];
  const onIt = new Set(mine.data?.items.map((i) => i.id) ?? []);
  const personName = (id: string) => members.data?.items.find((m) => m.userId === id)?.name ?? '…';
  const typeName = (id: string) => types.data?.items.find((x) => x.id === id)?.name ?? '…';
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
                {ws.canManage && <Table.Th>{t('inboxes.access')}</Table.Th>}
                <Table.Th>{t('inboxes.defaultTypes')}</Table.Th>
                <Table.Th>{t('inboxes.created')}</Table.Th>
                {ws.canManage && (
                  <Table.Th>
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </Table.Th>
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((i) => (
                <Table.Tr key={i.id} data-testid="inbox-row" data-inbox={i.name}>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      {onIt.has(i.id) ? (
                        <Anchor component={Link} to={`${paths.inbox(ws.id)}?inbox=${i.id}`}>
                          {i.name}
                        </Anchor>
                      ) : (
                        <Text size="sm">{i.name}</Text>
                      )}
                      {i.isDefault && (
                        <Badge variant="light" color="gray" tt="none" size="sm">
                          {t('inboxes.default')}
                        </Badge>
                      )}
                      {i.archived && (
                        <Badge variant="light" color="orange" tt="none" size="sm">
                          {t('inboxes.archived')}
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  {ws.canManage && (
                    <Table.Td>
                      <Text size="sm">
                        {i.memberIds?.length ? i.memberIds.map(personName).join(', ') : t('inboxes.nobody')}
                      </Text>
                    </Table.Td>
                  )}
                  <Table.Td>
                    <Text size="sm">{i.documentTypeIds.map(typeName).join(', ') || '—'}</Text>
                  </Table.Td>
                  <Table.Td>{formatDate(new Date(i.createdAt), locale)}</Table.Td>
                  {ws.canManage && (
                    <Table.Td ta="right">
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => setEditingId(i.id)}
                        aria-label={t('inboxes.edit.button', { name: i.name })}
                      >
                        {t('common.edit')}
                      </Button>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      <TaxonomySection ws={ws.id} kind="types" canManage={ws.canManage} />
      <TaxonomySection ws={ws.id} kind="tags" canManage={ws.canManage} />
      <InternalDomains ws={ws.id} canManage={ws.canManage} />
      {ws.canManage && <CreateInboxModal ws={ws.id} opened={creating} onClose={() => setCreating(false)} />}
      {editing && (
        <EditInboxModal
          ws={ws.id}
          inbox={editing}
          members={members.data?.items ?? []}
          onClose={() => setEditingId(null)}
        />
      )}
    </Stack>
  );
}
