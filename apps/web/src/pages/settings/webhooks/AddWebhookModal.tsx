import { Alert, Button, Group, Modal, Stack } from '@mantine/core';
import { IconAlertCircle, IconArrowRight } from '@tabler/icons-react';
import type { WebhookEndpointWithSecret } from '@mailroom/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useCreateWebhook } from '../../../api/webhooks.ts';
import { errorMessage, fieldErrorsOf } from '../../../lib/errors.ts';
import { paths } from '../../../lib/paths.ts';
import { ENDPOINT_FIELDS, EndpointFields, bodyOf, emptyDraft, urlProblem } from './EndpointFields.tsx';
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
  const [draft, setDraft] = useState(emptyDraft);
  const [problem, setProblem] = useState<string | null>(null);
  const fields = fieldErrorsOf(create.error);
  const general =
    create.error && !ENDPOINT_FIELDS.some((f) => fields[f]) ? errorMessage(t, create.error) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = urlProblem(t, draft.url);
    setProblem(p);
    if (p) {
      document.getElementById('webhook-url')?.focus();
      return;
    }
    create.mutate(bodyOf(draft), { onSuccess: onAdded });
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
            if (create.error) create.reset();
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
          <Button type="submit" loading={create.isPending}>
            {t('webhooks.add.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
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
