import { NativeSelect, Stack, Switch, Text } from '@mantine/core';
import type { FolderStatus, UpdateFolderRequest } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';
import { useTaxonomy } from '../../../api/inboxes.ts';
import { MetadataEditor } from '../../../components/MetadataEditor.tsx';
import { TagPicker } from '../../../components/TagPicker.tsx';

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
        <Switch
          label={t('rules.marker')}
          description={t('rules.markerHint')}
          checked={folder.writeMarker}
          onChange={(e) => onChange({ writeMarker: e.currentTarget.checked })}
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
        <TagPicker
          value={folder.tagIds}
          onChange={(tagIds) => onChange({ tagIds })}
          placeholder={folder.tagIds.length ? undefined : t('rules.noTags')}
        />
      </div>
      <MetadataEditor
        label={t('rules.metadata')}
        value={folder.metadata}
        onSave={(metadata) => onChange({ metadata })}
        busy={busy}
      />
      <Text size="sm" c="dimmed" data-testid="new-mail-only">
        {t('rules.newMailOnly')}
      </Text>
    </Stack>
  );
}
