import {
  ActionIcon,
  Button,
  Group,
  MultiSelect,
  NativeSelect,
  Stack,
  Switch,
  Text,
  TextInput,
} from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import type { FolderStatus, UpdateFolderRequest } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useTaxonomy } from '../../../api/inboxes.ts';

/**
 * The rule beyond inbox, date and active: inflow filtering, document type, tags and metadata. Each
 * change is saved at once and applies to mail that arrives from then on (said under the fields).
 */
export function RuleDetails({
  ws,
  folder,
  onChange,
  busy,
}: {
  ws: string;
  folder: FolderStatus;
  onChange: (body: UpdateFolderRequest) => void;
  busy: boolean;
}) {
  const { t } = useTranslation();
  const types = useTaxonomy(ws, 'types');
  const tags = useTaxonomy(ws, 'tags');
  const [rows, setRows] = useState(() => Object.entries(folder.metadata));
  const [seen, setSeen] = useState(folder.metadata);
  if (seen !== folder.metadata && JSON.stringify(seen) !== JSON.stringify(folder.metadata)) {
    setSeen(folder.metadata);
    setRows(Object.entries(folder.metadata));
  }
  const metadata = Object.fromEntries(rows.filter(([k]) => k.trim()).map(([k, v]) => [k.trim(), v]));
  const metadataChanged = JSON.stringify(metadata) !== JSON.stringify(folder.metadata);
  return (
    <Stack gap="md">
      <div className="rule-grid">
        <Switch
          label={t('rules.filter')}
          description={t('rules.filterHint')}
          checked={folder.filterInflow}
          onChange={(e) => onChange({ filterInflow: e.currentTarget.checked })}
          disabled={busy}
        />
        <NativeSelect
          label={t('rules.type')}
          value={folder.documentTypeId ?? ''}
          data={[
            { value: '', label: t('rules.noType') },
            ...(types.data?.items ?? []).map((x) => ({ value: x.id, label: x.name })),
          ]}
          onChange={(e) => onChange({ documentTypeId: e.currentTarget.value || null })}
        />
        <MultiSelect
          label={t('rules.tags')}
          data={(tags.data?.items ?? []).map((x) => ({ value: x.id, label: x.name }))}
          value={folder.tagIds}
          onChange={(tagIds) => onChange({ tagIds })}
          placeholder={folder.tagIds.length ? undefined : t('rules.noTags')}
          searchable
          clearable
        />
      </div>
      <fieldset className="metadata-editor">
        <legend>
          <Text size="sm" fw={500}>
            {t('rules.metadata')}
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
                onChange={(e) => {
                  const next = [...rows];
                  next[i] = [e.currentTarget.value, v];
                  setRows(next);
                }}
                style={{ flex: 1 }}
              />
              <TextInput
                aria-label={t('rules.metadataValue', { n: i + 1 })}
                placeholder={t('rules.value')}
                value={v}
                maxLength={1000}
                onChange={(e) => {
                  const next = [...rows];
                  next[i] = [k, e.currentTarget.value];
                  setRows(next);
                }}
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
          <Group gap="xs">
            <Button
              size="xs"
              variant="subtle"
              leftSection={<IconPlus size={14} aria-hidden />}
              onClick={() => setRows([...rows, ['', '']])}
            >
              {t('rules.addEntry')}
            </Button>
            {metadataChanged && (
              <Button size="xs" variant="default" onClick={() => onChange({ metadata })} loading={busy}>
                {t('rules.saveMetadata')}
              </Button>
            )}
          </Group>
        </Stack>
      </fieldset>
      <Text size="sm" c="dimmed" data-testid="new-mail-only">
        {t('rules.newMailOnly')}
      </Text>
    </Stack>
  );
}
