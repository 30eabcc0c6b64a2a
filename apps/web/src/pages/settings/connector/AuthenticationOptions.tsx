import {
  Alert,
  Anchor,
  Button,
  Group,
  Loader,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  ThemeIcon,
  Title,
} from '@mantine/core';
import {
  IconAlertCircle,
  IconAlertTriangle,
  IconBuilding,
  IconExternalLink,
  IconInfoCircle,
  IconKey,
  IconLink,
  IconUser,
} from '@tabler/icons-react';
import type { AdminConsentStart, Connector } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useConnectDelegated, useConnectOrganization, useConnectorWatch } from '../../../api/connectors.ts';
import { useSession } from '../../../api/session.ts';
import { CopyValue } from '../../../components/CopyValue.tsx';
import { MicrosoftButton } from '../../../components/MicrosoftButton.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { errorMessage } from '../../../lib/errors.ts';
import { formatDateTime } from '../../../lib/time.ts';
import { scrollToId } from '../../../lib/scroll.ts';
import { useNow } from '../../../lib/useNow.ts';
import { OwnAppForm, type OwnAppPrefill } from './OwnAppForm.tsx';
import { SandboxCheatSheet } from './SandboxCheatSheet.tsx';

export type ModeKey = 'delegated' | 'organisation' | 'ownApp';

const modes = [
  { key: 'delegated', Icon: IconUser },
  { key: 'organisation', Icon: IconBuilding },
  { key: 'ownApp', Icon: IconKey },
] as const;

/** Leaves for Microsoft's sign-in page; Microsoft sends the browser back to the connector page. */
export function useStartSignIn(ws: string, id: string) {
  const start = useConnectDelegated(ws, id);
  return {
    start: () =>
      start.mutate(undefined, { onSuccess: ({ authorizeUrl }) => window.location.assign(authorizeUrl) }),
    // Still "pending" while the browser leaves: the button keeps spinning.
    pending: start.isPending || start.isSuccess,
    error: start.error,
  };
}

function DelegatedAction({ ws, connector }: { ws: string; connector: Connector }) {
  const { t } = useTranslation();
  const signIn = useStartSignIn(ws, connector.id);
  return (
    <Stack gap="sm">
      <Alert color="yellow" variant="light" icon={<IconAlertTriangle aria-hidden />} p="xs">
        <Text size="sm">
          {t('connectors.auth.delegatedWarning', { user: t('connectors.auth.theUserWhoSignsIn') })}
        </Text>
      </Alert>
      <MicrosoftButton onClick={signIn.start} loading={signIn.pending}>
        {t('connectors.auth.signInWithMicrosoft')}
      </MicrosoftButton>
      {signIn.error && (
        <Text size="sm" c="red" role="alert">
          {errorMessage(t, signIn.error)}
        </Text>
      )}
    </Stack>
  );
}

function OrganisationAction({ ws, connector }: { ws: string; connector: Connector }) {
  const { t, i18n } = useTranslation();
  const consent = useConnectOrganization(ws, connector.id);
  const [link, setLink] = useState<AdminConsentStart | null>(null);
  const [leaving, setLeaving] = useState(false);
  const locale = i18n.resolvedLanguage ?? 'en';
  const now = useNow();
  // While the link is out, the page notices by itself when the admin has granted access.
  useConnectorWatch(ws, connector.id, link !== null && new Date(link.expiresAt).getTime() > now);

  const openNow = () => {
    setLeaving(true);
    consent.mutate(undefined, {
      onSuccess: (answer) => window.location.assign(answer.adminConsentUrl),
      onError: () => setLeaving(false),
    });
  };
  const makeLink = () => consent.mutate(undefined, { onSuccess: setLink });

  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">
        {t('connectors.auth.adminConsentWho')}
      </Text>
      <Button
        className="wrap-button"
        onClick={openNow}
        loading={leaving}
        leftSection={<IconExternalLink size={16} aria-hidden />}
        w="fit-content"
      >
        {t('connectors.auth.adminConsentNow')}
      </Button>
      {link ? (
        <Stack gap={4} data-testid="admin-consent-link">
          <Text size="sm" fw={600}>
            {t('connectors.auth.adminConsentLinkTitle')}
          </Text>
          <Paper withBorder p="xs" radius="sm" bg="gray.0">
            <CopyValue value={link.adminConsentUrl} label={t('connectors.auth.adminConsentLinkLabel')} />
          </Paper>
          <Text size="xs" c="dimmed">
            {t('connectors.auth.adminConsentLinkValid', {
              time: formatDateTime(new Date(link.expiresAt), locale),
            })}{' '}
            (<RelativeTime iso={link.expiresAt} />)
          </Text>
          <Group gap={6} wrap="nowrap">
            <Loader size={12} aria-hidden />
            <Text size="xs" c="dimmed">
              {t('connectors.auth.adminConsentWaiting')}
            </Text>
          </Group>
        </Stack>
      ) : (
        <>
          <Text size="sm" c="dimmed" mt={4}>
            {t('connectors.auth.adminConsentOther')}
          </Text>
          <Button
            className="wrap-button"
            variant="default"
            onClick={makeLink}
            loading={consent.isPending && !leaving}
            leftSection={<IconLink size={16} aria-hidden />}
            w="fit-content"
          >
            {t('connectors.auth.adminConsentLink')}
          </Button>
        </>
      )}
      {consent.error && (
        <Text size="sm" c="red" role="alert">
          {errorMessage(t, consent.error)}
        </Text>
      )}
    </Stack>
  );
}

