import { Alert, Button, Group, Modal, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { ConnectorName, connectorTypes, type ConnectorType } from '@mailroom/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useCreateConnector } from '../api/connectors.ts';
import { errorMessage, fieldErrorsOf } from '../lib/errors.ts';
import { newIdempotencyKey } from '../lib/idempotency-key.ts';
import { paths } from '../lib/paths.ts';
import { check } from '../lib/validate.ts';

const NAME_MAX = 80;

function CreateConnectorForm({ ws, onClose }: { ws: string; onClose: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const create = useCreateConnector(ws);
  const [name, setName] = useState('');
  const [type, setType] = useState<ConnectorType>('microsoft365');
  const [nameError, setNameError] = useState<string | null>(null);
  const [touched, setTouched] = useState(false);
  // One key per opening of the dialog: a double click on Create sends it twice, the server creates once.
  const [key] = useState(newIdempotencyKey);

  const serverFields = fieldErrorsOf(create.error);
  const shownNameError = nameError ?? serverFields.name ?? null;
  const typeError = serverFields.type ?? null;
  const generalError =
    create.error && !serverFields.name && !serverFields.type ? errorMessage(t, create.error) : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problem = check(t, ConnectorName, name);
    setTouched(true);
    setNameError(problem);
    if (problem) {
      document.getElementById('connector-name')?.focus();
      return;
    }
    if (create.isPending) return;
    create.mutate(
      { body: { name: name.trim(), type }, key },
      {
        onSuccess: (connector) => {
          onClose();
          void navigate(paths.connector(ws, connector.id), { state: { created: true } });
        },
      },
    );
  };

  const length = name.trim().length;
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t('connectors.create.intro')}
        </Text>
        {generalError && (
          <Alert
            color="red"
            icon={<IconAlertCircle aria-hidden />}
            role="alert"
            title={t('connectors.create.failed')}
          >
            {generalError}
          </Alert>
        )}
        <TextInput
          id="connector-name"
          label={t('connectors.fields.name')}
          description={t('connectors.create.nameHint')}
          placeholder={t('connectors.create.namePlaceholder')}
          value={name}
          onChange={(e) => {
            setName(e.currentTarget.value);
            if (touched) setNameError(check(t, ConnectorName, e.currentTarget.value));
            if (create.error) create.reset();
          }}
          onBlur={() => {
            if (name !== '') {
              setTouched(true);
              setNameError(check(t, ConnectorName, name));
            }
          }}
          error={shownNameError}
          required
          data-autofocus
          autoComplete="off"
          rightSectionWidth={64}
          rightSection={
            <Text size="xs" c={length > NAME_MAX ? 'red' : 'dimmed'} aria-hidden>
              {length}/{NAME_MAX}
            </Text>
          }
        />
        <NativeSelect
          label={t('connectors.fields.type')}
          description={t('connectors.create.typeHint')}
          value={type}
          onChange={(e) => setType(e.currentTarget.value as ConnectorType)}
          data={connectorTypes.map((value) => ({ value, label: t(`connectors.types.${value}`) }))}
          error={typeError}
          required
        />
        <Group justify="flex-end" gap="sm" mt="xs">
          <Button variant="default" onClick={onClose} type="button">
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={create.isPending}>
            {t('connectors.create.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function CreateConnectorModal({
  ws,
  opened,
  onClose,
}: {
  ws: string;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={t('connectors.create.title')} size="md" centered>
      {/* Mounted only while open, so that every opening starts from an empty form. */}
      {opened && <CreateConnectorForm ws={ws} onClose={onClose} />}
    </Modal>
  );
}
