import { Button, Group, Input, Modal, Text, UnstyledButton } from '@mantine/core';
import { IconFolder } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FolderTreeLevel } from '../../../components/FolderTreeLevel.tsx';

type Pick = (graphFolderId: string, displayName: string) => void;

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
          <FolderTreeLevel
            ws={ws}
            mailboxId={mailboxId}
            parent={null}
            treeLabel={t('outflow.folderTree')}
            isSelected={(id) => id === value}
            renderFolder={(f) => (
              <UnstyledButton
                onClick={() => {
                  onChange(f.graphFolderId, f.displayName);
                  setOpened(false);
                }}
                className="folder-choice"
              >
                <Text size="sm" fw={value === f.graphFolderId ? 700 : 400}>
                  {f.displayName}
                </Text>
              </UnstyledButton>
            )}
          />
        )}
      </Modal>
    </Input.Wrapper>
  );
}