/**
 * The Authentication screen: three ways to connect, each with when to use it, what it means and who
 * must do it, and its action (admins only).
 */
export function AuthenticationOptions({
  ws,
  connector,
  canManage,
  highlight,
  reconnecting,
  onCancel,
}: {
  ws: string;
  connector: Connector;
  canManage: boolean;
  highlight?: ModeKey;
  reconnecting: boolean;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const { data: session } = useSession();
  const [ownAppOpen, setOwnAppOpen] = useState(highlight === 'ownApp');
  const [prefill, setPrefill] = useState<OwnAppPrefill | null>(
    connector.connection?.mode === 'own_app'
      ? { tenant: connector.connection.tenantId, clientId: connector.connection.clientId ?? '' }
      : null,
  );
  const [prefillKey, setPrefillKey] = useState(0);

  const fillFromSandbox = (p: OwnAppPrefill) => {
    setPrefill(p);
    setPrefillKey((k) => k + 1);
    setOwnAppOpen(true);
    scrollToId('own-app-form', 'own-app-tenant');
  };

  return (
    <section aria-labelledby="auth-title">
      <Stack gap="md">
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
          <div>
            <Title order={2} size="h3" id="auth-title">
              {reconnecting ? t('connectors.auth.reconnectTitle') : t('connectors.auth.title')}
            </Title>
            <Text c="dimmed" size="sm" mt={4} maw={720}>
              {reconnecting ? t('connectors.auth.reconnectIntro') : t('connectors.auth.intro')}
            </Text>
          </div>
          {reconnecting && onCancel && (
            <Button variant="default" onClick={onCancel}>
              {t('common.cancel')}
            </Button>
          )}
        </Group>

        {!canManage && (
          <Alert color="gray" variant="light" icon={<IconInfoCircle aria-hidden />} role="note">
            {t('connectors.auth.membersReadOnly')}
          </Alert>
        )}

        {canManage && session?.sandbox && <SandboxCheatSheet onUseOwnApp={fillFromSandbox} />}

        <SimpleGrid cols={{ base: 1, md: 3 }} spacing="md">
          {modes.map(({ key, Icon }) => (
            <Paper
              key={key}
              withBorder
              radius="md"
              p="md"
              component="article"
              aria-labelledby={`mode-${key}`}
              className="mode-card"
              data-highlight={highlight === key || undefined}
              id={`mode-card-${key}`}
            >
              <Stack gap="xs" justify="space-between">
                <Stack gap="xs">
                  <Group gap="sm" wrap="nowrap" align="flex-start">
                    <ThemeIcon variant="light" size={36} radius="md" aria-hidden>
                      <Icon size={20} />
                    </ThemeIcon>
                    <Title order={3} size="h5" id={`mode-${key}`} lh={1.35}>
                      {t(`connectors.auth.modes.${key}.title`)}
                    </Title>
                  </Group>
                  <dl className="mode-facts">
                    <dt>{t('connectors.auth.whenToUse')}</dt>
                    <dd>{t(`connectors.auth.modes.${key}.when`)}</dd>
                    <dt>{t('connectors.auth.whatItMeans')}</dt>
                    <dd>{t(`connectors.auth.modes.${key}.means`)}</dd>
                    <dt>{t('connectors.auth.whoMustDoIt')}</dt>
                    <dd>{t(`connectors.auth.modes.${key}.who`)}</dd>
                  </dl>
                </Stack>
                {canManage && (
                  <div className="mode-action">
                    {key === 'delegated' && <DelegatedAction ws={ws} connector={connector} />}
                    {key === 'organisation' && <OrganisationAction ws={ws} connector={connector} />}
                    {key === 'ownApp' && (
                      <Button
                        variant={ownAppOpen ? 'light' : 'default'}
                        leftSection={<IconKey size={16} aria-hidden />}
                        onClick={() => {
                          setOwnAppOpen(true);
                          scrollToId('own-app-form', 'own-app-tenant');
                        }}
                        aria-expanded={ownAppOpen}
                        aria-controls="own-app-form"
                        w="fit-content"
                      >
                        {t('connectors.auth.ownAppOpen')}
                      </Button>
                    )}
                  </div>
                )}
              </Stack>
            </Paper>
          ))}
        </SimpleGrid>

        {canManage && ownAppOpen && (
          <OwnAppForm
            key={prefillKey}
            ws={ws}
            connector={connector}
            prefill={prefill}
            onCancel={() => setOwnAppOpen(false)}
          />
        )}
        {canManage && (
          <Text size="xs" c="dimmed">
            <IconAlertCircle size={12} aria-hidden style={{ verticalAlign: '-1px' }} />{' '}
            {t('connectors.auth.privacy')}{' '}
            <Anchor
              href="https://learn.microsoft.com/graph/permissions-reference"
              target="_blank"
              rel="noreferrer"
              size="xs"
            >
              {t('connectors.auth.permissionsReference')}
            </Anchor>
          </Text>
        )}
      </Stack>
    </section>
  );
}
