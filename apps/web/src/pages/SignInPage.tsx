import { Alert, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { IconAlertCircle, IconInfoCircle } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, type LoginRequest, type SessionInfo } from '@mailroom/contracts';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { fetchSession, http } from '../api/client.ts';
import { sessionKey } from '../api/session.ts';
import { SESSION_EXPIRED_FLAG, SIGNED_OUT_FLAG } from '../api/queryClient.ts';
import { AuthLayout } from '../components/AuthLayout.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { errorMessage, fieldErrorsOf } from '../lib/errors.ts';
import { safeNext } from '../lib/paths.ts';

/** Why the person is here, left by the code that sent them (read on arrival, then forgotten). */
function readFlag(key: string): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

export function SignInPage() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<{ email?: string | null; password?: string | null }>({});
  const [expired] = useState(() => readFlag(SESSION_EXPIRED_FLAG));
  const [signedOut] = useState(() => readFlag(SIGNED_OUT_FLAG) !== null);
  useEffect(() => {
    try {
      sessionStorage.removeItem(SESSION_EXPIRED_FLAG);
      sessionStorage.removeItem(SIGNED_OUT_FLAG);
    } catch {
      // Nothing to forget.
    }
  }, []);

  const login = useMutation({
    mutationFn: (body: LoginRequest) => http.post<unknown>(api.login, body),
    onSuccess: async () => {
      const session = await fetchSession();
      qc.setQueryData<SessionInfo>(sessionKey, session);
      await navigate(safeNext(params.get('next')), { replace: true });
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const m = {
      email: email.trim() ? null : t('validation.required'),
      password: password ? null : t('validation.required'),
    };
    setMissing(m);
    if (m.email || m.password) {
      document.getElementById(m.email ? 'signin-email' : 'signin-password')?.focus();
      return;
    }
    login.mutate({ email: email.trim(), password });
  };

  const fields = fieldErrorsOf(login.error);
  const general = login.error && Object.keys(fields).length === 0 ? errorMessage(t, login.error) : null;

  return (
    <AuthLayout>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <div>
            <PageHeading size="h2">{t('signIn.title')}</PageHeading>
            <Text c="dimmed" size="sm" mt={6}>
              {t('signIn.intro')}
            </Text>
          </div>
          {expired && !general && (
            <Alert color="yellow" icon={<IconInfoCircle aria-hidden />} role="status">
              {expired === 'session_expired' ? t('signIn.expired') : t('signIn.needed')}
            </Alert>
          )}
          {signedOut && !expired && !general && (
            <Alert color="teal" icon={<IconInfoCircle aria-hidden />} role="status">
              {t('signIn.signedOut')}
            </Alert>
          )}
          {general && (
            <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
              {general}
            </Alert>
          )}
          <TextInput
            id="signin-email"
            label={t('signIn.email')}
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={missing.email ?? fields.email ?? null}
            required
            autoFocus
          />
          <PasswordInput
            id="signin-password"
            label={t('signIn.password')}
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={missing.password ?? fields.password ?? null}
            required
          />
          <Button type="submit" size="md" loading={login.isPending} fullWidth mt="xs">
            {t('signIn.submit')}
          </Button>
          <Text size="xs" c="dimmed" ta="center">
            {t('signIn.noAccount')}
          </Text>
        </Stack>
      </form>
    </AuthLayout>
  );
}
