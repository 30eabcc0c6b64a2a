import { Badge, Button, Paper, Stack, Table, Text } from '@mantine/core';
import type { ApiKey } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useRevokeApiKey } from '../../../api/api-keys.ts';
import { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { errorMessage } from '../../../lib/errors.ts';
import { formatAbsolute, formatDateTime } from '../../../lib/time.ts';
import { useNow } from '../../../lib/useNow.ts';
import { InboxScopeText } from '../integrations/InboxScope.tsx';

type KeyState = 'active' | 'expired' | 'revoked';

function stateOf(k: ApiKey, now: number): KeyState {
  if (k.revokedAt) return 'revoked';
  if (k.expiresAt && new Date(k.expiresAt).getTime() <= now) return 'expired';
  return 'active';
}

const stateColor: Record<KeyState, string> = { active: 'teal', expired: 'orange', revoked: 'red' };

function KeyStateCell({ k, state }: { k: ApiKey; state: KeyState }) {
  const { t } = useTranslation();
  return (
    <Stack gap={2} align="flex-start">
      <Badge size="sm" variant="light" tt="none" color={stateColor[state]}>
        {t(`apiKeys.states.${state}`)}
      </Badge>
      {k.revokedAt && (
        <Text size="xs" c="dimmed">
          <RelativeTime iso={k.revokedAt} />
        </Text>
      )}
    </Stack>
  );
}

function ExpiresCell({ iso }: { iso: string | null }) {
  const { t, i18n } = useTranslation();
  if (!iso) {
    return (
      <Text size="sm" c="dimmed">
        {t('apiKeys.never')}
      </Text>
    );
  }
  const locale = i18n.resolvedLanguage ?? 'en';
  const at = new Date(iso);
  return (
    <Text size="sm" title={formatAbsolute(at, locale)} style={{ whiteSpace: 'nowrap' }}>
      {formatDateTime(at, locale)}
    </Text>
  );
}

/** The workspace's keys, newest first: what each may do and when it was last used; Revoke, confirmed. */
export function ApiKeysTable({ ws, keys }: { ws: string; keys: ApiKey[] }) {
  const { t } = useTranslation();
  const now = useNow();
  const revoke = useRevokeApiKey(ws);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  return (
    <>
      <Paper withBorder radius="md" className="table-card">
        <Table.ScrollContainer minWidth={880}>
          <Table
            verticalSpacing="sm"
            horizontalSpacing="md"
            aria-label={t('apiKeys.tableLabel')}
            className="integrations-table"
          >
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('apiKeys.fields.name')}</Table.Th>
                <Table.Th scope="col">{t('apiKeys.fields.scope')}</Table.Th>
                <Table.Th scope="col">{t('integrations.inboxes')}</Table.Th>
                <Table.Th scope="col">{t('apiKeys.fields.created')}</Table.Th>
                <Table.Th scope="col">{t('apiKeys.fields.lastUsed')}</Table.Th>
                <Table.Th scope="col">{t('apiKeys.fields.expires')}</Table.Th>
                <Table.Th scope="col">{t('apiKeys.fields.state')}</Table.Th>
                <Table.Th scope="col">
                  <span className="visually-hidden">{t('common.actions')}</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {keys.map((k) => {
                const state = stateOf(k, now);
                return (
                  <Table.Tr
                    key={k.id}
                    data-testid="api-key-row"
                    data-state={state}
                    className={state === 'active' ? undefined : 'row-inactive'}
                  >
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {k.name}
                      </Text>
                      <Text size="xs" c="dimmed" className="mono" style={{ whiteSpace: 'nowrap' }}>
                        {k.prefix}…
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{t(`apiKeys.scopes.${k.scope}`)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <InboxScopeText ws={ws} ids={k.inboxIds} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                        <RelativeTime iso={k.createdAt} />
                      </Text>
                      {k.createdBy && (
                        <Text size="xs" c="dimmed">
                          {t('apiKeys.by', { who: k.createdBy })}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text
                        size="sm"
                        c={k.lastUsedAt ? undefined : 'dimmed'}
                        style={{ whiteSpace: 'nowrap' }}
                      >
                        {k.lastUsedAt ? <RelativeTime iso={k.lastUsedAt} /> : t('apiKeys.neverUsed')}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <ExpiresCell iso={k.expiresAt} />
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <KeyStateCell k={k} state={state} />
                    </Table.Td>
                    <Table.Td ta="right">
                      {!k.revokedAt && (
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => setRevoking(k)}
                          aria-label={t('apiKeys.revoke.for', { name: k.name })}
                        >
                          {t('apiKeys.revoke.button')}
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
      <ConfirmDialog
        opened={revoking !== null}
        title={t('apiKeys.revoke.title', { name: revoking?.name ?? '' })}
        confirmLabel={t('apiKeys.revoke.confirm')}
        danger
        loading={revoke.isPending}
        error={revoke.error ? errorMessage(t, revoke.error) : null}
        onClose={() => {
          setRevoking(null);
          revoke.reset();
        }}
        onConfirm={() => revoking && revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}
      >
        {t('apiKeys.revoke.body', { prefix: revoking?.prefix ?? '' })}
      </ConfirmDialog>
    </>
  );
}
