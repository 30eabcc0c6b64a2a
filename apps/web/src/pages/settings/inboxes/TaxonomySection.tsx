import { ActionIcon, Alert, Badge, Button, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconAlertCircle, IconPlus, IconX } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useTaxonomy, useTaxonomyChange } from '../../../api/inboxes.ts';
import { NAME_MAX } from '@mailroom/contracts';
import { errorMessage, fieldErrorsOf } from '../../../lib/errors.ts';
import { newIdempotencyKey } from '../../../lib/idempotency-key.ts';

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
  // One Idempotency-Key per name added: a double click on Add adds it once (decision 0019).
  const [key, setKey] = useState(newIdempotencyKey);
  const prefix = kind === 'types' ? 'inboxes.types' : 'inboxes.tags';
  // A name too long is said, not cut: the field takes what was pasted and explains the limit.
  const tooLong = name.trim().length > NAME_MAX;
  const nameError = tooLong
    ? t('validation.max', { max: NAME_MAX })
    : (fieldErrorsOf(create.error).name ?? null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim() || tooLong || create.isPending) return;
    create.mutate(
      { name: name.trim(), key },
      {
        onSuccess: () => {
          setName('');
          setKey(newIdempotencyKey());
        },
      },
    );
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
              // A long name is cut with an ellipsis; the whole of it is the tooltip.
              maw={320}
              title={x.name}
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
                onChange={(e) => {
                  setName(e.currentTarget.value);
                  if (create.error) create.reset();
                }}
                error={nameError}
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
