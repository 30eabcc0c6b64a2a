import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import {
  IconAlertCircle,
  IconCircleCheck,
  IconKey,
  IconPencil,
  IconPlayerPause,
  IconPlayerPlay,
  IconSend,
  IconTrash,
} from '@tabler/icons-react';
import type { WebhookEndpoint } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import {
  useDeleteWebhook,
  useRotateWebhookSecret,
  useSendTestEvent,
  useUpdateWebhook,
} from '../../../api/webhooks.ts';
import { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';
import { errorMessage } from '../../../lib/errors.ts';
import { paths } from '../../../lib/paths.ts';
import { EditWebhookModal } from './EditWebhookModal.tsx';

/** Enable or disable: one mutation, shared with the disabled notice's Enable button. */
export function useToggleEndpoint(ws: string, endpoint: WebhookEndpoint) {
  const update = useUpdateWebhook(ws, endpoint.id);
  return {
    toggle: (enabled: boolean) => update.mutate({ enabled }),
    pending: update.isPending,
    error: update.error,
    reset: update.reset,
  };
}

/**
 * Edit, enable/disable, rotate the secret, send a test event, delete. Each button is busy while its
 * request runs, so a second press sends nothing. A rotation's new secret goes to `onRotated`.
 */
export function EndpointActions({
  ws,
  endpoint,
  toggle,
  onRotated,
}: {
  ws: string;
  endpoint: WebhookEndpoint;
  toggle: ReturnType<typeof useToggleEndpoint>;
  onRotated: (secret: string) => void;
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const rotate = useRotateWebhookSecret(ws, endpoint.id);
  const test = useSendTestEvent(ws, endpoint.id);
  const del = useDeleteWebhook(ws, endpoint.id);
  const [editing, setEditing] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const failed = toggle.error ?? test.error;
  return (
    <Stack gap="sm">
      <Group gap="xs" wrap="wrap">
        <Button
          variant="default"
          leftSection={<IconPencil size={16} aria-hidden />}
          onClick={() => setEditing(true)}
        >
          {t('common.edit')}
        </Button>
        <Button
          variant="default"
          leftSection={
            endpoint.enabled ? (
              <IconPlayerPause size={16} aria-hidden />
            ) : (
              <IconPlayerPlay size={16} aria-hidden />
            )
          }
          loading={toggle.pending}
          onClick={() => toggle.toggle(!endpoint.enabled)}
        >
          {endpoint.enabled ? t('webhooks.actions.disable') : t('webhooks.actions.enable')}
        </Button>
        <Button
          variant="default"
          leftSection={<IconKey size={16} aria-hidden />}
          onClick={() => setRotating(true)}
        >
          {t('webhooks.actions.rotate')}
        </Button>
        <Button
          variant="default"
          leftSection={<IconSend size={16} aria-hidden />}
          loading={test.isPending}
          onClick={() => test.mutate()}
        >
          {t('webhooks.actions.test')}
        </Button>
        <Button
          variant="subtle"
          color="red"
          leftSection={<IconTrash size={16} aria-hidden />}
          onClick={() => setDeleting(true)}
        >
          {t('webhooks.actions.delete')}
        </Button>
      </Group>
      <div role="status" aria-live="polite">
        {test.isSuccess && (
          <Alert
            color="teal"
            variant="light"
            icon={<IconCircleCheck aria-hidden />}
            withCloseButton
            closeButtonLabel={t('common.dismiss')}
            onClose={() => test.reset()}
          >
            <Text size="sm">
              {endpoint.enabled ? t('webhooks.test.queued') : t('webhooks.test.queuedDisabled')}
            </Text>
          </Alert>
        )}
      </div>
      {failed && (
        <Alert
          color="red"
          icon={<IconAlertCircle aria-hidden />}
          role="alert"
          withCloseButton
          closeButtonLabel={t('common.dismiss')}
          onClose={() => {
            toggle.reset();
            test.reset();
          }}
        >
          {errorMessage(t, failed)}
        </Alert>
      )}
      <EditWebhookModal ws={ws} endpoint={endpoint} opened={editing} onClose={() => setEditing(false)} />
      <ConfirmDialog
        opened={rotating}
        title={t('webhooks.rotate.title')}
        confirmLabel={t('webhooks.rotate.confirm')}
        loading={rotate.isPending}
        error={rotate.error ? errorMessage(t, rotate.error) : null}
        onClose={() => {
          setRotating(false);
          rotate.reset();
        }}
        onConfirm={() =>
          rotate.mutate(undefined, {
            onSuccess: (answer) => {
              setRotating(false);
              onRotated(answer.secret);
            },
          })
        }
      >
        {t('webhooks.rotate.body')}
      </ConfirmDialog>
      <ConfirmDialog
        opened={deleting}
        title={t('webhooks.remove.title')}
        confirmLabel={t('webhooks.remove.confirm')}
        danger
        loading={del.isPending}
        error={del.error ? errorMessage(t, del.error) : null}
        onClose={() => {
          setDeleting(false);
          del.reset();
        }}
        onConfirm={() =>
          del.mutate(undefined, {
            onSuccess: () => {
              setDeleting(false);
              void navigate(paths.settings(ws, 'webhooks'), { state: { deleted: endpoint.url } });
            },
          })
        }
      >
        {t('webhooks.remove.body', { url: endpoint.url })}
      </ConfirmDialog>
    </Stack>
  );
}
