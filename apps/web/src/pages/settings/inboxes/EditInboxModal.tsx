import { Alert, Button, Group, Modal, MultiSelect, Stack, Text, TextInput } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import type { ManagedInbox, Member } from '@mailroom/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMailboxesOfInbox, useTaxonomy, useUpdateInbox } from '../../../api/inboxes.ts';
import { errorMessage } from '../../../lib/errors.ts';
import { blockedKinds } from '../../../lib/outflow-words.ts';
import { OutflowEditor } from '../outflow/OutflowEditor.tsx';
import { clientErrors, onlyOutflowErrors, serverErrors } from '../outflow/validate.ts';

/**
 * Rename an inbox, choose who is on it, its default document types and what it writes back to
 * Outlook; archive or restore it.
 */
export function EditInboxModal({
  ws,
  inbox,
  members,
  onClose,
}: {
  ws: string;
  inbox: ManagedInbox;
  members: Member[];
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const update = useUpdateInbox(ws);
  const types = useTaxonomy(ws, 'types');
  const [name, setName] = useState(inbox.name);
  const [memberIds, setMemberIds] = useState(inbox.memberIds);
  const [typeIds, setTypeIds] = useState(inbox.documentTypeIds);
  const [outflow, setOutflow] = useState(inbox.outflow);
  const [tried, setTried] = useState(false);
  const outflowChanged = JSON.stringify(outflow) !== JSON.stringify(inbox.outflow);
  const localOutflow = clientErrors(t, outflow);
  // The server refuses an action a connection feeding this inbox may not run: say so before saving.
  const sources = useMailboxesOfInbox(ws, inbox.id).map((m) => ({
    address: m.address,
    permissions: m.outflowPermissions,
  }));
  const blocked =
    outflowChanged &&
    blockedKinds(
      outflow,
      sources.map((m) => m.permissions),
    ).length > 0;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (Object.keys(localOutflow).length > 0) return;
    update.mutate(
      {
        id: inbox.id,
        name: name.trim(),
        memberIds,
        documentTypeIds: typeIds,
        ...(outflowChanged ? { outflow } : {}),
      },
      { onSuccess: onClose },
    );
  };
  const archive = (archived: boolean) => update.mutate({ id: inbox.id, archived }, { onSuccess: onClose });
  return (
    <Modal opened onClose={onClose} title={t('inboxes.edit.title', { name: inbox.name })} size="lg" centered>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput
            label={t('inboxes.create.name')}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            required
            data-autofocus
          />
          <MultiSelect
            label={t('inboxes.edit.access')}
            description={t('inboxes.edit.accessHint')}
            data={members.map((m) => ({ value: m.userId, label: `${m.name} (${m.email})` }))}
            value={memberIds}
            onChange={setMemberIds}
            searchable
            clearable
          />
          <MultiSelect
            label={t('inboxes.edit.types')}
            description={t('inboxes.edit.typesHint')}
            data={(types.data?.items ?? []).map((x) => ({ value: x.id, label: x.name }))}
            value={typeIds}
            onChange={setTypeIds}
            searchable
            clearable
          />
          <OutflowEditor
            ws={ws}
            scope={{ kind: 'inbox', mailboxes: sources }}
            value={outflow}
            onChange={setOutflow}
            errors={{ ...(tried ? localOutflow : {}), ...serverErrors(update.error) }}
            footer={
              blocked && (
                <Text size="xs" c="red.8" data-testid="outflow-blocked">
                  {t('outflow.blocked')}
                </Text>
              )
            }
          />
          {update.error && !onlyOutflowErrors(update.error) && (
            <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
              {errorMessage(t, update.error)}
            </Alert>
          )}
          <Group justify="space-between" gap="sm">
            {inbox.isDefault ? (
              <Text size="xs" c="dimmed" maw={220}>
                {t('inboxes.edit.defaultHint')}
              </Text>
            ) : (
              <Button
                variant="subtle"
                color={inbox.archived ? 'teal' : 'red'}
                type="button"
                onClick={() => archive(!inbox.archived)}
              >
                {inbox.archived ? t('inboxes.edit.restore') : t('inboxes.edit.archive')}
              </Button>
            )}
            <Group gap="sm">
              <Button variant="default" type="button" onClick={onClose}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" loading={update.isPending} disabled={blocked}>
                {t('common.save')}
              </Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
