import { Alert, Anchor, Button, Group, NativeSelect, Paper, Skeleton, Stack, Text } from '@mantine/core';
import { IconAlertCircle, IconPaperclip } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { useDocuments, useInboxes } from '../../api/mail.ts';
import { PageHeading } from '../../components/PageHeading.tsx';
import { RelativeTime } from '../../components/RelativeTime.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { paths } from '../../lib/paths.ts';
import { useCurrentWorkspace } from '../../lib/workspace.ts';

/** The documents created from email, newest first. */
export function InboxPage() {
  const { t } = useTranslation();
  const ws = useCurrentWorkspace();
  const [params, setParams] = useSearchParams();
  const inboxId = params.get('inbox');
  const inboxes = useInboxes(ws.id);
  const docs = useDocuments(ws.id, inboxId);
  const items = docs.data?.pages.flatMap((p) => p.items) ?? [];
  const inboxName = (id: string) => inboxes.data?.items.find((i) => i.id === id)?.name ?? '';

  return (
    <div className="page">
      <Stack gap="lg">
        <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
          <div>
            <PageHeading>{t('documents.title')}</PageHeading>
            <Text c="dimmed" mt={6}>
              {t('documents.intro')}
            </Text>
          </div>
          {(inboxes.data?.items.length ?? 0) > 1 && (
            <NativeSelect
              label={t('documents.filterInbox')}
              value={inboxId ?? ''}
              onChange={(e) => {
                const v = e.currentTarget.value;
                setParams(v ? { inbox: v } : {}, { replace: true });
              }}
              data={[
                { value: '', label: t('documents.allInboxes') },
                ...(inboxes.data?.items ?? []).map((i) => ({ value: i.id, label: i.name })),
              ]}
              w={{ base: '100%', sm: 240 }}
            />
          )}
        </Group>

        {docs.isPending ? (
          <Stack gap="xs" aria-busy="true" aria-label={t('app.loading')}>
            <Skeleton h={56} />
            <Skeleton h={56} />
            <Skeleton h={56} />
          </Stack>
        ) : docs.isError ? (
          <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
            {errorMessage(t, docs.error)}
          </Alert>
        ) : items.length === 0 ? (
          <Paper withBorder radius="md" p="xl">
            <Stack gap="xs" align="center" ta="center">
              <Text fw={600}>{t('documents.emptyTitle')}</Text>
              <Text size="sm" c="dimmed" maw={480}>
                {t('documents.emptyBody')}
              </Text>
              {ws.canManage && (
                <Anchor component={Link} to={paths.settings(ws.id, 'connectors')} size="sm">
                  {t('home.goToConnectors')}
                </Anchor>
              )}
            </Stack>
          </Paper>
        ) : (
          <Paper withBorder radius="md">
            <ul className="doc-list" aria-label={t('documents.listLabel')}>
              {items.map((d) => (
                <li key={d.id} data-testid="document-row">
                  <Link to={paths.document(ws.id, d.id)} className="doc-row">
                    <div className="doc-from">
                      <Text size="sm" fw={600} truncate="end">
                        {d.from?.name || d.from?.address || t('documents.unknownSender')}
                      </Text>
                      <Text size="xs" c="dimmed" truncate="end">
                        {d.mailbox} › {d.folder}
                        {inboxId ? '' : ` · ${inboxName(d.inboxId)}`}
                      </Text>
                    </div>
                    <div className="doc-subject">
                      <Text size="sm" truncate="end" data-testid="document-subject">
                        {d.subject || t('documents.noSubject')}
                      </Text>
                    </div>
                    <Group gap={6} wrap="nowrap" className="doc-meta">
                      {d.attachmentCount > 0 && (
                        <Group
                          gap={2}
                          wrap="nowrap"
                          aria-label={t('documents.attachmentCount', { count: d.attachmentCount })}
                        >
                          <IconPaperclip size={14} aria-hidden />
                          <Text size="xs" c="dimmed" aria-hidden>
                            {d.attachmentCount}
                          </Text>
                        </Group>
                      )}
                      <Text size="xs" c="dimmed">
                        <RelativeTime iso={d.receivedAt} />
                      </Text>
                    </Group>
                  </Link>
                </li>
              ))}
            </ul>
          </Paper>
        )}
        {docs.hasNextPage && (
          <Group justify="center">
            <Button
              variant="default"
              onClick={() => void docs.fetchNextPage()}
              loading={docs.isFetchingNextPage}
            >
              {t('documents.loadMore')}
            </Button>
          </Group>
        )}
      </Stack>
    </div>
  );
}
