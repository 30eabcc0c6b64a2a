import {
  Alert,
  Anchor,
  Breadcrumbs,
  Button,
  Group,
  List,
  Modal,
  Paper,
  Skeleton,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import {
  IconAlertCircle,
  IconCircleCheck,
  IconClockExclamation,
  IconPencil,
  IconTrash,
} from '@tabler/icons-react';
import { ConnectorName, type Connector } from '@mailroom/contracts';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { ApiError } from '../../api/client.ts';
import { useConnector, useDeleteConnector, useRenameConnector } from '../../api/connectors.ts';
import { PageHeading } from '../../components/PageHeading.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { errorMessage, fieldErrorsOf } from '../../lib/errors.ts';
import { paths } from '../../lib/paths.ts';
import { scrollToId } from '../../lib/scroll.ts';
import { formatAbsolute, formatDate, formatDateTime } from '../../lib/time.ts';
import { check } from '../../lib/validate.ts';
import { useCurrentWorkspace } from '../../lib/workspace.ts';
import { AuthenticationOptions, useStartSignIn, type ModeKey } from './connector/AuthenticationOptions.tsx';
import { ConnectionPanel } from './connector/ConnectionPanel.tsx';
import { ProblemPanel } from './connector/ProblemPanel.tsx';
import { MailboxesSection } from './mailboxes/MailboxesSection.tsx';

function RenameForm({ ws, connector, onDone }: { ws: string; connector: Connector; onDone: () => void }) {
  const { t } = useTranslation();
  const rename = useRenameConnector(ws, connector.id);
  const [name, setName] = useState(connector.name);
  const [problem, setProblem] = useState<string | null>(null);
  const serverError =
    fieldErrorsOf(rename.error).name ?? (rename.error ? errorMessage(t, rename.error) : null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = check(t, ConnectorName, name);
    setProblem(p);
    if (p) return;
    if (name.trim() === connector.name) return onDone();
    rename.mutate(name.trim(), { onSuccess: onDone });
  };

  return (
    <form onSubmit={submit} noValidate className="rename-form">
      <Group align="flex-start" gap="sm" wrap="wrap">
        <TextInput
          label={t('connectors.fields.name')}
          value={name}
          onChange={(e) => {
            setName(e.currentTarget.value);
            setProblem(null);
            if (rename.error) rename.reset();
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              onDone();
            }
          }}
          error={problem ?? serverError}
          autoFocus
          required
          autoComplete="off"
          w={{ base: '100%', sm: 360 }}
        />
        <Group gap="xs" mt={{ base: 0, sm: 25 }}>
          <Button type="submit" loading={rename.isPending}>
            {t('common.save')}
          </Button>
          <Button variant="default" type="button" onClick={onDone}>
            {t('common.cancel')}
          </Button>
        </Group>
      </Group>
    </form>
  );
}

