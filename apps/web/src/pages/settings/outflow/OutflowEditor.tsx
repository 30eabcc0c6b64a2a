import { Alert, Button, Group, NativeSelect, Stack, Text, Title } from '@mantine/core';
import { IconInfoCircle, IconPlus } from '@tabler/icons-react';
import type { OutflowAction, OutflowActionKind } from '@mailroom/contracts';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ActionRow } from './ActionRow.tsx';
import { scopeMailboxes, type OutflowScope } from './PermissionNote.tsx';
import type { ActionErrors } from './validate.ts';

export type { OutflowScope, ScopeMailbox } from './PermissionNote.tsx';

const kinds: OutflowActionKind[] = ['category', 'forward', 'move'];
const MAX_ACTIONS = 10;

function blank(kind: OutflowActionKind): OutflowAction {
  const on = 'document.approved';
  switch (kind) {
    case 'category':
      return { kind, on, category: '', color: 'preset7' };
    case 'forward':
      return { kind, on, to: '', comment: '' };
    case 'move':
      return { kind, on, destinationFolderId: '', destinationName: '' };
  }
}

/**
 * "Write back to Outlook": the actions a folder's rule or an inbox sets off, edited as a list (the
 * parent saves it). Says before saving what the connection may not do on the rule's mailbox.
 */
export function OutflowEditor({
  ws,
  scope,
  value,
  onChange,
  errors,
  disabled,
  footer,
}: {
  ws: string;
  scope: OutflowScope;
  value: OutflowAction[];
  onChange: (next: OutflowAction[]) => void;
  /** Field errors to show, by action index (the client's after a save attempt, and the server's). */
  errors: Record<number, ActionErrors>;
  disabled?: boolean;
  /** Under the list: the parent's Save, for instance. */
  footer?: ReactNode;
}) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<OutflowActionKind>('category');
  const set = (i: number, a: OutflowAction) => onChange(value.map((x, j) => (j === i ? a : x)));
  const titleId = `outflow-title-${scope.kind}`;
  const unknown = scopeMailboxes(scope).filter((m) => !m.permissions.known);
  return (
    <section aria-labelledby={titleId} data-testid="outflow-editor" className="outflow-editor">
      <Stack gap="sm">
        <div>
          <Title order={3} size="h5" id={titleId}>
            {t('outflow.title')}
          </Title>
          <Text size="sm" c="dimmed">
            {scope.kind === 'rule' ? t('outflow.introRule') : t('outflow.introInbox')}
          </Text>
        </div>
        {unknown.length > 0 && (
          <Alert
            color="gray"
            variant="light"
            icon={<IconInfoCircle aria-hidden />}
            data-testid="outflow-unknown"
          >
            {scope.kind === 'rule'
              ? t('outflow.unknown')
              : t('outflow.unknownIn', { mailboxes: unknown.map((m) => m.address).join(', ') })}
          </Alert>
        )}
        {value.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('outflow.none')}
          </Text>
        ) : (
          value.map((a, i) => (
            <ActionRow
              key={i}
              ws={ws}
              index={i}
              action={a}
              scope={scope}
              errors={errors[i] ?? {}}
              disabled={disabled}
              onChange={(next) => set(i, next)}
              onRemove={() => onChange(value.filter((_, j) => j !== i))}
            />
          ))
        )}
        {!disabled && (
          <Group gap="xs" align="flex-end">
            <NativeSelect
              label={t('outflow.newAction')}
              value={kind}
              data={kinds.map((k) => ({ value: k, label: t(`outflow.kinds.${k}`) }))}
              onChange={(e) => setKind(e.currentTarget.value as OutflowActionKind)}
            />
            <Button
              variant="default"
              leftSection={<IconPlus size={14} aria-hidden />}
              onClick={() => onChange([...value, blank(kind)])}
              disabled={value.length >= MAX_ACTIONS}
            >
              {t('outflow.add')}
            </Button>
          </Group>
        )}
        <Text size="sm" c="dimmed" data-testid="outflow-new-events-only">
          {t('outflow.newEventsOnly')}
        </Text>
        {footer}
      </Stack>
    </section>
  );
}
