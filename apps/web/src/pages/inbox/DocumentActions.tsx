import { Alert, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import {
  IconAlertCircle,
  IconArrowBack,
  IconArrowBackUp,
  IconCheck,
  IconRefresh,
  IconRestore,
  IconTrash,
  IconDoorEnter,
} from '@tabler/icons-react';
import type { Document, DocumentAction } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDocumentAction } from '../../api/documents.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { errorMessage } from '../../lib/errors.ts';

/**
 * Approve, bounce (with a reason), delete, reprocess (after a confirmation), let a filtered email in,
 * restore a deleted document or reopen a bounced one. While one action is on its way the others wait:
 * a second click cannot send a second request.
 */
export function DocumentActions({ ws, doc }: { ws: string; doc: Document }) {
  const { t } = useTranslation();
  const run = useDocumentAction(ws);
  const [bouncing, setBouncing] = useState(false);
  const [reason, setReason] = useState('');
  const [deleting, setDeleting] = useState(false);
  const [reprocessing, setReprocessing] = useState(false);
  const go = (action: DocumentAction, after?: () => void) =>
    run.mutate({ id: doc.id, action }, { onSuccess: () => after?.() });
  const busy = (a: DocumentAction['action']) => run.isPending && run.variables?.action.action === a;
  // Every button is off while an action is pending (the busy one shows its spinner).
  const idle = !run.isPending;
  const s = doc.status;
  return (
    <Stack gap="xs">
      <Group gap="xs" wrap="wrap">
        {s === 'filtered' && (
          <Button
            leftSection={<IconDoorEnter size={16} aria-hidden />}
            onClick={() => idle && go({ action: 'release' })}
            loading={busy('release')}
            disabled={!idle && !busy('release')}
          >
            {t('rules.release')}
          </Button>
        )}
        {s === 'new' && (
          <Button
            color="teal"
            leftSection={<IconCheck size={16} aria-hidden />}
            onClick={() => idle && go({ action: 'approve' })}
            loading={busy('approve')}
            disabled={!idle && !busy('approve')}
          >
            {t('actions.approve')}
          </Button>
        )}
        {(s === 'new' || s === 'approved') && (
          <Button
            variant="default"
            leftSection={<IconArrowBack size={16} aria-hidden />}
            onClick={() => setBouncing(true)}
            disabled={!idle}
          >
            {t('actions.bounce')}
          </Button>
        )}
        {s === 'bounced' && (
          <Button
            leftSection={<IconArrowBackUp size={16} aria-hidden />}
            onClick={() => idle && go({ action: 'reopen' })}
            loading={busy('reopen')}
            disabled={!idle && !busy('reopen')}
          >
            {t('actions.reopen')}
          </Button>
        )}
        {s === 'deleted' && (
          <Button
            leftSection={<IconRestore size={16} aria-hidden />}
            onClick={() => idle && go({ action: 'restore' })}
            loading={busy('restore')}
            disabled={!idle && !busy('restore')}
          >
            {t('actions.restore')}
          </Button>
        )}
        {s !== 'deleted' && (
          <Button
            variant="default"
            leftSection={<IconRefresh size={16} aria-hidden />}
            onClick={() => setReprocessing(true)}
            disabled={!idle}
          >
            {t('actions.reprocess')}
          </Button>
        )}
        {s !== 'deleted' && (
          <Button
            variant="subtle"
            color="red"
            leftSection={<IconTrash size={16} aria-hidden />}
            onClick={() => setDeleting(true)}
            disabled={!idle}
          >
            {t('actions.delete')}
          </Button>
        )}
      </Group>
      {s === 'deleted' && (
        <Text size="sm" c="dimmed">
          {t('actions.inTrash')}
        </Text>
      )}
      {run.error && !bouncing && !deleting && !reprocessing && (
        <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
          {errorMessage(t, run.error)}
        </Alert>
      )}
      <Modal opened={bouncing} onClose={() => setBouncing(false)} title={t('actions.bounceTitle')} centered>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!reason.trim() || !idle) return;
            go({ action: 'bounce', reason: reason.trim() }, () => {
              setBouncing(false);
              setReason('');
            });
          }}
        >
          <Stack gap="md">
            <Textarea
              label={t('actions.bounceReason')}
              description={t('actions.bounceHint')}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              required
              maxLength={1000}
              autosize
              minRows={3}
              data-autofocus
            />
            {run.error && (
              <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
                {errorMessage(t, run.error)}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" type="button" onClick={() => setBouncing(false)}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" disabled={!reason.trim()} loading={busy('bounce')}>
                {t('actions.bounce')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
      <ConfirmDialog
        opened={deleting}
        title={t('actions.deleteTitle')}
        confirmLabel={t('actions.delete')}
        onConfirm={() => idle && go({ action: 'delete' }, () => setDeleting(false))}
        onClose={() => setDeleting(false)}
        loading={busy('delete')}
        error={deleting && run.error ? errorMessage(t, run.error) : null}
        danger
      >
        {t('actions.deleteBody')}
      </ConfirmDialog>
      <ConfirmDialog
        opened={reprocessing}
        title={t('actions.reprocessTitle')}
        confirmLabel={t('actions.reprocess')}
        onConfirm={() => idle && go({ action: 'reprocess' }, () => setReprocessing(false))}
        onClose={() => setReprocessing(false)}
        loading={busy('reprocess')}
        error={reprocessing && run.error ? errorMessage(t, run.error) : null}
      >
        {t('actions.reprocessBody')}
      </ConfirmDialog>
    </Stack>
  );
}