function DeleteDialog({
  ws,
  connector,
  opened,
  onClose,
}: {
  ws: string;
  connector: Connector;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const del = useDeleteConnector(ws);
  const confirm = () =>
    del.mutate(connector.id, {
      onSuccess: () => {
        onClose();
        void navigate(paths.settings(ws, 'connectors'), { state: { deleted: connector.name } });
      },
    });
  return (
    <Modal
      opened={opened}
      onClose={() => {
        del.reset();
        onClose();
      }}
      title={t('connectors.delete.title', { name: connector.name })}
      centered
      size="md"
    >
      <Stack gap="md">
        <Text size="sm">{t('connectors.delete.intro')}</Text>
        <div>
          <Text size="sm" fw={600}>
            {t('connectors.delete.keptTitle')}
          </Text>
          <List size="sm" spacing={4} mt={4}>
            <List.Item>{t('connectors.delete.kept1')}</List.Item>
            <List.Item>{t('connectors.delete.kept2')}</List.Item>
          </List>
        </div>
        <div>
          <Text size="sm" fw={600}>
            {t('connectors.delete.stopsTitle')}
          </Text>
          <List size="sm" spacing={4} mt={4}>
            <List.Item>{t('connectors.delete.stops1')}</List.Item>
            <List.Item>{t('connectors.delete.stops2')}</List.Item>
          </List>
        </div>
        <Text size="sm" c="dimmed">
          {t('connectors.delete.irreversible')}
        </Text>
        {del.error && (
          <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
            {errorMessage(t, del.error)}
          </Alert>
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose} data-autofocus>
            {t('common.cancel')}
          </Button>
          <Button
            color="red"
            onClick={confirm}
            loading={del.isPending}
            leftSection={<IconTrash size={16} aria-hidden />}
          >
            {t('connectors.delete.confirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** What Microsoft's redirect back to this page said (`?connected=1` or `?error=…&detail=…`). */
type Callback = { ok: true } | { ok: false; code: string; detail: string };

function readCallback(search: string): Callback | null {
  const q = new URLSearchParams(search);
  if (q.get('connected') === '1') return { ok: true };
  const code = q.get('error');
  if (code) return { ok: false, code, detail: q.get('detail') ?? '' };
  return null;
}

const callbackCodes = [
  'state_invalid',
  'consent_declined',
  'not_tenant_admin',
  'microsoft_error',
  'forbidden',
  'connector_gone',
];

function CallbackNotice({
  callback,
  connector,
  onClose,
}: {
  callback: Callback;
  connector: Connector;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  if (callback.ok) {
    return (
      <Alert
        color="teal"
        icon={<IconCircleCheck aria-hidden />}
        role="status"
        title={t('connectors.callback.okTitle')}
        withCloseButton
        closeButtonLabel={t('common.dismiss')}
        onClose={onClose}
        data-testid="callback-notice"
      >
        {connector.connection
          ? t('connectors.callback.okBody', { tenant: connector.connection.tenantName })
          : t('connectors.callback.okBodyShort')}
      </Alert>
    );
  }
  const code = callbackCodes.includes(callback.code) ? callback.code : 'microsoft_error';
  return (
    <Alert
      color="red"
      icon={<IconAlertCircle aria-hidden />}
      role="alert"
      title={t(`connectors.callback.${code}.title`)}
      withCloseButton
      closeButtonLabel={t('common.dismiss')}
      onClose={onClose}
      data-testid="callback-notice"
    >
      <Stack gap={4}>
        <Text size="sm">{t(`connectors.callback.${code}.body`)}</Text>
        {callback.detail && (
          <Text size="xs" c="dimmed">
            {t('connectors.callback.microsoftSaid')} {callback.detail}
          </Text>
        )}
      </Stack>
    </Alert>
  );
}

function SecretExpiryWarning({ connector, onRenew }: { connector: Connector; onRenew?: () => void }) {
  const { t, i18n } = useTranslation();
  const c = connector.connection;
  if (!c || c.secretExpiresInDays === null || !c.secretExpiresAt) return null;
  if (connector.problem?.cause === 'secret_expired') return null;
  const date = formatDate(new Date(c.secretExpiresAt), i18n.resolvedLanguage ?? 'en');
  const days = c.secretExpiresInDays;
  return (
    <Alert
      color={days <= 7 ? 'red' : 'yellow'}
      variant="light"
      icon={<IconClockExclamation aria-hidden />}
      title={
        days <= 0
          ? t('connectors.secretExpiry.today')
          : t('connectors.secretExpiry.title', { count: days, date })
      }
      data-testid="secret-expiry"
    >
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{t('connectors.secretExpiry.body', { date })}</Text>
        {onRenew && (
          <Button size="xs" variant="white" color="dark" onClick={onRenew}>
            {t('connectors.fix.newSecret')}
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

export function ConnectorPage() {
  const { t, i18n } = useTranslation();
  const ws = useCurrentWorkspace();
  const { connectorId = '' } = useParams();
  const location = useLocation();
  const navigate = useNavigate();
  const query = useConnector(ws.id, connectorId);
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const renameButton = useRef<HTMLButtonElement>(null);
  const focusRenameAfterEdit = useRef(false);
  // After an inline rename the focus goes back to the Rename button, once it is rendered again
  // (an animation frame can come before React has put it back).
  useEffect(() => {
    if (!renaming && focusRenameAfterEdit.current) {
      focusRenameAfterEdit.current = false;
      renameButton.current?.focus();
    }
  }, [renaming]);
  const [justCreated, setJustCreated] = useState(
    (location.state as { created?: boolean } | null)?.created === true,
  );
  useEffect(() => {
    if (location.state) void navigate(location.pathname, { replace: true, state: null });
  }, [location.state, location.pathname, navigate]);
  const locale = i18n.resolvedLanguage ?? 'en';
  const [callback, setCallback] = useState<Callback | null>(() => readCallback(location.search));
  useEffect(() => {
    // Back from Microsoft: say what happened once, and keep the address clean (no re-showing on reload).
    if (readCallback(location.search)) void navigate(location.pathname, { replace: true });
  }, [location.search, location.pathname, navigate]);
  const [reconnect, setReconnect] = useState<{ open: boolean; mode?: ModeKey }>({ open: false });
  // A new connection (own app saved, or back from Microsoft) closes the options shown for reconnecting.
  // undefined while loading, null when not connected.
  const connectedAt = query.data ? (query.data.connection?.connectedAt ?? null) : undefined;
  const [seenConnectedAt, setSeenConnectedAt] = useState(connectedAt);
  if (connectedAt !== seenConnectedAt) {
    setSeenConnectedAt(connectedAt);
    if (reconnect.open) setReconnect({ open: false });
    // Connected on this page (the own app's form): the same "Connected" notice as after Microsoft's
    // redirect back (issue 19 §5). Not on the first load of an already connected connector.
    if (seenConnectedAt !== undefined && connectedAt) setCallback({ ok: true });
  }
  const signIn = useStartSignIn(ws.id, connectorId);
  const openOptions = (mode?: ModeKey) => {
    setReconnect({ open: true, mode });
    if (mode === 'ownApp') scrollToId('own-app-form', 'own-app-clientSecret');
    else scrollToId(mode ? `mode-card-${mode}` : 'auth-title');
  };

  const crumbs = (name?: string) => (
    <nav aria-label={t('common.breadcrumbs')}>
      <Breadcrumbs separator="›">
        <Anchor component={Link} to={paths.settings(ws.id, 'connectors')} size="sm">
          {t('settings.sections.connectors')}
        </Anchor>
        {name && (
          <Text size="sm" c="dimmed" aria-current="page" truncate="end" maw={300}>
            {name}
          </Text>
        )}
      </Breadcrumbs>
    </nav>
  );

  if (query.isPending) {
    return (
      <Stack gap="md" aria-busy="true" aria-label={t('app.loading')}>
        {crumbs()}
        <Skeleton h={36} w={280} />
        <Skeleton h={120} />
      </Stack>
    );
  }
  if (query.isError) {
    const notFound = query.error instanceof ApiError && query.error.status === 404;
    return (
      <Stack gap="md">
        {crumbs()}
        <PageHeading size="h2">
          {notFound ? t('connectors.notFound.title') : t('connectors.loadFailed')}
        </PageHeading>
        <Text c="dimmed">{notFound ? t('connectors.notFound.body') : errorMessage(t, query.error)}</Text>
        <Group>
          <Button component={Link} to={paths.settings(ws.id, 'connectors')} variant="default">
            {t('connectors.backToList')}
          </Button>
        </Group>
      </Stack>
    );
  }

  const c = query.data;
  const finishRename = () => {
    focusRenameAfterEdit.current = true;
    setRenaming(false);
  };

  return (
    <Stack gap="xl">
      <Stack gap="sm">
        {crumbs(c.name)}
        {justCreated && !c.connection && (
          <Alert
            color="teal"
            icon={<IconCircleCheck aria-hidden />}
            role="status"
            title={t('connectors.createdTitle', { name: c.name })}
            withCloseButton
            closeButtonLabel={t('common.dismiss')}
            onClose={() => setJustCreated(false)}
          >
            {t('connectors.createdBody')}
          </Alert>
        )}
        <Group justify="space-between" align="center" wrap="wrap" gap="sm">
          <PageHeading size="h2" className="connector-title">
            {c.name}
          </PageHeading>
          {ws.canManage && !renaming && (
            <Group gap="xs">
              <Button
                ref={renameButton}
                variant="default"
                leftSection={<IconPencil size={16} aria-hidden />}
                onClick={() => setRenaming(true)}
              >
                {t('connectors.rename')}
              </Button>
              <Button
                variant="light"
                color="red"
                leftSection={<IconTrash size={16} aria-hidden />}
                onClick={() => setDeleting(true)}
              >
                {t('connectors.delete.button')}
              </Button>
            </Group>
          )}
        </Group>
        {renaming && <RenameForm ws={ws.id} connector={c} onDone={finishRename} />}
        {callback && !(callback.ok && c.problem) && (
          <CallbackNotice callback={callback} connector={c} onClose={() => setCallback(null)} />
        )}
        {c.problem && (
          <ProblemPanel
            connector={c}
            problem={c.problem}
            canManage={ws.canManage}
            actions={{ reconnect: openOptions, signIn: signIn.start, signingIn: signIn.pending }}
          />
        )}
        <SecretExpiryWarning connector={c} onRenew={ws.canManage ? () => openOptions('ownApp') : undefined} />
      </Stack>

      <Paper withBorder radius="md" p="lg">
        <dl className="facts">
          <div>
            <dt>{t('connectors.fields.type')}</dt>
            <dd>{t(`connectors.types.${c.type}`)}</dd>
          </div>
          <div>
            <dt id="connector-status-label">{t('connectors.fields.status')}</dt>
            <dd role="status" aria-live="polite" aria-labelledby="connector-status-label">
              <StatusBadge status={c.status} changedAt={c.statusChangedAt} />
              <Text size="xs" c="dimmed" mt={4}>
                {t(`connectors.statusHelp.${c.status}`)}
              </Text>
            </dd>
          </div>
          <div>
            <dt>{t('connectors.fields.created')}</dt>
            <dd>
              <time dateTime={c.createdAt} title={formatAbsolute(new Date(c.createdAt), locale)}>
                {formatDateTime(new Date(c.createdAt), locale)}
              </time>
            </dd>
          </div>
        </dl>
      </Paper>

      {c.connection && (
        <ConnectionPanel
          ws={ws.id}
          connector={c}
          canManage={ws.canManage}
          onReconnect={() => openOptions()}
        />
      )}

      {c.connection && <MailboxesSection ws={ws.id} connector={c} canManage={ws.canManage} />}

      {(!c.connection || reconnect.open) && (
        <AuthenticationOptions
          key={reconnect.mode ?? 'all'}
          ws={ws.id}
          connector={c}
          canManage={ws.canManage}
          highlight={reconnect.open ? reconnect.mode : undefined}
          reconnecting={Boolean(c.connection)}
          onCancel={() => setReconnect({ open: false })}
        />
      )}

      {ws.canManage && (
        <DeleteDialog ws={ws.id} connector={c} opened={deleting} onClose={() => setDeleting(false)} />
      )}
    </Stack>
  );
}
