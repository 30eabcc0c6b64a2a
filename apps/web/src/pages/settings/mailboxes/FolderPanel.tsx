import {
  Alert,
  Badge,
  Button,
  Group,
  NativeSelect,
  Paper,
  Stack,
  Switch,
  Text,
  TextInput,
  UnstyledButton,
  Collapse,
} from '@mantine/core';
import {
  IconAlertCircle,
  IconChevronDown,
  IconChevronRight,
  IconFolder,
  IconPlus,
  IconRefresh,
} from '@tabler/icons-react';
import type { FolderStatus, Mailbox } from '@mailroom/contracts';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useManagedInboxes, useInboxes } from '../../../api/inboxes.ts';
import {
  useFailedMessages,
  useRetryMessage,
  useSyncFolder,
  useUpdateFolder,
} from '../../../api/mailboxes.ts';
import { CreateInboxModal } from '../../../components/CreateInboxModal.tsx';
import { FilteredEmails } from './FilteredEmails.tsx';
import { RuleDetails } from './RuleDetails.tsx';
import { RuleOutflow } from './RuleOutflow.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { errorMessage } from '../../../lib/errors.ts';
import { dayOf, startOfDay } from '../../../lib/time.ts';
import { DeliveryStatus } from './DeliveryStatus.tsx';

function FailedList({ ws, connectorId, folder }: { ws: string; connectorId: string; folder: FolderStatus }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const list = useFailedMessages(ws, folder.id, open);
  const retry = useRetryMessage(ws, connectorId, folder.id);
  return (
    <div>
      <UnstyledButton onClick={() => setOpen((o) => !o)} aria-expanded={open} className="disclosure">
        <Group gap={4} wrap="nowrap">
          {open ? <IconChevronDown size={14} aria-hidden /> : <IconChevronRight size={14} aria-hidden />}
          <Text size="sm" c="red.8">
            {t('mailboxes.status.failedShow', { count: folder.failed })}
          </Text>
        </Group>
      </UnstyledButton>
      <Collapse expanded={open}>
        <ul className="failed-list">
          {list.data?.items.map((m) => (
            <li key={m.id}>
              <Group justify="space-between" wrap="nowrap" align="flex-start" gap="sm">
                <div style={{ minWidth: 0 }}>
                  <Text size="sm" fw={600} truncate="end">
                    {m.subject ?? t('documents.noSubject')}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {t('mailboxes.status.attempts', { count: m.attempts })}
                    {m.lastError ? ` · ${m.lastError}` : ''}
                  </Text>
                </div>
                <Button
                  size="compact-sm"
                  variant="light"
                  onClick={() => retry.mutate(m.id)}
                  loading={retry.isPending && retry.variables === m.id}
                >
                  {t('mailboxes.status.retry')}
                </Button>
              </Group>
            </li>
          ))}
        </ul>
      </Collapse>
    </div>
  );
}

