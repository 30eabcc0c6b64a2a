import { Modal } from '@mantine/core';
import type { WebhookEndpoint } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';
import { useUpdateWebhook } from '../../../api/webhooks.ts';
import { draftOf } from './EndpointFields.tsx';
import { EndpointForm } from './EndpointForm.tsx';

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
  return (
    <EndpointForm
      ws={ws}
      initial={draftOf(endpoint)}
      submitLabel={t('common.save')}
      pending={update.isPending}
      error={update.error}
      reset={update.reset}
      save={(body) => update.mutate(body, { onSuccess: onClose })}
      onClose={onClose}
    />
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
