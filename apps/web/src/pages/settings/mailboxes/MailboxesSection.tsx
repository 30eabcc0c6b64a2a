import {
  Alert,
  Anchor,
  Button,
  Checkbox,
  Group,
  Modal,
  NativeSelect,
  Paper,
  Radio,
  Skeleton,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import {
  IconAlertCircle,
  IconCircleCheck,
  IconFolders,
  IconMailForward,
  IconPencil,
  IconRefresh,
} from '@tabler/icons-react';
import type { Connector, Mailbox } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '@mailroom/contracts';
import { http } from '../../../api/client.ts';
import { mailboxKeys, useMailboxes } from '../../../api/mailboxes.ts';
import { useSendTestEmail } from '../../../api/sandbox.ts';
import { useSession } from '../../../api/session.ts';
import { errorMessage } from '../../../lib/errors.ts';
import { paths } from '../../../lib/paths.ts';
import { AccessResult, KindBadge } from './AccessResult.tsx';
import { EditMailboxesModal } from './EditMailboxesModal.tsx';
import { FolderPanel } from './FolderPanel.tsx';
import { FolderPickerModal } from './FolderPickerModal.tsx';

function MailboxCard({
  ws,
  connector,
  mailbox,
  canManage,
}: {
  ws: string;
  connector: Connector;
  mailbox: Mailbox;
  canManage: boolean;
}) {
  const { t } = useTranslation();
  const [picking, setPicking] = useState(false);
  return (
    <Paper
      withBorder
      radius="md"
      p="lg"
      component="section"
      data-testid="mailbox"
      data-address={mailbox.address}
      aria-label={mailbox.address}
    >
      <Stack gap="md">
        <Group justify="space-between" wrap="wrap" gap="sm" align="flex-start">
          <div style={{ minWidth: 0 }}>
            <Group gap="xs" wrap="wrap">
              <Title order={3} size="h5">
                {mailbox.displayName}
              </Title>
              <KindBadge kind={mailbox.kind} />
            </Group>
            <Text size="sm" c="dimmed">
              {mailbox.address}
            </Text>
            <div style={{ marginTop: 6 }}>
              {mailbox.blockedBy ? (
                // The connector's own loss of access outranks the mailbox's last test: it is not read.
                <Text size="sm" c="red.8" data-testid="mailbox-blocked" data-cause={mailbox.blockedBy.cause}>
                  {t('mailboxes.access.blockedByConnector')}
                </Text>
              ) : (
                <AccessResult access={mailbox.access} connector={connector} />
              )}
            </div>
          </div>
          {canManage && (
            <Button
              variant="default"
              size="sm"
              leftSection={<IconFolders size={16} aria-hidden />}
              onClick={() => setPicking(true)}
            >
              {mailbox.folders.length ? t('mailboxes.folders.edit') : t('mailboxes.folders.choose')}
            </Button>
          )}
        </Group>
        {mailbox.folders.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('mailboxes.folders.none')}
          </Text>
        ) : (
          <Stack gap="sm">
            {mailbox.folders.map((f) => (
              <FolderPanel
                key={f.id}
                ws={ws}
                connectorId={connector.id}
                mailbox={mailbox}
                folder={f}
                canManage={canManage}
              />
            ))}
          </Stack>
        )}
      </Stack>
      {canManage && picking && (
        <FolderPickerModal
          ws={ws}
          connectorId={connector.id}
          mailbox={mailbox}
          opened={picking}
          onClose={() => setPicking(false)}
        />
      )}
    </Paper>
  );
}

