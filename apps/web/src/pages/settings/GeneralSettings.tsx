import { Alert, Button, Group, Paper, Skeleton, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconAlertCircle, IconCircleCheck } from '@tabler/icons-react';
import { WorkspaceName } from '@mailroom/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useRenameWorkspace, useWorkspace } from '../../api/workspace.ts';
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
    </Stack>
  );
}
