import { Alert, Button, Collapse, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import {
  IconAlertTriangle,
  IconChevronDown,
  IconChevronRight,
  IconPlugConnectedX,
} from '@tabler/icons-react';
import type { Connector, ConnectorProblem, ProblemCause } from '@mailroom/contracts';
import type { TFunction } from 'i18next';
import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { formatDate } from '../../../lib/time.ts';
import { AccessPolicyScript } from './AccessPolicyScript.tsx';
import type { ModeKey } from './AuthenticationOptions.tsx';

/** What the page can do to fix a problem. */
export interface FixActions {
  /** Show the authentication options again, one of them highlighted. */
  reconnect: (mode?: ModeKey) => void;
  /** Start "Sign in with Microsoft" straight away. */
  signIn: () => void;
  signingIn: boolean;
}

type Fix = 'anotherUser' | 'signInAgain' | 'adminConsent' | 'newSecret' | 'powershell' | 'reconnect' | 'none';

/** The fix the product's causes table offers for each cause, in each mode. */
function fixFor(cause: ProblemCause, c: Connector): Fix {
  const mode = c.connection?.mode;
  switch (cause) {
    case 'user_disabled':
    case 'user_deleted':
      return 'anotherUser';
    case 'signin_revoked':
    case 'refresh_token_expired':
      return 'signInAgain';
    case 'consent_withdrawn':
      return mode === 'delegated' ? 'signInAgain' : mode === 'own_app' ? 'none' : 'adminConsent';
    case 'secret_invalid':
    case 'secret_expired':
    case 'certificate_invalid':
      return mode === 'own_app' ? 'newSecret' : 'none';
    case 'tenant_not_found':
    case 'credential_unreadable':
      return 'reconnect';
    case 'mailbox_blocked_by_policy':
      return 'powershell';
    case 'mailbox_not_enabled':
    case 'mailbox_no_rights':
      return mode === 'delegated' ? 'anotherUser' : 'none';
    case 'microsoft_unavailable':
    case 'unknown':
      return 'none';
  }
}

function problemValues(t: TFunction, c: Connector, problem: ConnectorProblem, locale: string) {
  return {
    user: problem.params.user ?? c.connection?.account ?? t('connectors.problem.theUser'),
    tenant: problem.params.tenant ?? c.connection?.tenantName ?? t('connectors.problem.yourTenant'),
    date: problem.params.date ? formatDate(new Date(`${problem.params.date}T12:00:00Z`), locale) : '',
  };
}

/** The cause's sentence of the product's table, with the user, tenant and date filled in. */
export function problemSentence(
  t: TFunction,
  c: Connector,
  problem: ConnectorProblem,
  locale: string,
): string {
  const values = problemValues(t, c, problem, locale);
  if (problem.cause === 'secret_expired' && !values.date)
    return t('connectors.causes.secret_expired.sentenceNoDate');
  return t(`connectors.causes.${problem.cause}.sentence`, values);
}

/** A connector's problem in the words of the causes table, with its fix and Microsoft's own words. */
export function ProblemPanel({
  connector,
  problem,
  canManage,
  actions,
}: {
  connector: Connector;
  problem: ConnectorProblem;
  canManage: boolean;
  actions: FixActions;
}) {
  const { t, i18n } = useTranslation();
  const [detailsOpen, setDetailsOpen] = useState(false);
  const detailsId = useId();
  const locale = i18n.resolvedLanguage ?? 'en';
  const conn = connector.connection;
  const lost = connector.status === 'access_lost';
  const fix = fixFor(problem.cause, connector);
  const values = problemValues(t, connector, problem, locale);
  const mode = conn?.mode ?? 'delegated';

  let button: ReactNode = null;
  if (canManage) {
    switch (fix) {
      case 'anotherUser':
        button = (
          <Button color={lost ? 'red' : 'orange'} onClick={() => actions.reconnect('delegated')}>
            {t('connectors.fix.anotherUser')}
          </Button>
        );
        break;
      case 'signInAgain':
        button = (
          <Button color={lost ? 'red' : 'orange'} onClick={actions.signIn} loading={actions.signingIn}>
            {t('connectors.fix.signInAgain')}
          </Button>
        );
        break;
      case 'adminConsent':
        button = (
          <Button color={lost ? 'red' : 'orange'} onClick={() => actions.reconnect('organisation')}>
            {t('connectors.fix.adminConsent')}
          </Button>
        );
        break;
      case 'newSecret':
        button = (
          <Button color={lost ? 'red' : 'orange'} onClick={() => actions.reconnect('ownApp')}>
            {problem.cause === 'certificate_invalid'
              ? t('connectors.fix.newCertificate')
              : t('connectors.fix.newSecret')}
          </Button>
        );
        break;
      case 'reconnect':
        button = (
          <Button color={lost ? 'red' : 'orange'} onClick={() => actions.reconnect()}>
            {t('connectors.fix.reconnect')}
          </Button>
        );
        break;
      default:
        button = null;
    }
  }

  return (
    <Alert
      color={lost ? 'red' : 'orange'}
      variant="light"
      icon={lost ? <IconPlugConnectedX aria-hidden /> : <IconAlertTriangle aria-hidden />}
      title={lost ? t('connectors.problem.titleLost') : t('connectors.problem.titleDegraded')}
      role="alert"
      data-cause={problem.cause}
    >
      <Stack gap="sm">
        <Text size="sm" fw={600} data-testid="problem-sentence">
          {problemSentence(t, connector, problem, locale)}
        </Text>
        <Text size="sm">
          {t(`connectors.causes.${problem.cause}.explain`, {
            ...values,
            mode: t(`connectors.modeName.${mode}`),
          })}
        </Text>
        <Text size="xs" c="dimmed">
          {t('connectors.problem.since')} <RelativeTime iso={problem.since} />
        </Text>
        {fix === 'powershell' && conn?.clientId && (
          <AccessPolicyScript kind="blocked" clientId={conn.clientId} mailbox={problem.params.user ?? null} />
        )}
        {fix === 'none' && (
          <Text size="sm">
            {t(`connectors.causes.${problem.cause}.fixText`, { ...values, clientId: conn?.clientId ?? '' })}
          </Text>
        )}
        {!canManage && (
          <Text size="sm" c="dimmed">
            {t('connectors.problem.askAdmin')}
          </Text>
        )}
        {button && <Group gap="sm">{button}</Group>}
        {problem.detail && (
          <div>
            <UnstyledButton
              onClick={() => setDetailsOpen((o) => !o)}
              aria-expanded={detailsOpen}
              aria-controls={detailsId}
              className="details-toggle"
            >
              <Group gap={4} wrap="nowrap">
                {detailsOpen ? (
                  <IconChevronDown size={16} aria-hidden />
                ) : (
                  <IconChevronRight size={16} aria-hidden />
                )}
                <Text size="sm" fw={500}>
                  {t('connectors.problem.details')}
                </Text>
              </Group>
            </UnstyledButton>
            <Collapse expanded={detailsOpen} id={detailsId}>
              <pre className="code-block" style={{ marginTop: 6 }}>
                {problem.detail}
              </pre>
            </Collapse>
          </div>
        )}
      </Stack>
    </Alert>
  );
}