/** Sandbox only: deliver a generated email into one of the mailboxes, then sync it in. */
function TestEmail({
  ws,
  connectorId,
  mailboxes,
}: {
  ws: string;
  connectorId: string;
  mailboxes: Mailbox[];
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const send = useSendTestEmail(ws, connectorId);
  const [opened, setOpened] = useState(false);
  const [address, setAddress] = useState(mailboxes[0]?.address ?? '');
  const [sender, setSender] = useState<'internal' | 'external'>('external');
  const [attachments, setAttachments] = useState(true);
  const [sent, setSent] = useState<{ subject: string; address: string } | null>(null);
  const [syncing, setSyncing] = useState(false);
  const [synced, setSynced] = useState(false);
  const target = mailboxes.find((m) => m.address === sent?.address);
  const activeFolders = target?.folders.filter((f) => f.active) ?? [];

  const submit = () =>
    send.mutate(
      { address, sender, attachments },
      {
        onSuccess: (r) => {
          setSent({ subject: r.subject, address });
          setSynced(false);
          setOpened(false);
        },
      },
    );
  const syncNow = async () => {
    setSyncing(true);
    try {
      await Promise.all(activeFolders.map((f) => http.post(api.syncFolder(ws, f.id))));
      setSynced(true);
      setTimeout(
        () => void qc.invalidateQueries({ queryKey: mailboxKeys.mailboxes(ws, connectorId) }),
        1_000,
      );
      setTimeout(() => void qc.invalidateQueries({ queryKey: ['ws', ws, 'documents'] }), 2_500);
    } finally {
      setSyncing(false);
    }
  };

  return (
    <>
      <Button
        variant="light"
        color="grape"
        leftSection={<IconMailForward size={16} aria-hidden />}
        onClick={() => {
          if (!mailboxes.some((m) => m.address === address)) setAddress(mailboxes[0]?.address ?? '');
          send.reset();
          setOpened(true);
        }}
      >
        {t('mailboxes.testEmail.button')}
      </Button>
      {sent && (
        <Alert
          color="grape"
          variant="light"
          icon={<IconCircleCheck aria-hidden />}
          title={t('mailboxes.testEmail.sentTitle')}
          withCloseButton
          closeButtonLabel={t('common.dismiss')}
          onClose={() => setSent(null)}
          data-testid="test-email-sent"
          style={{ flexBasis: '100%' }}
        >
          <Stack gap="xs" align="flex-start">
            <Text size="sm">
              {t('mailboxes.testEmail.sentBody', { subject: sent.subject, address: sent.address })}
            </Text>
            {activeFolders.length > 0 ? (
              <Group gap="sm">
                <Button
                  size="xs"
                  leftSection={<IconRefresh size={14} aria-hidden />}
                  onClick={() => void syncNow()}
                  loading={syncing}
                >
                  {t('mailboxes.status.syncNow')}
                </Button>
                {synced && (
                  <Text size="sm" role="status">
                    {t('mailboxes.testEmail.syncing')}{' '}
                    <Anchor component={Link} to={paths.inbox(ws)} size="sm">
                      {t('home.goToInbox')}
                    </Anchor>
                  </Text>
                )}
              </Group>
            ) : (
              <Text size="sm" c="orange.8">
                {t('mailboxes.testEmail.noActiveFolder')}
              </Text>
            )}
          </Stack>
        </Alert>
      )}
      <Modal opened={opened} onClose={() => setOpened(false)} title={t('mailboxes.testEmail.title')} centered>
        <Stack gap="md">
          <Text size="sm" c="dimmed">
            {t('mailboxes.testEmail.intro')}
          </Text>
          <NativeSelect
            label={t('mailboxes.testEmail.mailbox')}
            value={address}
            onChange={(e) => setAddress(e.currentTarget.value)}
            data={mailboxes.map((m) => ({ value: m.address, label: m.address }))}
          />
          <Radio.Group
            label={t('mailboxes.testEmail.sender')}
            value={sender}
            onChange={(v) => setSender(v as 'internal' | 'external')}
          >
            <Stack gap={6} mt={6}>
              <Radio value="external" label={t('mailboxes.testEmail.external')} />
              <Radio value="internal" label={t('mailboxes.testEmail.internal')} />
            </Stack>
          </Radio.Group>
          <Checkbox
            label={t('mailboxes.testEmail.attachments')}
            checked={attachments}
            onChange={(e) => setAttachments(e.currentTarget.checked)}
          />
          {send.error && (
            <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
              {errorMessage(t, send.error)}
            </Alert>
          )}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={() => setOpened(false)}>
              {t('common.cancel')}
            </Button>
            <Button onClick={submit} loading={send.isPending} disabled={!address}>
              {t('mailboxes.testEmail.send')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** The connector's mailboxes, their folders and rules, and how their sync is doing. */
export function MailboxesSection({
  ws,
  connector,
  canManage,
}: {
  ws: string;
  connector: Connector;
  canManage: boolean;
}) {
  const { t } = useTranslation();
  const { data: session } = useSession();
  const list = useMailboxes(ws, connector.id);
  const [editing, setEditing] = useState(false);
  const items = list.data?.items ?? [];
  return (
    <Stack gap="md" component="section" aria-labelledby="mailboxes-title">
      <Group justify="space-between" wrap="wrap" gap="sm">
        <div>
          <Title order={2} size="h3" id="mailboxes-title">
            {t('mailboxes.title')}
          </Title>
          <Text size="sm" c="dimmed" mt={4}>
            {t('mailboxes.intro')}
          </Text>
        </div>
        {canManage && (
          <Button leftSection={<IconPencil size={16} aria-hidden />} onClick={() => setEditing(true)}>
            {t('mailboxes.edit.button')}
          </Button>
        )}
      </Group>
      {session?.sandbox && canManage && items.length > 0 && (
        <Group gap="sm" wrap="wrap">
          <TestEmail ws={ws} connectorId={connector.id} mailboxes={items} />
        </Group>
      )}
      {list.isPending ? (
        <Skeleton h={80} />
      ) : list.isError ? (
        <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
          {errorMessage(t, list.error)}
        </Alert>
      ) : items.length === 0 ? (
        <Paper withBorder radius="md" p="lg">
          <Text size="sm" c="dimmed">
            {canManage ? t('mailboxes.emptyAdmin') : t('mailboxes.empty')}
          </Text>
        </Paper>
      ) : (
        items.map((m) => (
          <MailboxCard key={m.id} ws={ws} connector={connector} mailbox={m} canManage={canManage} />
        ))
      )}
      {canManage && editing && (
        <EditMailboxesModal
          ws={ws}
          connector={connector}
          current={items}
          opened={editing}
          onClose={() => setEditing(false)}
        />
      )}
    </Stack>
  );
}
