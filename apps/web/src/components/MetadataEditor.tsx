import { ActionIcon, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { UnsavedChangesGuard } from './UnsavedChangesGuard.tsx';

/** Key/value pairs edited as rows; Save appears once something changed, and leaving unsaved asks first. */
export function MetadataEditor({
  label,
  value,
  onSave,
  busy,
  disabled,
}: {
  label: string;
  value: Record<string, string>;
  onSave: (next: Record<string, string>) => void;
  busy: boolean;
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  const [rows, setRows] = useState(() => Object.entries(value));
  const [seen, setSeen] = useState(value);
  if (seen !== value && JSON.stringify(seen) !== JSON.stringify(value)) {
    setSeen(value);
    setRows(Object.entries(value));
  }
  const next = Object.fromEntries(rows.filter(([k]) => k.trim()).map(([k, v]) => [k.trim(), v]));
  const changed = JSON.stringify(next) !== JSON.stringify(value);
  const set = (i: number, k: string, v: string) => {
    const copy = [...rows];
    copy[i] = [k, v];
    setRows(copy);
  };
  return (
    <fieldset className="metadata-editor" disabled={disabled}>
      {/* Mounted only while dirty: a router holds one blocker at a time, and a page may have several editors. */}
      {changed && !disabled && <UnsavedChangesGuard />}
      <legend>
        <Text size="sm" fw={500}>
          {label}
        </Text>
      </legend>
      <Stack gap={6}>
        {rows.map(([k, v], i) => (
          <Group key={i} gap="xs" wrap="nowrap">
            <TextInput
              aria-label={t('rules.metadataKey', { n: i + 1 })}
              placeholder={t('rules.key')}
              value={k}
              maxLength={64}
              onChange={(e) => set(i, e.currentTarget.value, v)}
              style={{ flex: 1 }}
            />
            <TextInput
              aria-label={t('rules.metadataValue', { n: i + 1 })}
              placeholder={t('rules.value')}
              value={v}
              maxLength={1000}
              onChange={(e) => set(i, k, e.currentTarget.value)}
              style={{ flex: 2 }}
            />
            <ActionIcon
              variant="subtle"
              color="gray"
              aria-label={t('rules.removeEntry', { n: i + 1 })}
              onClick={() => setRows(rows.filter((_, j) => j !== i))}
            >
              <IconTrash size={14} aria-hidden />
            </ActionIcon>
          </Group>
        ))}
        {!disabled && (
          <Group gap="xs">
            <Button
              size="xs"
              variant="subtle"
              leftSection={<IconPlus size={14} aria-hidden />}
              onClick={() => setRows([...rows, ['', '']])}
            >
              {t('rules.addEntry')}
            </Button>
            {changed && (
              <Button size="xs" variant="default" onClick={() => onSave(next)} loading={busy}>
                {t('rules.saveMetadata')}
              </Button>
            )}
          </Group>
        )}
      </Stack>
    </fieldset>
  );
}
