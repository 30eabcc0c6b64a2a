import {
  Alert,
  Button,
  Checkbox,
  Collapse,
  Group,
  Loader,
  Modal,
  ScrollArea,
  Stack,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconAlertCircle, IconChevronDown, IconChevronRight, IconSearch } from '@tabler/icons-react';
import type {
  Connector,
  DirectoryEntry,
  DirectoryListEntry,
  Mailbox,
  MailboxAccess,
  MailboxDenial,
} from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDirectory, useMoveMailbox, useSetMailboxes, useTestMailboxes } from '../../../api/mailboxes.ts';
import { errorMessage } from '../../../lib/errors.ts';
import { AccessPolicyScript } from '../connector/AccessPolicyScript.tsx';
import { AccessResult, KindBadge } from './AccessResult.tsx';

type Tested = { access: MailboxAccess; detail: string | null; deniedBy: MailboxDenial | null } | 'testing';

function PolicyHelp({
  clientId,
  address,
  kind,
}: {
  clientId: string;
  address: string;
  kind: 'blocked' | 'rbacBlocked';
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <div>
      <UnstyledButton onClick={() => setOpen((o) => !o)} aria-expanded={open} className="disclosure">
        <Group gap={4} wrap="nowrap">
          {open ? <IconChevronDown size={14} aria-hidden /> : <IconChevronRight size={14} aria-hidden />}
          <Text size="sm" c="blue.7">
            {t('mailboxes.edit.showPowershell')}
          </Text>
        </Group>
      </UnstyledButton>
      <Collapse expanded={open}>
        <div style={{ paddingTop: 8 }}>
          <AccessPolicyScript kind={kind} clientId={clientId} mailbox={address} />
        </div>
      </Collapse>
    </div>
  );
}

