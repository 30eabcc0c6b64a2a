import { Group, NativeSelect, Stack } from '@mantine/core';
import type { Document } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';
import { useUpdateDocument } from '../../api/documents.ts';
import { useTaxonomy, useInboxes } from '../../api/inboxes.ts';
import { MetadataEditor } from '../../components/MetadataEditor.tsx';
import { TagPicker } from '../../components/TagPicker.tsx';

/** Document type, tags and metadata; each change is saved at once and written in the history. */
export function DocumentClassification({ ws, doc }: { ws: string; doc: Document }) {
  const { t } = useTranslation();
  const update = useUpdateDocument(ws, doc.id);
  const types = useTaxonomy(ws, 'types');
  const inboxes = useInboxes(ws);
  // The inbox's default document types come first.
  const defaults = inboxes.data?.items.find((i) => i.id === doc.inboxId)?.documentTypeIds ?? [];
  const typeOptions = [...(types.data?.items ?? [])].sort(
    (a, b) => Number(defaults.includes(b.id)) - Number(defaults.includes(a.id)),
  );
  return (
    <Stack gap="md">
      <Group gap="md" align="flex-start" wrap="wrap">
        <NativeSelect
          label={t('rules.type')}
          value={doc.documentTypeId ?? ''}
          data={[
            { value: '', label: t('rules.noType') },
            ...typeOptions.map((x) => ({ value: x.id, label: x.name })),
          ]}
          onChange={(e) => update.mutate({ documentTypeId: e.currentTarget.value || null })}
          w={{ base: '100%', sm: 240 }}
        />
        <TagPicker
          value={doc.tagIds}
          onChange={(tagIds) => update.mutate({ tagIds })}
          w={{ base: '100%', sm: 320 }}
        />
      </Group>
      <MetadataEditor
        label={t('documents.metadata')}
        value={doc.metadata}
        onSave={(metadata) => update.mutate({ metadata })}
        busy={update.isPending}
      />
    </Stack>
  );
}
