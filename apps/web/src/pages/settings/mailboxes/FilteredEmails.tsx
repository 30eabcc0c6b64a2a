import { Badge, Button, Collapse, Group, Text, UnstyledButton } from '@mantine/core';
import { IconChevronDown, IconChevronRight } from '@tabler/icons-react';
import type { FolderStatus } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFilteredEmails, useDocumentAction } from '../../../api/documents.ts';
import { RelativeTime } from '../../../components/RelativeTime.tsx';

/** "3 emails filtered today": the list with each reason, and "Let in" to release one into its inbox. */
export function FilteredEmails({ ws, folder }: { ws: string; folder: FolderStatus }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const list = useFilteredEmails(ws, folder.id, open);
  const release = useDocumentAction(ws);
  return (
    <div data-testid="filtered-emails">
      <UnstyledButton onClick={() => setOpen((o) => !o)} aria-expanded={open} className="disclosure">
        <Group gap={4} wrap="nowrap">
          {open ? <IconChevronDown size={14} aria-hidden /> : <IconChevronRight size={14} aria-hidden />}
          <Text size="sm">{t('rules.filteredToday', { count: folder.filteredToday })}</Text>
        </Group>
      </UnstyledButton>
      <Collapse expanded={open}>
        {list.data?.items.length === 0 && (
          <Text size="sm" c="dimmed" mt="xs">
            {t('rules.filteredNone')}
          </Text>
        )}
        <ul className="failed-list" aria-label={t('rules.filteredLabel')}>
          {list.data?.items.map((d) => (
            <li key={d.id} data-testid="filtered-email">
              <Group justify="space-between" wrap="nowrap" align="flex-start" gap="sm">
                <div style={{ minWidth: 0 }}>
                  <Text size="sm" fw={600} truncate="end">
                    {d.subject}
                  </Text>
                  <Group gap={6}>
                    <Badge size="sm" variant="light" color="gray" tt="none">
                      {t(`filterReasons.${d.filterReason ?? 'unknown'}`)}
                    </Badge>
                    <Text size="xs" c="dimmed">
                      {d.from?.address} · <RelativeTime iso={d.receivedAt} />
                    </Text>
                  </Group>
                </div>
                <Button
                  size="compact-sm"
                  variant="light"
                  onClick={() => release.mutate({ id: d.id, action: { action: 'release' } })}
                  loading={release.isPending && release.variables?.id === d.id}
                  aria-label={t('rules.releaseNamed', { subject: d.subject })}
                >
                  {t('rules.release')}
                </Button>
              </Group>
            </li>
          ))}
        </ul>
      </Collapse>
    </div>
  );
}
