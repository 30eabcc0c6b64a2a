import { Alert, Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { CreateInboxRequest, type Inbox } from '@mailroom/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useCreateInbox } from '../api/inboxes.ts';
import { errorMessage, fieldErrorsOf } from '../lib/errors.ts';
import { newIdempotencyKey } from '../lib/idempotency-key.ts';
import { check } from '../lib/validate.ts';

/** "Create inbox": a name, then the new inbox is handed back to whoever asked. */
export function CreateInboxModal({
  ws,
  opened,
  onClose,
  onCreated,
}: {
  ws: string;
  opened: boolean;
  onClose: () => void;
  onCreated?: (inbox: Inbox) => void;
}) {
  const { t } = useTranslation();
  const create = useCreateInbox(ws);
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  // One Idempotency-Key per opening: a double click on Create inbox creates one (decision 0019).
  const [key, setKey] = useState(newIdempotencyKey);
  const close = () => {
    setName('');
    setProblem(null);
    setKey(newIdempotencyKey());
    create.reset();
    onClose();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = check(t, CreateInboxRequest.shape.name, name);
    setProblem(p);
    if (p || create.isPending) return;
    create.mutate(
      { name: name.trim(), key },
      {
        onSuccess: (inbox) => {
          onCreated?.(inbox);
          close();
        },
      },
    );
  };
  const serverField = fieldErrorsOf(create.error).name;
  return (
    <Modal opened={opened} onClose={close} title={t('inboxes.create.title')} centered size="sm">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput
            label={t('inboxes.create.name')}
            description={t('inboxes.create.nameHint')}
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              setProblem(null);
            }}
            error={problem ?? serverField}
            required
            data-autofocus
            autoComplete="off"
          />
          {create.error && !serverField && (
            <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
              {errorMessage(t, create.error)}
            </Alert>
          )}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" type="button" onClick={close}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={create.isPending}>
              {t('inboxes.create.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
