import { Alert, Button, Loader, PasswordInput, Stack, Text, TextInput, Center } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Password,
  PersonName,
  api,
  type AcceptInvitationRequest,
  type InvitationPreview,
  type SessionInfo,
} from '@mailroom/contracts';
import { useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, fetchSession, http } from '../api/client.ts';
import { sessionKey } from '../api/session.ts';
import { AuthLayout } from '../components/AuthLayout.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { errorMessage, fieldErrorsOf } from '../lib/errors.ts';
import { check } from '../lib/validate.ts';

function AcceptForm({ token, preview }: { token: string; preview: InvitationPreview }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<{ name?: string | null; password?: string | null }>({});

  const accept = useMutation({
    mutationFn: (body: AcceptInvitationRequest) => http.post<unknown>(api.invitationAccept(token), body),
    onSuccess: async () => {
      const session = await fetchSession();
      qc.setQueryData<SessionInfo>(sessionKey, session);
      await navigate('/', { replace: true });
    },
    onError: (err) => setErrors(fieldErrorsOf(err)),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = preview.accountExists
      ? { password: password ? null : t('validation.required') }
      : { name: check(t, PersonName, name), password: check(t, Password, password, 'password') };
    setErrors(found);
    if (found.password || ('name' in found && found.name)) return;
    accept.mutate(preview.accountExists ? { password } : { name: name.trim(), password });
  };

  const general =
    accept.error && Object.keys(fieldErrorsOf(accept.error)).length === 0
      ? errorMessage(t, accept.error)
      : null;

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <div>
          <PageHeading size="h2">{t('invitation.title', { workspace: preview.workspaceName })}</PageHeading>
          <Text c="dimmed" size="sm" mt={6}>
            <Trans
              i18nKey="invitation.intro"
              values={{ email: preview.email, role: t(`roles.${preview.role}`) }}
              components={{ strong: <strong /> }}
            />
          </Text>
        </div>
        {general && (
          <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
            {general}
          </Alert>
        )}
        <TextInput label={t('invitation.email')} value={preview.email} readOnly autoComplete="username" />
        {!preview.accountExists && (
          <TextInput
            label={t('invitation.name')}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name ?? null}
            autoComplete="name"
            required
            autoFocus
          />
        )}
        <PasswordInput
          label={preview.accountExists ? t('invitation.existingPassword') : t('invitation.newPassword')}
          description={preview.accountExists ? t('invitation.existingHint') : t('setup.passwordHint')}
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={errors.password ?? null}
          autoComplete={preview.accountExists ? 'current-password' : 'new-password'}
          required
          autoFocus={preview.accountExists}
        />
        <Button type="submit" size="md" loading={accept.isPending} fullWidth mt="xs">
          {t('invitation.submit')}
        </Button>
      </Stack>
    </form>
  );
}

export function AcceptInvitationPage() {
  const { t } = useTranslation();
  const { token = '' } = useParams();
  const preview = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => http.get<InvitationPreview>(api.invitationPreview(token)),
    retry: false,
  });

  return (
    <AuthLayout width={460}>
      {preview.isPending ? (
        <Center py="xl" role="status">
          <Loader aria-label={t('app.loading')} />
        </Center>
      ) : preview.isError ? (
        <Stack gap="md">
          <PageHeading size="h2">{t('invitation.invalidTitle')}</PageHeading>
          <Text c="dimmed">
            {preview.error instanceof ApiError &&
            (preview.error.code === 'invitation_invalid' || preview.error.status === 404)
              ? t('invitation.invalidBody')
              : errorMessage(t, preview.error)}
          </Text>
          <Button component={Link} to="/sign-in" variant="default">
            {t('invitation.goToSignIn')}
          </Button>
        </Stack>
      ) : (
        <AcceptForm token={token} preview={preview.data} />
      )}
    </AuthLayout>
  );
}
