import { Alert, Button, Checkbox, Group, Modal, Stack, Text } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import type { Mailbox } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSetFolders } from '../../../api/mailboxes.ts';
import { FolderTreeLevel } from '../../../components/FolderTreeLevel.tsx';
import { errorMessage } from '../../../lib/errors.ts';
import { startOfToday } from '../../../lib/time.ts';

type Picked = Map<string, string>; // graphFolderId → displayName

const inboxNames = /^(inbox|boîte de réception)$/i;

/** The folders to monitor in one mailbox: a lazily loaded tree, Inbox ticked by default. */
export function FolderPickerModal({
  ws,
  connectorId,
  mailbox,
  opened,
  onClose,
}: {
  ws: string;
  connectorId: string;
  mailbox: Mailbox;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const save = useSetFolders(ws, connectorId, mailbox.id);
  const [picked, setPicked] = useState<Picked>(
    () => new Map(mailbox.folders.map((f) => [f.graphFolderId, f.displayName])),
  );
  const toggle = (id: string, name: string, on: boolean) =>
    setPicked((p) => {
      const next = new Map(p);
      if (on) next.set(id, name);
      else next.delete(id);
      return next;
    });
  // First time: the Inbox is ticked.
  const onRootLoaded = (items: { graphFolderId: string; displayName: string }[]) => {
    if (mailbox.folders.length > 0) return;
    const inbox = items.find((i) => inboxNames.test(i.displayName));
    if (inbox) toggle(inbox.graphFolderId, inbox.displayName, true);
  };
  const close = () => {
    save.reset();
    onClose();
  };
  // A newly ticked folder reads mail from the start of today where the user is; the server's own
  // default (the UTC day) is for API clients. Folders already monitored keep their date and cursor.
  const submit = () => {
    const known = new Set(mailbox.folders.map((f) => f.graphFolderId));
    const processFrom = startOfToday();
    save.mutate(
      {
        folders: [...picked].map(([graphFolderId, displayName]) =>
          known.has(graphFolderId)
            ? { graphFolderId, displayName }
            : { graphFolderId, displayName, processFrom },
        ),
      },
      { onSuccess: close },
    );
  };
  const removed = mailbox.folders.filter((f) => !picked.has(f.graphFolderId));
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={t('mailboxes.folders.title', { mailbox: mailbox.address })}
      size="md"
      centered
    >
      {opened && (
        <Stack gap="md">
          <Text size="sm" c="dimmed">
            {t('mailboxes.folders.intro')}
          </Text>
          <FolderTreeLevel
            ws={ws}
            mailboxId={mailbox.id}
            parent={null}
            treeLabel={t('mailboxes.folders.treeLabel')}
            isSelected={(id) => picked.has(id)}
            onLoaded={onRootLoaded}
            renderFolder={(f) => (
              <Checkbox
                checked={picked.has(f.graphFolderId)}
                onChange={(e) => toggle(f.graphFolderId, f.displayName, e.currentTarget.checked)}
                label={f.displayName}
                description={
                  f.totalItemCount !== null
                    ? t('mailboxes.folders.items', { count: f.totalItemCount })
                    : undefined
                }
              />
            )}
          />
          {removed.length > 0 && (
            <Alert color="yellow" variant="light" icon={<IconAlertCircle aria-hidden />}>
              {t('mailboxes.folders.removing', { names: removed.map((f) => f.displayName).join(', ') })}
            </Alert>
          )}
          {save.error && (
            <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
              {errorMessage(t, save.error)}
            </Alert>
          )}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={close}>
              {t('common.cancel')}
            </Button>
            <Button onClick={submit} loading={save.isPending}>
              {t('mailboxes.folders.save')}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