/** "Edit connected mailboxes": search the directory, tick mailboxes, see each access test, Confirm. */
export function EditMailboxesModal({
  ws,
  connector,
  current,
  opened,
  onClose,
}: {
  ws: string;
  connector: Connector;
  current: Mailbox[];
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const directory = useDirectory(ws, connector.id, debounced, opened);
  const test = useTestMailboxes(ws, connector.id);
  const save = useSetMailboxes(ws, connector.id);
  const move = useMoveMailbox(ws, connector.id);
  const [selected, setSelected] = useState<Map<string, DirectoryEntry>>(
    () =>
      new Map(
        current.map((m) => [
          m.graphUserId,
          { graphUserId: m.graphUserId, address: m.address, displayName: m.displayName, kind: m.kind },
        ]),
      ),
  );
  const [results, setResults] = useState<Map<string, Tested>>(
    () =>
      new Map(
        current.map((m) => [
          m.graphUserId,
          {
            access: m.access,
            detail: m.accessDetail,
            // A stored result keeps no mechanism; "OData is disabled" can only be a policy.
            deniedBy: m.access === 'mailbox_blocked_by_policy' ? 'application_access_policy' : null,
          },
        ]),
      ),
  );
  const clientId = connector.connection?.clientId ?? null;
  const appOnly = connector.connection?.mode !== 'delegated';

  const runTest = (ids: string[]) => {
    setResults((r) => new Map([...r, ...ids.map((id) => [id, 'testing'] as const)]));
    test.mutate(ids, {
      onSuccess: (res) =>
        setResults((r) => {
          const next = new Map(r);
          for (const i of res.items)
            next.set(i.graphUserId, { access: i.access, detail: i.detail, deniedBy: i.deniedBy });
          return next;
        }),
      onError: () =>
        setResults((r) => {
          const next = new Map(r);
          for (const id of ids) next.set(id, { access: 'unknown', detail: null, deniedBy: null });
          return next;
        }),
    });
  };

  const toggle = (e: DirectoryEntry, on: boolean) => {
    setSelected((s) => {
      const next = new Map(s);
      if (on) next.set(e.graphUserId, e);
      else next.delete(e.graphUserId);
      return next;
    });
    if (on && !results.has(e.graphUserId)) runTest([e.graphUserId]);
  };

  // A mailbox another connector reads is moved here (with its folders and documents), never added twice.
  const moveHere = (e: DirectoryListEntry) => {
    if (!e.readBy) return;
    move.mutate(e.readBy.mailboxId, {
      onSuccess: () => {
        setSelected((s) => new Map(s).set(e.graphUserId, e));
        setResults((r) =>
          new Map(r).set(e.graphUserId, { access: 'readable', detail: null, deniedBy: null }),
        );
      },
    });
  };

  const found = directory.data?.items ?? [];
  // The chosen mailboxes stay in view whatever the search.
  const rows: (DirectoryEntry & { readBy?: DirectoryListEntry['readBy'] })[] = [
    ...[...selected.values()].filter((s) => !found.some((f) => f.graphUserId === s.graphUserId)),
    ...found,
  ];
  const testing = [...results.values()].some((r) => r === 'testing');
  const removed = current.filter((m) => !selected.has(m.graphUserId));
  const blocked = [...selected.keys()].filter((id) => {
    const r = results.get(id);
    return r && r !== 'testing' && r.access !== 'readable';
  }).length;

  const close = () => {
    save.reset();
    move.reset();
    onClose();
  };
  const confirm = () =>
    save.mutate([...selected.values()], {
      onSuccess: close,
    });

  return (
    <Modal opened={opened} onClose={close} title={t('mailboxes.edit.title')} size="lg" centered>
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t('mailboxes.edit.intro')}
        </Text>
        <TextInput
          label={t('mailboxes.edit.search')}
          placeholder={t('mailboxes.edit.searchPlaceholder')}
          leftSection={<IconSearch size={16} aria-hidden />}
          rightSection={directory.isFetching ? <Loader size={14} /> : null}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          data-autofocus
          autoComplete="off"
        />
        {directory.isError && (
          <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
            {errorMessage(t, directory.error)}
          </Alert>
        )}
        <ScrollArea.Autosize mah="45vh" type="auto" offsetScrollbars>
          <ul
            className="pick-list"
            aria-label={t('mailboxes.edit.listLabel')}
            aria-busy={directory.isPending}
          >
            {directory.isPending && (
              <li>
                <Group gap="xs">
                  <Loader size="xs" />
                  <Text size="sm" c="dimmed">
                    {t('mailboxes.edit.loading')}
                  </Text>
                </Group>
              </li>
            )}
            {!directory.isPending && rows.length === 0 && (
              <li>
                <Text size="sm" c="dimmed">
                  {t('mailboxes.edit.none')}
                </Text>
              </li>
            )}
            {rows.map((e) => {
              const r = results.get(e.graphUserId);
              const on = selected.has(e.graphUserId);
              const readBy = on ? null : (e.readBy ?? null);
              return (
                <li key={e.graphUserId} data-testid="directory-entry" data-address={e.address}>
                  <Checkbox
                    checked={on}
                    disabled={readBy !== null}
                    onChange={(ev) => toggle(e, ev.currentTarget.checked)}
                    label={
                      <Group gap={6} wrap="wrap">
                        <Text size="sm" fw={600}>
                          {e.displayName}
                        </Text>
                        <KindBadge kind={e.kind} />
                      </Group>
                    }
                    description={e.address}
                    aria-label={`${e.displayName} (${e.address})`}
                  />
                  {readBy && (
                    <div className="pick-result" data-testid="read-by">
                      <Stack gap={4}>
                        <Text size="sm" c="orange.8">
                          {t('mailboxes.edit.readBy', { name: readBy.connectorName })}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {t('mailboxes.edit.readByHint')}
                        </Text>
                        <Button
                          size="compact-sm"
                          variant="light"
                          w="fit-content"
                          loading={move.isPending && move.variables === readBy.mailboxId}
                          disabled={move.isPending}
                          onClick={() => moveHere({ ...e, readBy })}
                        >
                          {t('mailboxes.edit.moveHere')}
                        </Button>
                      </Stack>
                    </div>
                  )}
                  {on && r && (
                    <div className="pick-result">
                      {r === 'testing' ? (
                        <Group gap={6}>
                          <Loader size={12} />
                          <Text size="sm" c="dimmed">
                            {t('mailboxes.edit.testing')}
                          </Text>
                        </Group>
                      ) : (
                        <Stack gap={4}>
                          <AccessResult access={r.access} connector={connector} />
                          {r.deniedBy && appOnly && clientId && (
                            <PolicyHelp
                              clientId={clientId}
                              address={e.address}
                              kind={r.deniedBy === 'rbac_scope' ? 'rbacBlocked' : 'blocked'}
                            />
                          )}
                          {r.access === 'unknown' && (
                            <Button
                              size="compact-xs"
                              variant="subtle"
                              w="fit-content"
                              onClick={() => runTest([e.graphUserId])}
                            >
                              {t('mailboxes.edit.testAgain')}
                            </Button>
                          )}
                        </Stack>
                      )}
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        </ScrollArea.Autosize>
        {blocked > 0 && (
          <Text size="sm" c="orange.8">
            {t('mailboxes.edit.someBlocked', { count: blocked })}
          </Text>
        )}
        {removed.length > 0 && (
          <Alert color="yellow" variant="light" icon={<IconAlertCircle aria-hidden />}>
            {t('mailboxes.edit.removing', {
              count: removed.length,
              names: removed.map((m) => m.address).join(', '),
            })}
          </Alert>
        )}
        {move.error && (
          <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
            {errorMessage(t, move.error)}
          </Alert>
        )}
        {save.error && (
          <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
            {errorMessage(t, save.error)}
          </Alert>
        )}
        <Group justify="space-between" gap="sm">
          <Text size="sm" c="dimmed">
            {t('mailboxes.edit.selected', { count: selected.size })}
          </Text>
          <Group gap="sm">
            <Button variant="default" onClick={close}>
              {t('common.cancel')}
            </Button>
            <Button onClick={confirm} loading={save.isPending} disabled={testing}>
              {t('mailboxes.edit.confirm')}
            </Button>
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}
