import { ActionIcon, Alert, Badge, Button, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconAlertCircle, IconPlus, IconX } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useTaxonomy, useTaxonomyChange } from '../../../api/inboxes.ts';
import { errorMessage } from '../../../lib/errors.ts';

/** Document types or tags of the workspace: everyone reads them, admins add and remove. */
export function TaxonomySection({
  ws,
  kind,
  canManage,
}: {
  ws: string;
  kind: 'types' | 'tags';
  canManage: boolean;
}) {
  const { t } = useTranslation();
  const list = useTaxonomy(ws, kind);
  const { create, remove } = useTaxonomyChange(ws, kind);
  const [name, setName] = useState('');
  const prefix = kind === 'types' ? 'inboxes.types' : 'inboxes.tags';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    create.mutate(name.trim(), { onSuccess: () => setName('') });
  };
  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap="sm">
        <div>
          <Title order={2} size="h4">
            {t(`${prefix}.title`)}
          </Title>
          <Text size="sm" c="dimmed">
            {t(`${prefix}.intro`)}
          </Text>
        </div>
        <Group gap="xs" aria-label={t(`${prefix}.title`)} role="list">
          {list.data?.items.length === 0 && (
            <Text size="sm" c="dimmed">
              {t(`${prefix}.none`)}
            </Text>
          )}
          {list.data?.items.map((x) => (
            <Badge
              key={x.id}
              role="listitem"
              variant="light"
              tt="none"
              size="lg"
              rightSection={
                canManage ? (
                  <ActionIcon
                    size="xs"
                    variant="transparent"
                    aria-label={t('inboxes.removeNamed', { name: x.name })}
                    onClick={() => remove.mutate(x.id)}
                  >
                    <IconX size={12} aria-hidden />
                  </ActionIcon>
                ) : undefined
              }
            >
              {x.name}
            </Badge>
          ))}
        </Group>
        {canManage && (
          <form onSubmit={submit}>
            <Group gap="xs" align="flex-end">
              <TextInput
                label={t(`${prefix}.new`)}
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                maxLength={80}
                style={{ flex: 1, maxWidth: 320 }}
              />
              <Button
                type="submit"
                variant="default"
                leftSection={<IconPlus size={14} aria-hidden />}
                loading={create.isPending}
              >
                {t(`${prefix}.add`)}
              </Button>
            </Group>
          </form>
        )}
        {(create.error || remove.error) && (
          <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
            {errorMessage(t, create.error ?? remove.error)}
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}
