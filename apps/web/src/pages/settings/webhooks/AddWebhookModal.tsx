import { Button, Group, Modal, Stack } from '@mantine/core';
import { IconArrowRight } from '@tabler/icons-react';
import type { WebhookEndpointWithSecret } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useCreateWebhook } from '../../../api/webhooks.ts';
import { newIdempotencyKey } from '../../../lib/idempotency-key.ts';
import { paths } from '../../../lib/paths.ts';
import { emptyDraft } from './EndpointFields.tsx';
import { EndpointForm } from './EndpointForm.tsx';
import { SigningSecret } from './SigningSecret.tsx';

function AddWebhookForm({
  ws,
  onAdded,
  onClose,
}: {
  ws: string;
  onAdded: (e: WebhookEndpointWithSecret) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const create = useCreateWebhook(ws);
  // One key per opening of the dialog: a double click on Add sends it twice, the server adds once.
  const [key] = useState(newIdempotencyKey);
  return (
    <EndpointForm
      ws={ws}
      initial={emptyDraft}
      submitLabel={t('webhooks.add.submit')}
      pending={create.isPending}
      error={create.error}
      reset={create.reset}
      save={(body) => create.mutate({ body, key }, { onSuccess: onAdded })}
      onClose={onClose}
    />
  );
}

/**
 * "Add endpoint": the form, then the signing secret in the same dialog (shown this once). Once the
 * secret is shown, a click beside the dialog does not close it; "Open the endpoint" or Escape does.
 */
export function AddWebhookModal({
  ws,
  opened,
  onClose,
}: {
  ws: string;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [added, setAdded] = useState<WebhookEndpointWithSecret | null>(null);
  const close = () => {
    setAdded(null);
    onClose();
  };
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={added ? t('webhooks.added.dialogTitle') : t('webhooks.add.title')}
      size="lg"
      centered
      closeOnClickOutside={!added}
    >
      {opened &&
        (added ? (
          <Stack gap="md">
            <SigningSecret title={t('webhooks.added.title', { url: added.url })} secret={added.secret} />
            <Group justify="flex-end">
              <Button
                rightSection={<IconArrowRight size={16} aria-hidden />}
                onClick={() => {
                  close();
                  void navigate(paths.webhook(ws, added.id));
                }}
              >
                {t('webhooks.added.open')}
              </Button>
            </Group>
          </Stack>
        ) : (
          <AddWebhookForm ws={ws} onAdded={setAdded} onClose={close} />
        ))}
    </Modal>
  );
}
