import { Alert, Button, Group, List, Loader, Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import {
  IconAlertTriangle,
  IconCircleCheck,
  IconCircleDashed,
  IconCircleX,
  IconPlugConnectedX,
  IconRefresh,
  IconRotateClockwise,
} from '@tabler/icons-react';
import type { Connector, ConnectionInfo, ConnectorStatus, SetupProgress } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCheckConnector, useDisconnect } from '../../../api/connectors.ts';
import { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';
import { CopyValue } from '../../../components/CopyValue.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { errorMessage } from '../../../lib/errors.ts';
import { formatDate } from '../../../lib/time.ts';
import { AccessPolicyScript } from './AccessPolicyScript.tsx';

/** "Connected to Contoso Insurance via alex@…" / "(organisation-wide)" / "(own app registration)". */
export function connectedSentence(
  t: (k: string, o?: Record<string, unknown>) => string,
  c: ConnectionInfo,
  status?: ConnectorStatus,
) {
  // With access lost, "Connected to …" would be untrue: the same facts, said as they are.
  const prefix = status === 'access_lost' ? 'lost' : 'connected';
  if (c.mode === 'delegated' && c.account)
    return t(`connectors.connection.${prefix}Via`, { tenant: c.tenantName, account: c.account });
  if (c.mode === 'own_app') return t(`connectors.connection.${prefix}OwnApp`, { tenant: c.tenantName });
  return t(`connectors.connection.${prefix}Organisation`, { tenant: c.tenantName });
}

function SetupSteps({ setup }: { setup: SetupProgress }) {
  const { t } = useTranslation();
  const running = setup.state === 'running';
  return (
    <div role="status" aria-live="polite" data-testid="setup-progress" data-state={setup.state}>
      <Group gap={8} mb={6}>
        {running ? (
          <Loader size={16} aria-hidden />
        ) : setup.state === 'done' ? (
          <IconCircleCheck size={18} color="var(--mantine-color-teal-7)" aria-hidden />
        ) : (
          <IconAlertTriangle size={18} color="var(--mantine-color-orange-7)" aria-hidden />
        )}
        <Text size="sm" fw={600}>
          {t(`connectors.setup.${setup.state}`)}
        </Text>
      </Group>
      <ul className="setup-steps">
        {setup.steps.map((s) => (
          <li key={s.key} data-state={s.state}>
            {s.state === 'done' ? (
              <IconCircleCheck size={16} color="var(--mantine-color-teal-7)" aria-hidden />
            ) : s.state === 'running' ? (
              <Loader size={14} aria-hidden />
            ) : s.state === 'failed' ? (
              <IconCircleX size={16} color="var(--mantine-color-red-7)" aria-hidden />
            ) : (
              <IconCircleDashed size={16} color="var(--mantine-color-gray-5)" aria-hidden />
            )}
            <span>
              {t(`connectors.setup.steps.${s.key}`)}
              <span className="visually-hidden"> — {t(`connectors.setup.stepState.${s.state}`)}</span>
              {s.detail && (
                <Text component="span" size="sm" c="dimmed">
                  {' '}
                  —{' '}
                  {s.key === 'directory' && /^\d+$/.test(s.detail)
                    ? t('connectors.setup.directoryCount', { count: Number(s.detail) })
                    : s.detail}
                </Text>
              )}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The connection as it is: to which tenant, how, since when, last checked; Check now, Reconnect, Disconnect. */
export function ConnectionPanel({
  ws,
  connector,
  canManage,
  onReconnect,
}: {
  ws: string;
  connector: Connector;
  canManage: boolean;
  onReconnect: () => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  const check = useCheckConnector(ws, connector.id);
  const disconnect = useDisconnect(ws, connector.id);
  const [confirming, setConfirming] = useState(false);
  const [checkedAt, setCheckedAt] = useState<string | null>(null);
  const c = connector.connection;
  if (!c) return null;
  const healthy = connector.status === 'connected' || connector.status === 'connecting';

  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="connection-title">
      <Stack gap="md">
        <Group gap="sm" wrap="nowrap" align="flex-start">
          <ThemeIcon
            variant="light"
            color={healthy ? 'teal' : connector.status === 'degraded' ? 'orange' : 'red'}
            size={40}
            radius="xl"
            aria-hidden
          >
            {healthy ? <IconCircleCheck size={22} /> : <IconPlugConnectedX size={22} />}
          </ThemeIcon>
          <div style={{ minWidth: 0 }}>
            <Title
              order={2}
              size="h4"
              id="connection-title"
              data-testid="connected-sentence"
              className="connector-title"
            >
              {connectedSentence(t, c, connector.status)}
            </Title>
            <Text size="sm" c="dimmed" mt={2}>
              {t(`connectors.connection.modeHelp.${c.mode}`, { account: c.account ?? '' })}
            </Text>
            {c.mode === 'delegated' && c.account && (
              <Group gap={6} wrap="nowrap" mt={4} align="flex-start">
                <IconAlertTriangle
                  size={16}
                  color="var(--mantine-color-yellow-8)"
                  aria-hidden
                  style={{ flex: 'none', marginTop: 2 }}
                />
                <Text size="sm">{t('connectors.auth.delegatedWarning', { user: c.account })}</Text>
              </Group>
            )}
          </div>
        </Group>

        <dl className="facts">
          <div>
            <dt>{t('connectors.connection.mode')}</dt>
            <dd>{t(`connectors.modeName.${c.mode}`)}</dd>
          </div>
          <div>
            <dt>{t('connectors.connection.tenantId')}</dt>
            <dd>
              <CopyValue value={c.tenantId} label={t('connectors.connection.tenantId')} />
            </dd>
          </div>
          {c.account && (
            <div>
              <dt>{t('connectors.connection.account')}</dt>
              <dd className="mono">{c.account}</dd>
            </div>
          )}
          <div>
            <dt>{t('connectors.connection.since')}</dt>
            <dd>
              <RelativeTime iso={c.connectedAt} />
            </dd>
          </div>
          <div>
            <dt>{t('connectors.connection.lastCheck')}</dt>
            <dd data-testid="last-check">
              {c.lastCheckedAt ? <RelativeTime iso={c.lastCheckedAt} /> : t('connectors.connection.never')}
              {c.lastSuccessAt && c.lastSuccessAt !== c.lastCheckedAt && (
                <Text size="xs" c="dimmed">
                  {t('connectors.connection.lastSuccess')} <RelativeTime iso={c.lastSuccessAt} />
                </Text>
              )}
            </dd>
          </div>
          {c.clientId && (
            <div>
              <dt>{t('connectors.connection.app')}</dt>
              <dd>
                <CopyValue value={c.clientId} label={t('connectors.connection.app')} />
              </dd>
            </div>
          )}
          {c.mode === 'own_app' && (
            <div>
              <dt>{t('connectors.connection.credential')}</dt>
              <dd>
                {c.credentialKind === 'certificate'
                  ? t('connectors.ownApp.kindCertificate')
                  : c.secretExpiresAt
                    ? t('connectors.connection.secretUntil', {
                        date: formatDate(new Date(c.secretExpiresAt), locale),
                      })
                    : t('connectors.ownApp.kindSecret')}
              </dd>
            </div>
          )}
        </dl>

        {connector.setup && (connector.setup.state !== 'done' || connector.status === 'connecting') && (
          <SetupSteps setup={connector.setup} />
        )}
        {connector.setup?.state === 'done' && connector.status !== 'connecting' && (
          <details className="help-details">
            <summary>{t('connectors.setup.doneSummary')}</summary>
            <div style={{ marginTop: 8 }}>
              <SetupSteps setup={connector.setup} />
            </div>
          </details>
        )}

        {c.mode !== 'delegated' && c.clientId && (
          <details className="help-details">
            <summary>{t('connectors.policy.restrictTitle')}</summary>
            <div style={{ marginTop: 8 }}>
              <AccessPolicyScript
                kind="restrict"
                clientId={c.clientId}
                servicePrincipalId={c.servicePrincipalId}
              />
            </div>
          </details>
        )}

        {check.isSuccess && checkedAt && connector.status === 'connected' && (
          <Text size="sm" c="teal.8" role="status">
            {t('connectors.connection.checkOk')}
          </Text>
        )}
        {(check.error || disconnect.error) && (
          <Alert color="red" role="alert" icon={<IconAlertTriangle aria-hidden />}>
            {errorMessage(t, check.error ?? disconnect.error)}
          </Alert>
        )}

        {canManage && (
          <Group gap="sm" wrap="wrap">
            <Button
              variant="default"
              leftSection={<IconRefresh size={16} aria-hidden />}
              loading={check.isPending}
              onClick={() =>
                check.mutate(undefined, { onSuccess: () => setCheckedAt(new Date().toISOString()) })
              }
            >
              {t('connectors.connection.checkNow')}
            </Button>
            <Button
              variant="default"
              leftSection={<IconRotateClockwise size={16} aria-hidden />}
              onClick={onReconnect}
            >
              {t('connectors.connection.reconnect')}
            </Button>
            <Button
              variant="subtle"
              color="red"
              leftSection={<IconPlugConnectedX size={16} aria-hidden />}
              onClick={() => setConfirming(true)}
            >
              {t('connectors.connection.disconnect')}
            </Button>
          </Group>
        )}
      </Stack>

      <ConfirmDialog
        opened={confirming}
        title={t('connectors.disconnect.title', { name: connector.name })}
        confirmLabel={t('connectors.disconnect.confirm')}
        danger
        loading={disconnect.isPending}
        error={disconnect.error ? errorMessage(t, disconnect.error) : null}
        onClose={() => {
          disconnect.reset();
          setConfirming(false);
        }}
        onConfirm={() => disconnect.mutate(undefined, { onSuccess: () => setConfirming(false) })}
      >
        <Stack gap="xs">
          <List size="sm" spacing={4}>
            <List.Item>{t('connectors.disconnect.tokens')}</List.Item>
            <List.Item>{t('connectors.disconnect.sync')}</List.Item>
            <List.Item>{t('connectors.disconnect.kept')}</List.Item>
          </List>
          <Text size="sm" c="dimmed">
            {t('connectors.disconnect.later')}
          </Text>
        </Stack>
      </ConfirmDialog>
    </Paper>
  );
}
