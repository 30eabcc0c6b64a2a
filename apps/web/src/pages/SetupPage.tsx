import { Alert, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Email,
  Password,
  PersonName,
  WorkspaceName,
  api,
  type SessionInfo,
  type SetupRequest,
} from '@mailroom/contracts';
import { useState, type ChangeEvent, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { fetchSession, http } from '../api/client.ts';
import { sessionKey } from '../api/session.ts';
import { AuthLayout } from '../components/AuthLayout.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { currentLocale } from '../i18n/index.ts';
import { errorMessage, fieldErrorsOf } from '../lib/errors.ts';
import { check } from '../lib/validate.ts';

type Field = 'name' | 'email' | 'password' | 'workspaceName';

export function SetupPage() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [values, setValues] = useState<Record<Field, string>>({
    name: '',
    email: '',
    password: '',
    workspaceName: '',
  });
  const [errors, setErrors] = useState<Partial<Record<Field, string | null>>>({});

  const setup = useMutation({
    mutationFn: (body: SetupRequest) => http.post<unknown>(api.setup, body),
    onSuccess: async () => {
      const session = await fetchSession();
      qc.setQueryData<SessionInfo>(sessionKey, session);
      await navigate('/', { replace: true });
    },
    onError: async (err) => {
      setErrors(fieldErrorsOf(err));
      // Someone finished the setup in the meantime: the session now says so.
      await qc.invalidateQueries({ queryKey: sessionKey });
    },
  });

  const validate = (): Partial<Record<Field, string | null>> => ({
    name: check(t, PersonName, values.name),
    email: check(t, Email, values.email, 'email'),
    password: check(t, Password, values.password, 'password'),
    workspaceName: check(t, WorkspaceName, values.workspaceName),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = validate();
    setErrors(found);
    const first = (Object.keys(found) as Field[]).find((k) => found[k]);
    if (first) {
      document.getElementById(`setup-${first}`)?.focus();
      return;
    }
    setup.mutate({
      name: values.name.trim(),
      email: values.email.trim(),
      password: values.password,
      workspaceName: values.workspaceName.trim(),
      locale: currentLocale(),
    });
  };

  const field = (k: Field) => ({
    id: `setup-${k}`,
    value: values[k],
    error: errors[k] ?? null,
    onChange: (e: ChangeEvent<HTMLInputElement>) => {
      const v = e.currentTarget.value;
      setValues((s) => ({ ...s, [k]: v }));
      if (errors[k]) setErrors((s) => ({ ...s, [k]: null }));
    },
    required: true,
  });

  const general =
    setup.error && Object.keys(fieldErrorsOf(setup.error)).length === 0 ? errorMessage(t, setup.error) : null;

  return (
    <AuthLayout width={480}>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <div>
            <PageHeading size="h2">{t('setup.title')}</PageHeading>
            <Text c="dimmed" size="sm" mt={6}>
              {t('setup.intro')}
            </Text>
          </div>
          {general && (
            <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
              {general}
            </Alert>
          )}
          <TextInput label={t('setup.name')} autoComplete="name" {...field('name')} autoFocus />
          <TextInput label={t('setup.email')} type="email" autoComplete="email" {...field('email')} />
          <PasswordInput
            label={t('setup.password')}
            description={t('setup.passwordHint')}
            autoComplete="new-password"
            {...field('password')}
          />
          <TextInput
            label={t('setup.workspaceName')}
            description={t('setup.workspaceHint')}
            autoComplete="organization"
            {...field('workspaceName')}
          />
          <Button type="submit" size="md" loading={setup.isPending} fullWidth mt="xs">
            {t('setup.submit')}
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
