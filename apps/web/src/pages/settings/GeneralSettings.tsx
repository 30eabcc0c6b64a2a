import {
  Alert,
  Button,
  Group,
  NumberInput,
  Paper,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconAlertCircle, IconAlertTriangle, IconCircleCheck } from '@tabler/icons-react';
import { RETENTION_DAYS_MAX, RETENTION_DAYS_MIN, RetentionDays, WorkspaceName } from '@mailroom/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useChangeRetention, useRenameWorkspace, useWorkspace } from '../../api/workspace.ts';
import { PageHeading } from '../../components/PageHeading.tsx';
import { errorMessage, fieldErrorsOf } from '../../lib/errors.ts';
import { formatDate } from '../../lib/time.ts';
import { check } from '../../lib/validate.ts';
import { useCurrentWorkspace } from '../../lib/workspace.ts';

function RenameWorkspace({ ws, initial }: { ws: string; initial: string }) {
  const { t } = useTranslation();
  const rename = useRenameWorkspace(ws);
  const [name, setName] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const serverField = fieldErrorsOf(rename.error).name;
  const general = rename.error && !serverField ? errorMessage(t, rename.error) : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = check(t, WorkspaceName, name);
    setProblem(p);
    setSaved(false);
    if (p) return;
    rename.mutate(name.trim(), { onSuccess: () => setSaved(true) });
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm" maw={480}>
        <TextInput
          label={t('general.nameLabel')}
          description={t('general.nameHint')}
          value={name}
          onChange={(e) => {
            setName(e.currentTarget.value);
            setProblem(null);
            setSaved(false);
            if (rename.error) rename.reset();
          }}
          error={problem ?? serverField ?? null}
          required
          autoComplete="organization"
        />
        {general && (
          <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
            {general}
          </Alert>
        )}
        <Group gap="sm">
          <Button type="submit" loading={rename.isPending} disabled={name.trim() === initial}>
            {t('common.save')}
          </Button>
          <div role="status" aria-live="polite">
            {saved && (
              <Group gap={4} c="teal.8">
                <IconCircleCheck size={16} aria-hidden />
                <Text size="sm">{t('common.saved')}</Text>
              </Group>
            )}
          </div>
        </Group>
      </Stack>
    </form>
  );
}

/** How long documents are kept: admins change it; a shorter one erases older documents within the hour. */
function RetentionSetting({ ws, initial }: { ws: string; initial: number }) {
  const { t } = useTranslation();
  const change = useChangeRetention(ws);
  const [days, setDays] = useState<number | string>(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const serverField = fieldErrorsOf(change.error).retentionDays;
  const general = change.error && !serverField ? errorMessage(t, change.error) : null;
  const value = typeof days === 'number' ? days : Number.NaN;
  const valid = RetentionDays.safeParse(value).success;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    if (!valid) {
      setProblem(t('general.retentionRange', { min: RETENTION_DAYS_MIN, max: RETENTION_DAYS_MAX }));
      return;
    }
    setProblem(null);
    change.mutate(value, { onSuccess: () => setSaved(true) });
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm" maw={480}>
        <NumberInput
          label={t('general.retentionLabel')}
          description={t('general.retentionHint')}
          value={days}
          onChange={(v) => {
            setDays(v);
            setProblem(null);
            setSaved(false);
            if (change.error) change.reset();
          }}
          min={RETENTION_DAYS_MIN}
          max={RETENTION_DAYS_MAX}
          clampBehavior="none"
          allowDecimal={false}
          allowNegative={false}
          error={problem ?? serverField ?? null}
          required
        />
        {valid && value < initial && (
          <Alert color="yellow" variant="light" icon={<IconAlertTriangle aria-hidden />} role="note">
            {t('general.retentionShorter', { count: value })}
          </Alert>
        )}
        {general && (
          <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
            {general}
          </Alert>
        )}
        <Group gap="sm">
          <Button type="submit" loading={change.isPending} disabled={value === initial}>
            {t('general.retentionSave')}
          </Button>
          <div role="status" aria-live="polite">
            {saved && (
              <Group gap={4} c="teal.8">
                <IconCircleCheck size={16} aria-hidden />
                <Text size="sm">{t('common.saved')}</Text>
              </Group>
            )}
          </div>
        </Group>
      </Stack>
    </form>
  );
}

export function GeneralSettings() {
  const { t, i18n } = useTranslation();
  const ws = useCurrentWorkspace();
  const workspace = useWorkspace(ws.id);

  return (
    <Stack gap="lg">
      <div>
        <PageHeading size="h2">{t('settings.sections.general')}</PageHeading>
        <Text c="dimmed" mt={4}>
          {t('general.intro')}
        </Text>
      </div>
      {!ws.canManage && (
        <Alert color="gray" variant="light" role="note">
          {t('settings.readOnly')}
        </Alert>
      )}
      <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="general-name">
        <Title order={2} size="h4" id="general-name" mb="md">
          {t('general.workspace')}
        </Title>
        {workspace.isPending ? (
          <Skeleton h={60} maw={480} />
        ) : workspace.isError ? (
          <Alert color="red" role="alert">
            {errorMessage(t, workspace.error)}
          </Alert>
        ) : ws.canManage ? (
          <RenameWorkspace key={ws.id} ws={ws.id} initial={workspace.data.name} />
        ) : (
          <dl className="facts">
            <div>
              <dt>{t('general.nameLabel')}</dt>
              <dd>{workspace.data.name}</dd>
            </div>
            <div>
              <dt>{t('general.created')}</dt>
              <dd>{formatDate(new Date(workspace.data.createdAt), i18n.resolvedLanguage ?? 'en')}</dd>
            </div>
            <div>
              <dt>{t('general.yourRole')}</dt>
              <dd>{t(`roles.${ws.role}`)}</dd>
            </div>
          </dl>
        )}
      </Paper>
      <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="general-retention">
        <Title order={2} size="h4" id="general-retention" mb="xs">
          {t('general.retention')}
        </Title>
        <Text c="dimmed" size="sm" mb="md" maw={640}>
          {t('general.retentionIntro')}
        </Text>
        {workspace.isPending ? (
          <Skeleton h={60} maw={480} />
        ) : workspace.isError ? null : ws.canManage ? (
          <RetentionSetting key={ws.id} ws={ws.id} initial={workspace.data.retentionDays} />
        ) : (
          <dl className="facts">
            <div>
              <dt>{t('general.retentionLabel')}</dt>
              <dd>{t('general.retentionUnit', { count: workspace.data.retentionDays })}</dd>
            </div>
          </dl>
        )}
      </Paper>
    </Stack>
  );
}
