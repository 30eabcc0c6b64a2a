import { ActionIcon, Alert, Group, Loader, Text } from '@mantine/core';
import { IconAlertCircle, IconChevronDown, IconChevronRight } from '@tabler/icons-react';
import type { FolderTree } from '@mailroom/contracts';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useFolderTree } from '../api/mailboxes.ts';
import { errorMessage } from '../lib/errors.ts';

export type FolderItem = FolderTree['items'][number];

/**
 * One level of a mailbox's folder tree, as an ARIA tree: children load when a folder is opened. What a
 * folder's row shows (a checkbox, a button) is the caller's; the tree, its loading and its errors
 * are shared by the folder picker and the outflow's move destination.
 */
export function FolderTreeLevel({
  ws,
  mailboxId,
  parent,
  treeLabel,
  isSelected,
  renderFolder,
  onLoaded,
}: {
  ws: string;
  mailboxId: string;
  parent: string | null;
  /** The accessible name of the whole tree (used at the root). */
  treeLabel: string;
  isSelected: (graphFolderId: string) => boolean;
  renderFolder: (f: FolderItem) => ReactNode;
  /** Called once with the level's folders when they have loaded. */
  onLoaded?: (items: FolderItem[]) => void;
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
    <ul className="folder-tree" role={parent ? 'group' : 'tree'} aria-label={parent ? undefined : treeLabel}>
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
            aria-expanded={f.childFolderCount > 0 ? expanded : undefined}
            aria-selected={isSelected(f.graphFolderId)}
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
              {renderFolder(f)}
            </Group>
            {expanded && (
              <div className="folder-children">
                <FolderTreeLevel
                  ws={ws}
                  mailboxId={mailboxId}
                  parent={f.graphFolderId}
                  treeLabel={treeLabel}
                  isSelected={isSelected}
                  renderFolder={renderFolder}
                />
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}
