import {
  Alert,
  Anchor,
  Button,
  Code,
  FileButton,
  Group,
  List,
  Paper,
  PasswordInput,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { IconAlertCircle, IconUpload } from '@tabler/icons-react';
import { OwnAppRequest, TenantRef, type Connector } from '@mailroom/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../../api/client.ts';
import { useConnectOwnApp } from '../../../api/connectors.ts';
import { errorMessage } from '../../../lib/errors.ts';

export interface OwnAppPrefill {
  tenant: string;
  clientId: string;
  clientSecret?: string;
  secretExpiresAt?: string;
}

/** The application permissions Mailroom needs, with what each is for. */
export const ownAppPermissions = [
  'Mail.ReadWrite',
  'Mail.Send',
  'MailboxSettings.ReadWrite',
  'User.Read.All',
  'Organization.Read.All',
] as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Field = 'tenant' | 'clientId' | 'clientSecret' | 'secretExpiresAt' | 'certificatePem' | 'privateKeyPem';

function AppRegistrationHelp() {
  const { t } = useTranslation();
  return (
    <details className="help-details">
      <summary>{t('connectors.ownApp.help.title')}</summary>
      <List type="ordered" size="sm" spacing={8} mt="sm" pr="sm">
        <List.Item>
          {t('connectors.ownApp.help.step1')}{' '}
          <Anchor href="https://entra.microsoft.com" target="_blank" rel="noreferrer">
            entra.microsoft.com
          </Anchor>
        </List.Item>
        <List.Item>{t('connectors.ownApp.help.step2')}</List.Item>
        <List.Item>{t('connectors.ownApp.help.step3')}</List.Item>
        <List.Item>
          {t('connectors.ownApp.help.step4')}
          <List size="sm" spacing={2} mt={4} withPadding>
            {ownAppPermissions.map((p) => (
              <List.Item key={p}>
                <Code>{p}</Code> — {t(`connectors.ownApp.permissions.${p.replace(/\./g, '_')}`)}
              </List.Item>
            ))}
          </List>
        </List.Item>
        <List.Item>{t('connectors.ownApp.help.step5')}</List.Item>
        <List.Item>{t('connectors.ownApp.help.step6')}</List.Item>
        <List.Item>{t('connectors.ownApp.help.step7')}</List.Item>
      </List>
    </details>
  );
}

/** Own app registration: tenant, client id and a secret (with its expiry) or a certificate. */
export function OwnAppForm({
  ws,
  connector,
  prefill,
  onCancel,
}: {
  ws: string;
  connector: Connector;
  prefill: OwnAppPrefill | null;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const connect = useConnectOwnApp(ws, connector.id);
  const [kind, setKind] = useState<'secret' | 'certificate'>(
    connector.connection?.credentialKind === 'certificate' ? 'certificate' : 'secret',
  );
  const [values, setValues] = useState<Record<Field, string>>({
    tenant: prefill?.tenant ?? '',
    clientId: prefill?.clientId ?? '',
    clientSecret: prefill?.clientSecret ?? '',
    secretExpiresAt: prefill?.secretExpiresAt ?? '',
    certificatePem: '',
    privateKeyPem: '',
  });
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({});

  const set = (f: Field) => (v: string) => {
    setValues((old) => ({ ...old, [f]: v }));
    setProblems((old) => ({ ...old, [f]: undefined }));
    if (connect.error) connect.reset();
  };

  const readFile = (f: Field) => (file: File | null) => {
    if (file) void file.text().then(set(f));
  };

  // Microsoft's answer (422 connection_failed) or the server's validation, next to the field concerned.
  const serverField: Partial<Record<Field, string>> = {};
  if (connect.error instanceof ApiError) {
    for (const d of connect.error.details) {
      const key = (d.path.split(/[./]/).filter(Boolean).pop() ?? '') as Field;
      if (key in values) serverField[key] ??= d.message;
    }
  }
  const fieldError = (f: Field) => problems[f] ?? serverField[f];
  const failed = connect.error instanceof ApiError && connect.error.code === 'connection_failed';

  const validate = (): Partial<Record<Field, string>> => {
    const out: Partial<Record<Field, string>> = {};
    const required: Field[] =
      kind === 'secret'
        ? ['tenant', 'clientId', 'clientSecret', 'secretExpiresAt']
        : ['tenant', 'clientId', 'certificatePem', 'privateKeyPem'];
    for (const f of required) if (!values[f].trim()) out[f] = t('validation.required');
    if (!out.tenant && !TenantRef.safeParse(values.tenant).success)
      out.tenant = t('connectors.ownApp.tenantInvalid');
    if (!out.clientId && !GUID.test(values.clientId.trim()))
      out.clientId = t('connectors.ownApp.clientIdInvalid');
    if (kind === 'secret' && !out.secretExpiresAt) {
      const d = new Date(`${values.secretExpiresAt}T23:59:59Z`);
      if (Number.isNaN(d.getTime())) out.secretExpiresAt = t('validation.invalid');
      else if (d.getTime() < Date.now()) out.secretExpiresAt = t('connectors.ownApp.expiryPast');
    }
    if (kind === 'certificate') {
      if (!out.certificatePem && !values.certificatePem.includes('BEGIN CERTIFICATE'))
        out.certificatePem = t('connectors.ownApp.pemInvalid');
      if (!out.privateKeyPem && !/BEGIN [A-Z ]*PRIVATE KEY/.test(values.privateKeyPem))
        out.privateKeyPem = t('connectors.ownApp.keyInvalid');
    }
    return out;
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = validate();
    setProblems(found);
    const first = (Object.keys(found) as Field[]).find((f) => found[f]);
    if (first) {
      document.getElementById(`own-app-${first}`)?.focus();
      return;
    }
    const body: OwnAppRequest =
      kind === 'secret'
        ? {
            tenant: values.tenant.trim(),
            clientId: values.clientId.trim(),
            clientSecret: values.clientSecret,
            secretExpiresAt: values.secretExpiresAt,
          }
        : {
            tenant: values.tenant.trim(),
            clientId: values.clientId.trim(),
            certificatePem: values.certificatePem,
            privateKeyPem: values.privateKeyPem,
          };
    const parsed = OwnAppRequest.safeParse(body);
    if (!parsed.success) {
      setProblems({ tenant: t('validation.invalid') });
      return;
    }
    connect.mutate(parsed.data);
  };

  return (
    <Paper
      withBorder
      radius="md"
      p="lg"
      id="own-app-form"
      component="section"
      aria-labelledby="own-app-title"
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="md" maw={720}>
          <div>
            <Title order={3} size="h4" id="own-app-title">
              {t('connectors.ownApp.title')}
            </Title>
            <Text size="sm" c="dimmed" mt={4}>
              {t('connectors.ownApp.intro')}
            </Text>
          </div>
          <AppRegistrationHelp />
          <TextInput
            id="own-app-tenant"
            label={t('connectors.ownApp.tenant')}
            description={t('connectors.ownApp.tenantHint')}
            placeholder="contoso.onmicrosoft.com"
            value={values.tenant}
            onChange={(e) => set('tenant')(e.currentTarget.value)}
            error={fieldError('tenant')}
            required
            autoComplete="off"
            spellCheck={false}
          />
          <TextInput
            id="own-app-clientId"
            label={t('connectors.ownApp.clientId')}
            description={t('connectors.ownApp.clientIdHint')}
            placeholder="00000000-0000-0000-0000-000000000000"
            value={values.clientId}
            onChange={(e) => set('clientId')(e.currentTarget.value)}
            error={fieldError('clientId')}
            required
            autoComplete="off"
            spellCheck={false}
          />
          <div>
            <Text size="sm" fw={500} id="own-app-kind-label" mb={4}>
              {t('connectors.ownApp.credential')}
            </Text>
            <SegmentedControl
              aria-labelledby="own-app-kind-label"
              value={kind}
              onChange={(v) => setKind(v as 'secret' | 'certificate')}
              data={[
                { value: 'secret', label: t('connectors.ownApp.kindSecret') },
                { value: 'certificate', label: t('connectors.ownApp.kindCertificate') },
              ]}
            />
          </div>
          {kind === 'secret' ? (
            <Group align="flex-start" grow wrap="wrap" gap="md">
              <PasswordInput
                id="own-app-clientSecret"
                label={t('connectors.ownApp.secret')}
                description={t('connectors.ownApp.secretHint')}
                value={values.clientSecret}
                onChange={(e) => set('clientSecret')(e.currentTarget.value)}
                error={fieldError('clientSecret')}
                required
                autoComplete="off"
                miw={240}
              />
              <TextInput
                id="own-app-secretExpiresAt"
                type="date"
                label={t('connectors.ownApp.expires')}
                description={t('connectors.ownApp.expiresHint')}
                value={values.secretExpiresAt}
                onChange={(e) => set('secretExpiresAt')(e.currentTarget.value)}
                error={fieldError('secretExpiresAt')}
                required
                miw={200}
              />
            </Group>
          ) : (
            <>
              <Stack gap={4}>
                <Textarea
                  id="own-app-certificatePem"
                  label={t('connectors.ownApp.certificate')}
                  description={t('connectors.ownApp.certificateHint')}
                  placeholder="-----BEGIN CERTIFICATE-----"
                  value={values.certificatePem}
                  onChange={(e) => set('certificatePem')(e.currentTarget.value)}
                  error={fieldError('certificatePem')}
                  autosize
                  minRows={3}
                  maxRows={8}
                  required
                  spellCheck={false}
                  classNames={{ input: 'mono' }}
                />
                <FileButton onChange={readFile('certificatePem')} accept=".pem,.crt,.cer,text/plain">
                  {(props) => (
                    <Button
                      {...props}
                      variant="subtle"
                      size="xs"
                      leftSection={<IconUpload size={14} aria-hidden />}
                      w="fit-content"
                    >
                      {t('connectors.ownApp.uploadCertificate')}
                    </Button>
                  )}
                </FileButton>
              </Stack>
              <Stack gap={4}>
                <Textarea
                  id="own-app-privateKeyPem"
                  label={t('connectors.ownApp.privateKey')}
                  description={t('connectors.ownApp.privateKeyHint')}
                  placeholder="-----BEGIN PRIVATE KEY-----"
                  value={values.privateKeyPem}
                  onChange={(e) => set('privateKeyPem')(e.currentTarget.value)}
                  error={fieldError('privateKeyPem')}
                  autosize
                  minRows={3}
                  maxRows={8}
                  required
                  spellCheck={false}
                  classNames={{ input: 'mono' }}
                />
                <FileButton onChange={readFile('privateKeyPem')} accept=".pem,.key,text/plain">
                  {(props) => (
                    <Button
                      {...props}
                      variant="subtle"
                      size="xs"
                      leftSection={<IconUpload size={14} aria-hidden />}
                      w="fit-content"
                    >
                      {t('connectors.ownApp.uploadKey')}
                    </Button>
                  )}
                </FileButton>
              </Stack>
            </>
          )}
          {connect.error && (
            <Alert
              color="red"
              icon={<IconAlertCircle aria-hidden />}
              role="alert"
              title={failed ? t('connectors.ownApp.failedTitle') : t('connectors.ownApp.errorTitle')}
            >
              <Stack gap={4}>
                <Text size="sm">
                  {failed ? t('connectors.ownApp.failedBody') : errorMessage(t, connect.error)}
                </Text>
                {failed && (
                  <Text size="xs" c="dimmed">
                    {t('connectors.ownApp.microsoftSaid')} {connect.error.message}
                  </Text>
                )}
              </Stack>
            </Alert>
          )}
          <Group gap="sm">
            <Button type="submit" loading={connect.isPending}>
              {connect.isPending ? t('connectors.ownApp.verifying') : t('connectors.ownApp.submit')}
            </Button>
            <Button type="button" variant="default" onClick={onCancel}>
              {t('common.cancel')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
