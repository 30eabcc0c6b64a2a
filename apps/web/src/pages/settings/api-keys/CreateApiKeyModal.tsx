import { Alert, Button, Group, Modal, Radio, Stack, Text, TextInput } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { CreateApiKeyRequest, type ApiKeyScope, type CreatedApiKey } from '@mailroom/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useCreateApiKey } from '../../../api/api-keys.ts';
import { ShownOnce } from '../../../components/ShownOnce.tsx';
import { errorMessage, fieldErrorsOf } from '../../../lib/errors.ts';
import { newIdempotencyKey } from '../../../lib/idempotency-key.ts';
import { dayOf, startOfDay } from '../../../lib/time.ts';
import { useNow } from '../../../lib/useNow.ts';
import { check } from '../../../lib/validate.ts';
import { InboxScopePicker } from '../integrations/InboxScope.tsx';

/** Fields the server may refuse by name; any other refusal is shown above the buttons. */
const FIELDS = ['name', 'scope', 'expiresAt', 'inboxIds'] as const;

function CreateApiKeyForm({
  ws,
  onCreated,
  onClose,
}: {
  ws: string;
  onCreated: (key: CreatedApiKey) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const create = useCreateApiKey(ws);
  // One key per opening of the dialog: a double click on Create sends it twice, the server creates once.
  const [key] = useState(newIdempotencyKey);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<ApiKeyScope>('read');
  const [expiresOn, setExpiresOn] = useState('');
  const [inboxIds, setInboxIds] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const fields = fieldErrorsOf(create.error);
  const general = create.error && !FIELDS.some((f) => fields[f]) ? errorMessage(t, create.error) : null;
  // A key that expires today is expired already: the earliest choice is tomorrow.
  const now = useNow();
  const tomorrow = dayOf(new Date(now + 24 * 3_600_000).toISOString());

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = check(t, CreateApiKeyRequest.shape.name, name);
    setProblem(p);
    if (p) {
      document.getElementById('api-key-name')?.focus();
      return;
    }
    create.mutate(
      {
        body: {
          name: name.trim(),
          scope,
          expiresAt: expiresOn ? startOfDay(expiresOn) : null,
          inboxIds: inboxIds.length ? inboxIds : null,
        },
        key,
      },
      { onSuccess: onCreated },
    );
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <TextInput
          id="api-key-name"
          label={t('apiKeys.fields.name')}
          description={t('apiKeys.create.nameHint')}
          value={name}
          onChange={(e) => {
            setName(e.currentTarget.value);
            setProblem(null);
            if (create.error) create.reset();
          }}
          error={problem ?? fields.name ?? null}
          required
          data-autofocus
          autoComplete="off"
          maxLength={100}
        />
        <Radio.Group
          label={t('apiKeys.fields.scope')}
          value={scope}
          onChange={(v) => setScope(v as ApiKeyScope)}
          error={fields.scope ?? null}
          required
        >
          <Stack gap="xs" mt={6}>
            <Radio value="read" label={t('apiKeys.scopes.read')} description={t('apiKeys.scopeHints.read')} />
            <Radio
              value="read_write"
              label={t('apiKeys.scopes.read_write')}
              description={t('apiKeys.scopeHints.read_write')}
            />
          </Stack>
        </Radio.Group>
        <TextInput
          type="date"
          label={t('apiKeys.fields.expires')}
          description={t('apiKeys.create.expiresHint')}
          value={expiresOn}
          min={tomorrow}
          onChange={(e) => setExpiresOn(e.currentTarget.value)}
          error={fields.expiresAt ?? null}
          w={{ base: '100%', sm: 240 }}
        />
        <InboxScopePicker
          ws={ws}
          value={inboxIds}
          onChange={setInboxIds}
          description={t('apiKeys.create.inboxesHint')}
          error={fields.inboxIds ?? null}
        />
        {general && (
          <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
            {general}
          </Alert>
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" type="button" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={create.isPending}>
            {t('apiKeys.create.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The key, this once; then only its prefix in the list. */
function CreatedKey({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <Stack gap="md">
      <ShownOnce
        title={t('apiKeys.created.title', { name: created.name })}
        label={t('apiKeys.created.key')}
        value={created.key}
      >
        <Text size="sm">{t('apiKeys.created.howTo')}</Text>
        <Text size="sm" className="mono">
          Authorization: Bearer {created.prefix}…
        </Text>
      </ShownOnce>
      <Group justify="flex-end">
        <Button onClick={onDone}>{t('apiKeys.created.done')}</Button>
      </Group>
    </Stack>
  );
}

/**
 * "Create API key": the form, then the new key in the same dialog. Once the key is shown, a click
 * beside the dialog does not close it (the key would be gone); Done or Escape does.
 */
export function CreateApiKeyModal({
  ws,
  opened,
  onClose,
}: {
  ws: string;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const close = () => {
    setCreated(null);
    onClose();
  };
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={created ? t('apiKeys.created.dialogTitle') : t('apiKeys.create.title')}
      size="lg"
      centered
      closeOnClickOutside={!created}
    >
      {/* Mounted only while open, so that every opening starts from an empty form. */}
      {opened &&
        (created ? (
          <CreatedKey created={created} onDone={close} />
        ) : (
          <CreateApiKeyForm ws={ws} onCreated={setCreated} onClose={close} />
        ))}
    </Modal>
  );
}