/** One monitored folder: its inflow rule, what it writes back to Outlook, and how its sync is doing. */
export function FolderPanel({
  ws,
  connectorId,
  mailbox,
  folder,
  canManage,
}: {
  ws: string;
  connectorId: string;
  mailbox: Mailbox;
  folder: FolderStatus;
  canManage: boolean;
}) {
  const { t } = useTranslation();
  const inboxes = useInboxes(ws);
  // The rule may target any inbox (admins manage all of them, even those they are not on).
  const managed = useManagedInboxes(ws, canManage);
  const update = useUpdateFolder(ws, connectorId, folder.id);
  const sync = useSyncFolder(ws, connectorId, folder.id);
  const [creating, setCreating] = useState(false);
  // "Sync started" for a few seconds, then the status speaks for itself.
  const { isSuccess: syncStarted, reset: resetSync } = sync;
  useEffect(() => {
    if (!syncStarted) return;
    const timer = setTimeout(resetSync, 5_000);
    return () => clearTimeout(timer);
  }, [syncStarted, resetSync]);
  const [day, setDay] = useState(() => dayOf(folder.processFrom));
  const [seenFrom, setSeenFrom] = useState(folder.processFrom);
  if (folder.processFrom !== seenFrom) {
    setSeenFrom(folder.processFrom);
    setDay(dayOf(folder.processFrom));
  }
  const commitDay = () => {
    const iso = startOfDay(day);
    if (!iso) return setDay(dayOf(folder.processFrom));
    if (dayOf(iso) !== dayOf(folder.processFrom)) update.mutate({ processFrom: iso });
  };
  const inboxName =
    (managed.data?.items ?? inboxes.data?.items)?.find((i) => i.id === folder.inboxId)?.name ?? '';
  const catchingUp = folder.pending > 0;

  return (
    <Paper
      withBorder
      radius="md"
      p="md"
      className="folder-panel"
      data-testid="folder-panel"
      data-folder={folder.displayName}
    >
      <Stack gap="md">
        <Group justify="space-between" wrap="wrap" gap="sm">
          <Group gap="xs" wrap="nowrap">
            <IconFolder size={18} aria-hidden />
            <Text fw={600}>{folder.displayName}</Text>
            <Badge
              color={folder.blockedBy ? 'red' : folder.active ? 'teal' : 'gray'}
              variant="light"
              tt="none"
              data-testid="folder-state"
            >
              {folder.blockedBy
                ? t('mailboxes.rule.blockedBadge')
                : folder.active
                  ? t('mailboxes.rule.activeBadge')
                  : t('mailboxes.rule.inactiveBadge')}
            </Badge>
          </Group>
          {canManage && (
            <Group gap="xs" wrap="nowrap">
              {sync.isSuccess && (
                <Text size="xs" c="dimmed" role="status">
                  {t('mailboxes.status.syncRequested')}
                </Text>
              )}
              <Button
                size="xs"
                variant="default"
                leftSection={<IconRefresh size={14} aria-hidden />}
                onClick={() => sync.mutate()}
                loading={sync.isPending}
                disabled={!folder.active}
                title={folder.active ? undefined : t('mailboxes.status.syncInactive')}
              >
                {t('mailboxes.status.syncNow')}
              </Button>
            </Group>
          )}
        </Group>

        {canManage ? (
          <div className="rule-grid">
            {/* Wraps: in French the button's label ("Créer une boîte de réception") left the list no room. */}
            <Group gap="xs" align="flex-end" wrap="wrap">
              <NativeSelect
                label={t('mailboxes.rule.inbox')}
                value={folder.inboxId}
                data={(managed.data?.items ?? [{ id: folder.inboxId, name: inboxName, archived: false }])
                  .filter((i) => !i.archived || i.id === folder.inboxId)
                  .map((i) => ({
                    value: i.id,
                    label: i.name,
                  }))}
                onChange={(e) => update.mutate({ inboxId: e.currentTarget.value })}
                style={{ flex: '1 1 12rem', minWidth: '12rem' }}
              />
              <Button
                variant="subtle"
                size="sm"
                leftSection={<IconPlus size={14} aria-hidden />}
                onClick={() => setCreating(true)}
              >
                {t('inboxes.create.button')}
              </Button>
            </Group>
            <TextInput
              type="date"
              label={t('mailboxes.rule.processFrom')}
              description={t('mailboxes.rule.processFromHint')}
              value={day}
              onChange={(e) => setDay(e.currentTarget.value)}
              onBlur={commitDay}
              onKeyDown={(e) => {
                if (e.key === 'Enter') commitDay();
              }}
              max={dayOf(new Date().toISOString())}
            />
            <div>
              <Switch
                label={t('mailboxes.rule.active')}
                description={
                  !folder.active
                    ? t('mailboxes.rule.activeOff')
                    : folder.blockedBy
                      ? t('mailboxes.rule.activeBlocked')
                      : t('mailboxes.rule.activeOn')
                }
                checked={folder.active}
                onChange={(e) => update.mutate({ active: e.currentTarget.checked })}
                disabled={update.isPending}
                mt={4}
              />
            </div>
          </div>
        ) : (
          <Text size="sm" c="dimmed">
            {t('mailboxes.rule.summary', { inbox: inboxName, date: day })}
          </Text>
        )}
        {canManage && (
          <RuleDetails
            ws={ws}
            folder={folder}
            onChange={(body) => update.mutate(body)}
            busy={update.isPending}
          />
        )}
        {canManage && <RuleOutflow ws={ws} connectorId={connectorId} mailbox={mailbox} folder={folder} />}
        {!folder.active && (
          <Text size="sm" c="orange.8" data-testid="nothing-read">
            {t('mailboxes.rule.nothingRead')}
          </Text>
        )}
        {update.error && (
          <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
            {errorMessage(t, update.error)}
          </Alert>
        )}
        {sync.error && (
          <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
            {errorMessage(t, sync.error)}
          </Alert>
        )}

        <dl className="facts facts-compact" data-testid="folder-status">
          <div>
            <dt>{t('mailboxes.status.lastSync')}</dt>
            <dd>
              {folder.lastSyncAt ? <RelativeTime iso={folder.lastSyncAt} /> : t('mailboxes.status.never')}
            </dd>
          </div>
          <div>
            <dt>{t('mailboxes.status.processed')}</dt>
            <dd data-testid="processed">
              {t('mailboxes.status.processedValue', {
                today: folder.processedToday,
                total: folder.processedTotal,
              })}
            </dd>
          </div>
          <div>
            <dt>{t('mailboxes.status.backlog')}</dt>
            <dd data-testid="backlog">
              {catchingUp
                ? t('mailboxes.status.catchingUp', { count: folder.pending })
                : t('mailboxes.status.upToDate')}
            </dd>
          </div>
          <div>
            <dt>{t('mailboxes.status.failed')}</dt>
            <dd>{folder.failed}</dd>
          </div>
          <DeliveryStatus folder={folder} />
        </dl>
        {folder.lastError && (
          <Alert
            color="orange"
            variant="light"
            icon={<IconAlertCircle aria-hidden />}
            title={t('mailboxes.status.lastError')}
          >
            {folder.lastError}
          </Alert>
        )}
        {canManage && folder.failed > 0 && <FailedList ws={ws} connectorId={connectorId} folder={folder} />}
        {canManage && (folder.filterInflow || folder.filteredToday > 0) && (
          <FilteredEmails ws={ws} folder={folder} />
        )}
      </Stack>
      {canManage && (
        <CreateInboxModal
          ws={ws}
          opened={creating}
          onClose={() => setCreating(false)}
          onCreated={(inbox) => update.mutate({ inboxId: inbox.id })}
        />
      )}
    </Paper>
  );
}
