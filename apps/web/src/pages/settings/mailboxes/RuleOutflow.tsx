import { Alert, Button, Group, Text } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import type { FolderStatus, Mailbox, OutflowAction } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSaveFolderOutflow } from '../../../api/mailboxes.ts';
import { errorMessage } from '../../../lib/errors.ts';
import { blockedKinds } from '../../../lib/outflow-words.ts';
import { OutflowEditor } from '../outflow/OutflowEditor.tsx';
import { clientErrors, onlyOutflowErrors, serverErrors } from '../outflow/validate.ts';

const same = (a: OutflowAction[], b: OutflowAction[]) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The rule's "Write back to Outlook" actions: edited as a draft, saved together. Save stays off while
 * an action needs a permission Microsoft has not granted on this mailbox.
 */
export function RuleOutflow({
  ws,
  connectorId,
  mailbox,
  folder,
}: {
  ws: string;
  connectorId: string;
  mailbox: Mailbox;
  folder: FolderStatus;
}) {
  const { t } = useTranslation();
  const save = useSaveFolderOutflow(ws, connectorId, folder.id);
  const [draft, setDraft] = useState(folder.outflow);
  const [base, setBase] = useState(folder.outflow);
  const [tried, setTried] = useState(false);
  // The list refetches every few seconds: follow the server unless the draft has unsaved changes.
  if (!same(base, folder.outflow)) {
    setBase(folder.outflow);
    if (same(draft, base)) setDraft(folder.outflow);
  }
  const dirty = !same(draft, folder.outflow);
  const blocked = blockedKinds(draft, [mailbox.outflowPermissions]);
  const local = clientErrors(t, draft);
  const errors = { ...(tried ? local : {}), ...serverErrors(save.error) };
  const edit = (next: OutflowAction[]) => {
    setDraft(next);
    if (save.error) save.reset();
  };
  const submit = () => {
    setTried(true);
    if (Object.keys(local).length > 0) return;
    save.mutate(draft, {
      onSuccess: (f) => {
        setTried(false);
        setBase(f.outflow);
        setDraft(f.outflow);
      },
    });
  };
  const discard = () => {
    setDraft(folder.outflow);
    setTried(false);
    save.reset();
  };
  return (
    <OutflowEditor
      ws={ws}
      scope={{
        kind: 'rule',
        mailboxId: mailbox.id,
        mailbox: { address: mailbox.address, permissions: mailbox.outflowPermissions },
      }}
      value={draft}
      onChange={edit}
      errors={errors}
      footer={
        <>
          {save.error && !onlyOutflowErrors(save.error) && (
            <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
              {errorMessage(t, save.error)}
            </Alert>
          )}
          {(dirty || save.isSuccess) && (
            <Group gap="xs">
              {dirty ? (
                <>
                  <Button size="xs" onClick={submit} loading={save.isPending} disabled={blocked.length > 0}>
                    {t('outflow.save')}
                  </Button>
                  <Button size="xs" variant="subtle" color="gray" onClick={discard}>
                    {t('outflow.discard')}
                  </Button>
                  {blocked.length > 0 && (
                    <Text size="xs" c="red.8" data-testid="outflow-blocked">
                      {t('outflow.blocked')}
                    </Text>
                  )}
                </>
              ) : (
                <Text size="xs" c="teal.8" role="status">
                  {t('outflow.saved')}
                </Text>
              )}
            </Group>
          )}
        </>
      }
    />
  );
}
