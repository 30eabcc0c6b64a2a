import { ActionIcon, Alert, Button, Group, Input, Loader, Modal, Text, UnstyledButton } from '@mantine/core';
import { IconAlertCircle, IconChevronDown, IconChevronRight, IconFolder } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFolderTree } from '../../../api/mail.ts';
import { errorMessage } from '../../../lib/errors.ts';

type Pick = (graphFolderId: string, displayName: string) => void;

/** One level of the mailbox's folder tree (children load when a folder is opened). */
function Level({
  ws,
  mailboxId,
  parent,
  selected,
  onPick,
}: {
  ws: string;
  mailboxId: string;
  parent: string | null;
  selected: string;
  onPick: Pick;
}) {
  const { t } = useTranslation();
  const tree = useFolderTree(ws, mailboxId, parent);
  const [open, setOpen] = useState<Set<string>>(new Set());
  if (tree.isPending) return <Loader size="xs" m={4} aria-label={t('mailboxes.folders.loading')} />;
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
      aria-label={parent ? undefined : t('outflow.folderTree')}
    >
      {tree.data.items.map((f) => {
        const expanded = open.has(f.graphFolderId);
        const toggle = () =>
          setOpen((o) => {
            const next = new Set(o);
            if (expanded) next.delete(f.graphFolderId);
            else next.add(f.graphFolderId);
            return next;
          });
        return (
          <li
            key={f.graphFolderId}
            role="treeitem"
            aria-selected={selected === f.graphFolderId}
            aria-expanded={f.childFolderCount > 0 ? expanded : undefined}
          >
            <Group gap={4} wrap="nowrap">
              {f.childFolderCount > 0 ? (
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  size="sm"
                  onClick={toggle}
                  aria-label={t(expanded ? 'mailboxes.folders.collapse' : 'mailboxes.folders.expand', {
                    name: f.displayName,
                  })}
                >
                  {expanded ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}
                </ActionIcon>
              ) : (
                <span style={{ width: 22, flex: 'none' }} />
              )}
              <UnstyledButton
                onClick={() => onPick(f.graphFolderId, f.displayName)}
                className="folder-choice"
              >
                <Text size="sm" fw={selected === f.graphFolderId ? 700 : 400}>
                  {f.displayName}
                </Text>
              </UnstyledButton>
            </Group>
            {expanded && (
              <div className="folder-children">
                <Level
                  ws={ws}
                  mailboxId={mailboxId}
                  parent={f.graphFolderId}
                  selected={selected}
                  onPick={onPick}
                />
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** A folder of the rule's mailbox, picked in its folder tree (move actions). */
export function FolderChoice({
  ws,
  mailboxId,
  mailboxAddress,
  value,
  name,
  error,
  onChange,
}: {
  ws: string;
  mailboxId: string;
  mailboxAddress: string;
  value: string;
  name: string;
  error?: string;
  onChange: Pick;
}) {
  const { t } = useTranslation();
  const [opened, setOpened] = useState(false);
  return (
    <Input.Wrapper label={t('outflow.destination')} error={error}>
      <Group gap="xs" wrap="nowrap" mt={4}>
        {value && (
          <Group gap={4} wrap="nowrap" data-testid="move-destination">
            <IconFolder size={16} aria-hidden />
            <Text size="sm">{name}</Text>
          </Group>
        )}
        <Button size="xs" variant="default" onClick={() => setOpened(true)}>
          {value ? t('outflow.changeFolder') : t('outflow.chooseFolder')}
        </Button>
      </Group>
      <Modal
        opened={opened}
        onClose={() => setOpened(false)}
        title={t('outflow.folderTitle', { mailbox: mailboxAddress })}
        centered
      >
        {opened && (
          <Level
            ws={ws}
            mailboxId={mailboxId}
            parent={null}
            selected={value}
            onPick={(id, displayName) => {
              onChange(id, displayName);
              setOpened(false);
            }}
          />
        )}
      </Modal>
    </Input.Wrapper>
  );
}
