import { Alert, Button, Group, Paper, Stack, TagsInput, Text, Title } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useInflowSettings, useSaveInflowSettings } from '../../../api/inboxes.ts';
import { errorMessage } from '../../../lib/errors.ts';

/** The workspace's internal domains: inflow filtering skips senders from them (and the tenant's own). */
export function InternalDomains({ ws, canManage }: { ws: string; canManage: boolean }) {
  const { t } = useTranslation();
  const settings = useInflowSettings(ws);
  const save = useSaveInflowSettings(ws);
  const [draft, setDraft] = useState<string[] | null>(null);
  const value = draft ?? settings.data?.internalDomains ?? [];
  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap="sm">
        <div>
          <Title order={2} size="h4">
            {t('inboxes.domains.title')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('inboxes.domains.intro')}
          </Text>
        </div>
        <TagsInput
          label={t('inboxes.domains.label')}
          placeholder={canManage ? t('inboxes.domains.placeholder') : undefined}
          value={value}
          onChange={setDraft}
          disabled={!canManage}
          splitChars={[',', ' ', ';']}
          clearable={canManage}
        />
        {canManage && (
          <Group>
            <Button
              variant="default"
              disabled={draft === null}
              loading={save.isPending}
              onClick={() => save.mutate({ internalDomains: value }, { onSuccess: () => setDraft(null) })}
            >
              {t('common.save')}
            </Button>
            {save.isSuccess && draft === null && (
              <Text size="sm" c="teal.8" role="status">
                {t('inboxes.domains.saved')}
              </Text>
            )}
          </Group>
        )}
        {save.error && (
          <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
            {errorMessage(t, save.error)}
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}
