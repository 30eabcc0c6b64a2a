import { Alert, Button, Group, Modal, Stack } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import type { WebhookEndpoint } from '@mailroom/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useUpdateWebhook } from '../../../api/webhooks.ts';
import { errorMessage, fieldErrorsOf } from '../../../lib/errors.ts';
import { ENDPOINT_FIELDS, EndpointFields, bodyOf, draftOf, urlProblem } from './EndpointFields.tsx';

function EditWebhookForm({
  ws,
  endpoint,
  onClose,
}: {
  ws: string;
  endpoint: WebhookEndpoint;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const update = useUpdateWebhook(ws, endpoint.id);
  const [draft, setDraft] = useState(() => draftOf(endpoint));
  const [problem, setProblem] = useState<string | null>(null);
  const fields = fieldErrorsOf(update.error);
  const general =
    update.error && !ENDPOINT_FIELDS.some((f) => fields[f]) ? errorMessage(t, update.error) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = urlProblem(t, draft.url);
    setProblem(p);
    if (p) {
      document.getElementById('webhook-url')?.focus();
      return;
    }
    update.mutate(bodyOf(draft), { onSuccess: onClose });
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <EndpointFields
          ws={ws}
          draft={draft}
          onChange={(d) => {
            setDraft(d);
            if (d.url !== draft.url) setProblem(null);
            if (update.error) update.reset();
          }}
          errors={{ ...fields, url: problem ?? fields.url ?? null }}
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
          <Button type="submit" loading={update.isPending}>
            {t('common.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Change an endpoint's URL, description, event types and inboxes (new deliveries only). */
export function EditWebhookModal({
  ws,
  endpoint,
  opened,
  onClose,
}: {
  ws: string;
  endpoint: WebhookEndpoint;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={t('webhooks.edit.title')} size="lg" centered>
      {/* Mounted only while open, so that every opening starts from what the endpoint is now. */}
      {opened && <EditWebhookForm ws={ws} endpoint={endpoint} onClose={onClose} />}
    </Modal>
  );
}
