import {
  ActionIcon,
  ColorSwatch,
  Group,
  NativeSelect,
  Paper,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import {
  categoryColors,
  outflowTriggers,
  type OutflowAction,
  type OutflowTrigger,
} from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';
import { categorySwatches, wellKnownFolders } from '../../../lib/outflow-words.ts';
import { FolderChoice } from './FolderChoice.tsx';
import { PermissionNote, type OutflowScope } from './PermissionNote.tsx';
import type { ActionErrors } from './validate.ts';

/** One action of the list: its trigger, its fields by kind, and what the connection allows. */
export function ActionRow({
  ws,
  index,
  action,
  scope,
  errors,
  disabled,
  onChange,
  onRemove,
}: {
  ws: string;
  index: number;
  action: OutflowAction;
  scope: OutflowScope;
  errors: ActionErrors;
  disabled?: boolean;
  onChange: (next: OutflowAction) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const n = index + 1;
  return (
    <Paper withBorder radius="sm" p="sm" component="fieldset" className="outflow-action" disabled={disabled}>
      <legend className="visually-hidden">
        {t('outflow.actionN', { n, kind: t(`outflow.kinds.${action.kind}`) })}
      </legend>
      <Stack gap="xs" data-testid="outflow-action" data-kind={action.kind}>
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Text size="sm" fw={600} aria-hidden>
            {t('outflow.actionN', { n, kind: t(`outflow.kinds.${action.kind}`) })}
          </Text>
          <ActionIcon
            variant="subtle"
            color="gray"
            onClick={onRemove}
            aria-label={t('outflow.remove', { n })}
          >
            <IconTrash size={14} aria-hidden />
          </ActionIcon>
        </Group>
        <div className="rule-grid">
          <NativeSelect
            label={t('outflow.when')}
            value={action.on}
            data={outflowTriggers.map((on) => ({ value: on, label: t(`outflow.triggers.${on}`) }))}
            onChange={(e) => onChange({ ...action, on: e.currentTarget.value as OutflowTrigger })}
          />
          {action.kind === 'category' && (
            <>
              <TextInput
                label={t('outflow.category')}
                value={action.category}
                maxLength={255}
                onChange={(e) => onChange({ ...action, category: e.currentTarget.value })}
                error={errors.category}
              />
              <NativeSelect
                label={t('outflow.color')}
                description={t('outflow.colorHint')}
                value={action.color}
                leftSection={
                  <ColorSwatch color={categorySwatches[action.color] ?? 'transparent'} size={14} />
                }
                data={categoryColors.map((c) => ({ value: c, label: t(`outflow.colors.${c}`) }))}
                onChange={(e) => onChange({ ...action, color: e.currentTarget.value })}
                error={errors.color}
              />
            </>
          )}
          {action.kind === 'forward' && (
            <TextInput
              label={t('outflow.forwardTo')}
              type="email"
              value={action.to}
              maxLength={320}
              onChange={(e) => onChange({ ...action, to: e.currentTarget.value.trim() })}
              error={errors.to}
            />
          )}
          {action.kind === 'move' &&
            (scope.kind === 'rule' ? (
              <FolderChoice
                ws={ws}
                mailboxId={scope.mailboxId}
                mailboxAddress={scope.mailbox.address}
                value={action.destinationFolderId}
                name={action.destinationName}
                error={errors.destinationFolderId ?? errors.destinationName}
                onChange={(destinationFolderId, destinationName) =>
                  onChange({ ...action, destinationFolderId, destinationName })
                }
              />
            ) : (
              <NativeSelect
                label={t('outflow.destination')}
                description={t('outflow.wellKnownHint')}
                value={action.destinationFolderId}
                data={[
                  ...(action.destinationFolderId ? [] : [{ value: '', label: t('outflow.chooseFolder') }]),
                  ...wellKnownFolders.map((f) => ({ value: f, label: t(`outflow.wellKnown.${f}`) })),
                ]}
                onChange={(e) => {
                  const id = e.currentTarget.value;
                  // The name the server stores: the English one, as Outlook names these folders.
                  onChange({
                    ...action,
                    destinationFolderId: id,
                    destinationName: t(`outflow.wellKnown.${id}`, { lng: 'en' }),
                  });
                }}
                error={errors.destinationFolderId ?? errors.destinationName}
              />
            ))}
        </div>
        {action.kind === 'forward' && (
          <Textarea
            label={t('outflow.comment')}
            description={t('outflow.commentHint')}
            value={action.comment}
            maxLength={4000}
            autosize
            minRows={2}
            onChange={(e) => onChange({ ...action, comment: e.currentTarget.value })}
            error={errors.comment}
          />
        )}
        {errors[''] && (
          <Text size="sm" c="red.8" role="alert">
            {errors['']}
          </Text>
        )}
        <PermissionNote action={action} scope={scope} />
      </Stack>
    </Paper>
  );
}
