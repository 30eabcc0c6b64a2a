import { ActionIcon, Alert, Button, Checkbox, Group, Loader, Modal, Stack, Text } from '@mantine/core';
import { IconAlertCircle, IconChevronDown, IconChevronRight } from '@tabler/icons-react';
import type { Mailbox } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFolderTree, useSetFolders } from '../../../api/mail.ts';
import { errorMessage } from '../../../lib/errors.ts';

type Picked = Map<string, string>; // graphFolderId → displayName

const inboxNames = /^(inbox|boîte de réception)$/i;

function FolderLevel({
  ws,
  mailboxId,
  parent,
  picked,
  onToggle,
  onLoaded,
}: {
  ws: string;
  mailboxId: string;
  parent: string | null;
  picked: Picked;
  onToggle: (id: string, name: string, on: boolean) => void;
  onLoaded?: (items: { graphFolderId: string; displayName: string }[]) => void;
}) {
  const { t } = useTranslation();
  const tree = useFolderTree(ws, mailboxId, parent);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [seen, setSeen] = useState(false);
  if (tree.data && !seen) {
    setSeen(true);
    onLoaded?.(tree.data.items);
  }
  if (tree.isPending)
    return (
      <Group gap="xs" py={4}>
        <Loader size="xs" />
        <Text size="sm" c="dimmed">
          {t('mailboxes.folders.loading')}
        </Text>
      </Group>
    );
  if (tree.isError)
    return (
      <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
        {errorMessage(t, tree.error)}
      </Alert>
    );
  return (
    <ul
      className="folder-tree"
      role={parent ? 'group' : 'tree'}
      aria-label={parent ? undefined : t('mailboxes.folders.treeLabel')}
    >
      {tree.data.items.map((f) => {
        const expanded = open.has(f.graphFolderId);
        return (
          <li
            key={f.graphFolderId}
            role="treeitem"
            aria-expanded={f.childFolderCount > 0 ? expanded : undefined}
            aria-selected={picked.has(f.graphFolderId)}
          >
            <Group gap={4} wrap="nowrap">
              {f.childFolderCount > 0 ? (
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  size="sm"
                  aria-label={t(expanded ? 'mailboxes.folders.collapse' : 'mailboxes.folders.expand', {
                    name: f.displayName,
                  })}
                  onClick={() =>
                    setOpen((o) => {
                      const next = new Set(o);
                      if (expanded) next.delete(f.graphFolderId);
                      else next.add(f.graphFolderId);
                      return next;
                    })
                  }
                >
                  {expanded ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}
                </ActionIcon>
              ) : (
                <span style={{ width: 22, flex: 'none' }} />
              )}
              <Checkbox
                checked={picked.has(f.graphFolderId)}
                onChange={(e) => onToggle(f.graphFolderId, f.displayName, e.currentTarget.checked)}
                label={f.displayName}
                description={
                  f.totalItemCount !== null
                    ? t('mailboxes.folders.items', { count: f.totalItemCount })
                    : undefined
                }
              />
            </Group>
            {expanded && (
              <div className="folder-children">
                <FolderLevel
                  ws={ws}
                  mailboxId={mailboxId}
                  parent={f.graphFolderId}
                  picked={picked}
                  onToggle={onToggle}
                />
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}

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
  const submit = () =>
    save.mutate(
      { folders: [...picked].map(([graphFolderId, displayName]) => ({ graphFolderId, displayName })) },
      { onSuccess: close },
    );
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
          <FolderLevel
            ws={ws}
            mailboxId={mailbox.id}
            parent={null}
            picked={picked}
            onToggle={toggle}
            onLoaded={onRootLoaded}
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
