import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  CopyButton,
  Group,
  NativeSelect,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { IconAlertCircle, IconCheck, IconCopy, IconLink, IconTrash, IconUserPlus } from '@tabler/icons-react';
import { Email, type Invitation, type Member, type Role } from '@mailroom/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  useChangeRole,
  useCreateInvitation,
  useInvitations,
  useMembers,
  useRemoveMember,
  useRevokeInvitation,
} from '../../api/people.ts';
import { useSession } from '../../api/session.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { PageHeading } from '../../components/PageHeading.tsx';
import { RelativeTime } from '../../components/RelativeTime.tsx';
import { errorMessage, fieldErrorsOf } from '../../lib/errors.ts';
import { newIdempotencyKey } from '../../lib/idempotency-key.ts';
import { formatAbsolute, formatDate } from '../../lib/time.ts';
import { check } from '../../lib/validate.ts';
import { useCurrentWorkspace } from '../../lib/workspace.ts';

function MembersSection() {
  const { t, i18n } = useTranslation();
  const ws = useCurrentWorkspace();
  const { data: session } = useSession();
  const me = session?.user?.id;
  const members = useMembers(ws.id);
  const changeRole = useChangeRole(ws.id);
  const remove = useRemoveMember(ws.id);
  const [removing, setRemoving] = useState<Member | null>(null);
  const locale = i18n.resolvedLanguage ?? 'en';
  const roleChoices: Role[] = ws.role === 'owner' ? ['owner', 'admin', 'member'] : ['admin', 'member'];

  const canEdit = (m: Member) =>
    ws.canManage && m.userId !== me && (m.role !== 'owner' || ws.role === 'owner');

  return (
    <section aria-labelledby="members-title">
      <Title order={2} size="h4" id="members-title" mb="sm">
        {t('people.members')}
      </Title>
      {changeRole.error && (
        <Alert
          color="red"
          icon={<IconAlertCircle aria-hidden />}
          role="alert"
          mb="sm"
          withCloseButton
          onClose={() => changeRole.reset()}
          closeButtonLabel={t('common.dismiss')}
        >
          {errorMessage(t, changeRole.error)}
        </Alert>
      )}
      {members.isPending ? (
        <Skeleton h={100} />
      ) : members.isError ? (
        <Alert color="red" role="alert">
          {errorMessage(t, members.error)}
        </Alert>
      ) : (
        <Paper withBorder radius="md" className="table-card">
          <Table.ScrollContainer minWidth={560}>
            <Table verticalSpacing="sm" horizontalSpacing="md" aria-labelledby="members-title">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('people.name')}</Table.Th>
                  <Table.Th scope="col">{t('people.role')}</Table.Th>
                  <Table.Th scope="col">{t('people.joined')}</Table.Th>
                  {ws.canManage && (
                    <Table.Th scope="col">
                      <span className="visually-hidden">{t('common.actions')}</span>
                    </Table.Th>
                  )}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {members.data.items.map((m) => (
                  <Table.Tr key={m.userId}>
                    <Table.Td>
                      <Group gap={6} wrap="nowrap">
                        <Text size="sm" fw={600}>
                          {m.name}
                        </Text>
                        {m.userId === me && (
                          <Badge size="xs" variant="light" color="gray" tt="none">
                            {t('people.you')}
                          </Badge>
                        )}
                      </Group>
                      <Text size="xs" c="dimmed">
                        {m.email}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {canEdit(m) ? (
                        <NativeSelect
                          size="xs"
                          w={140}
                          aria-label={t('people.roleOf', { name: m.name })}
                          value={m.role}
                          disabled={changeRole.isPending && changeRole.variables?.userId === m.userId}
                          data={(roleChoices.includes(m.role) ? roleChoices : [m.role, ...roleChoices]).map(
                            (r) => ({
                              value: r,
                              label: t(`roles.${r}`),
                            }),
                          )}
                          onChange={(e) =>
                            changeRole.mutate({ userId: m.userId, role: e.currentTarget.value as Role })
                          }
                        />
                      ) : (
                        <Text size="sm">{t(`roles.${m.role}`)}</Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" title={formatAbsolute(new Date(m.joinedAt), locale)}>
                        {formatDate(new Date(m.joinedAt), locale)}
                      </Text>
                    </Table.Td>
                    {ws.canManage && (
                      <Table.Td ta="right">
                        {canEdit(m) && (
                          <Tooltip label={t('people.remove')}>
                            <ActionIcon
                              variant="subtle"
                              color="red"
                              aria-label={t('people.removeWho', { name: m.name })}
                              onClick={() => setRemoving(m)}
                            >
                              <IconTrash size={18} aria-hidden />
                            </ActionIcon>
                          </Tooltip>
                        )}
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      <ConfirmDialog
        opened={removing !== null}
        title={t('people.removeTitle', { name: removing?.name ?? '' })}
        confirmLabel={t('people.remove')}
        danger
        loading={remove.isPending}
        error={remove.error ? errorMessage(t, remove.error) : null}
        onClose={() => {
          setRemoving(null);
          remove.reset();
        }}
        onConfirm={() => removing && remove.mutate(removing.userId, { onSuccess: () => setRemoving(null) })}
      >
        {t('people.removeBody', { name: removing?.name ?? '', workspace: ws.name })}
      </ConfirmDialog>
    </section>
  );
}

function InviteSection() {
  const { t, i18n } = useTranslation();
  const ws = useCurrentWorkspace();
  const create = useCreateInvitation(ws.id);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'admin' | 'member'>('member');
  const [problem, setProblem] = useState<string | null>(null);
  const [created, setCreated] = useState<Invitation | null>(null);
  // One key per invitation being written, a new one once it is made: a double click invites once.
  const [key, setKey] = useState(newIdempotencyKey);
  const serverField = fieldErrorsOf(create.error).email;
  const general = create.error && !serverField ? errorMessage(t, create.error) : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = check(t, Email, email, 'email');
    setProblem(p);
    if (p) return;
    create.mutate(
      { body: { email: email.trim(), role }, key },
      {
        onSuccess: (inv) => {
          setCreated(inv);
          setEmail('');
          setKey(newIdempotencyKey());
        },
      },
    );
  };

  return (
    <section aria-labelledby="invite-title">
      <Title order={2} size="h4" id="invite-title" mb={4}>
        {t('people.inviteTitle')}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t('people.inviteIntro')}
      </Text>
      <Paper withBorder radius="md" p="md">
        <form onSubmit={submit} noValidate>
          <Group align="flex-start" gap="sm" wrap="wrap">
            <TextInput
              label={t('people.email')}
              type="email"
              value={email}
              onChange={(e) => {
                setEmail(e.currentTarget.value);
                setProblem(null);
                if (create.error) create.reset();
              }}
              error={problem ?? serverField ?? null}
              placeholder={t('people.emailPlaceholder')}
              required
              autoComplete="off"
              style={{ flex: '1 1 240px' }}
            />
            <NativeSelect
              label={t('people.role')}
              value={role}
              onChange={(e) => setRole(e.currentTarget.value as 'admin' | 'member')}
              data={[
                { value: 'member', label: t('roles.member') },
                { value: 'admin', label: t('roles.admin') },
              ]}
              w={150}
            />
            <Button
              type="submit"
              loading={create.isPending}
              leftSection={<IconUserPlus size={16} aria-hidden />}
              mt={25}
            >
              {t('people.inviteSubmit')}
            </Button>
          </Group>
          <Text size="xs" c="dimmed" mt={6}>
            {t(`people.roleHint.${role}`)}
          </Text>
        </form>
        {general && (
          <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert" mt="sm">
            {general}
          </Alert>
        )}
        <div role="status" aria-live="polite">
          {created?.url && (
            <Alert
              color="teal"
              variant="light"
              icon={<IconLink aria-hidden />}
              mt="md"
              title={t('people.linkReady', { email: created.email })}
            >
              <Stack gap="xs">
                <Text size="sm">
                  {t('people.linkOnce', {
                    date: formatDate(new Date(created.expiresAt), i18n.resolvedLanguage ?? 'en'),
                  })}
                </Text>
                <Group gap="xs" wrap="nowrap" align="flex-end">
                  <TextInput
                    label={t('people.link')}
                    value={created.url}
                    readOnly
                    onFocus={(e) => e.currentTarget.select()}
                    style={{ flex: 1 }}
                    styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
                  />
                  <CopyButton value={created.url} timeout={2500}>
                    {({ copied, copy }) => (
                      <Button
                        onClick={copy}
                        color={copied ? 'teal' : undefined}
                        variant={copied ? 'filled' : 'light'}
                        leftSection={
                          copied ? <IconCheck size={16} aria-hidden /> : <IconCopy size={16} aria-hidden />
                        }
                        w={120}
                      >
                        {copied ? t('common.copied') : t('common.copy')}
                      </Button>
                    )}
                  </CopyButton>
                </Group>
              </Stack>
            </Alert>
          )}
        </div>
      </Paper>
    </section>
  );
}

function PendingInvitations() {
  const { t, i18n } = useTranslation();
  const ws = useCurrentWorkspace();
  const invitations = useInvitations(ws.id, ws.canManage);
  const revoke = useRevokeInvitation(ws.id);
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const locale = i18n.resolvedLanguage ?? 'en';
  const items = invitations.data?.items ?? [];

  return (
    <section aria-labelledby="pending-title">
      <Title order={2} size="h4" id="pending-title" mb="sm">
        {t('people.pending')}
      </Title>
      {invitations.isPending ? (
        <Skeleton h={60} />
      ) : invitations.isError ? (
        <Alert color="red" role="alert">
          {errorMessage(t, invitations.error)}
        </Alert>
      ) : items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('people.noPending')}
        </Text>
      ) : (
        <Paper withBorder radius="md" className="table-card">
          <Table.ScrollContainer minWidth={520}>
            <Table verticalSpacing="sm" horizontalSpacing="md" aria-labelledby="pending-title">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('people.email')}</Table.Th>
                  <Table.Th scope="col">{t('people.role')}</Table.Th>
                  <Table.Th scope="col">{t('people.invited')}</Table.Th>
                  <Table.Th scope="col">{t('people.expires')}</Table.Th>
                  <Table.Th scope="col">
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((inv) => (
                  <Table.Tr key={inv.id}>
                    <Table.Td>
                      <Text size="sm">{inv.email}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{t(`roles.${inv.role}`)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">
                        <RelativeTime iso={inv.createdAt} />
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" title={formatAbsolute(new Date(inv.expiresAt), locale)}>
                        {formatDate(new Date(inv.expiresAt), locale)}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        onClick={() => setRevoking(inv)}
                        aria-label={t('people.revokeFor', { email: inv.email })}
                      >
                        {t('people.revoke')}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      <ConfirmDialog
        opened={revoking !== null}
        title={t('people.revokeTitle')}
        confirmLabel={t('people.revoke')}
        danger
        loading={revoke.isPending}
        error={revoke.error ? errorMessage(t, revoke.error) : null}
        onClose={() => {
          setRevoking(null);
          revoke.reset();
        }}
        onConfirm={() => revoking && revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}
      >
        {t('people.revokeBody', { email: revoking?.email ?? '' })}
      </ConfirmDialog>
    </section>
  );
}

export function PeopleSettings() {
  const { t } = useTranslation();
  const ws = useCurrentWorkspace();
  return (
    <Stack gap="xl">
      <div>
        <PageHeading size="h2">{t('settings.sections.people')}</PageHeading>
        <Text c="dimmed" mt={4}>
          {t('people.intro')}
        </Text>
      </div>
      {!ws.canManage && (
        <Alert color="gray" variant="light" role="note">
          {t('settings.readOnly')}
        </Alert>
      )}
      {ws.canManage && <InviteSection />}
      <MembersSection />
      {ws.canManage && <PendingInvitations />}
    </Stack>
  );
}
