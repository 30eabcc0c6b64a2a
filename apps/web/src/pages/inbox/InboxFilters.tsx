import { Group, NativeSelect, TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { documentStatusValues } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useTaxonomy, useInboxes } from '../../api/inboxes.ts';
import { useMailboxOptions, type DocumentFilters } from '../../api/documents.ts';

const KEYS = [
  'inboxId',
  'status',
  'documentTypeId',
  'tagId',
  'mailboxId',
  'dates',
  'fromDay',
  'toDay',
  'q',
] as const;
export type FilterKey = (typeof KEYS)[number];

/** The filters as the URL keeps them (so a filtered inbox can be bookmarked and shared). */
export function filtersOf(params: URLSearchParams): DocumentFilters {
  const f: DocumentFilters = {};
  for (const k of KEYS) {
    const v = params.get(k === 'inboxId' ? 'inbox' : k);
    if (v) (f as Record<string, string>)[k] = v;
  }
  return f;
}

/**
 * Search and filters above the inbox list: inbox, status, type, tag, mailbox, and days — of arrival,
 * or of the sender's own date (a claim must be sent before a deadline, whenever it reached us).
 */
export function InboxFilters({
  ws,
  filters,
  onChange,
}: {
  ws: string;
  filters: DocumentFilters;
  onChange: (key: FilterKey, value: string) => void;
}) {
  const { t } = useTranslation();
  const inboxes = useInboxes(ws);
  const types = useTaxonomy(ws, 'types');
  const tags = useTaxonomy(ws, 'tags');
  const mailboxes = useMailboxOptions(ws);
  const [q, setQ] = useState(filters.q ?? '');
  const search = useDebouncedCallback((v: string) => onChange('q', v), 300);
  const any = (label: string) => [{ value: '', label }];
  // Long names (a 150-character type) are cut by the list's width; the whole name is its tooltip.
  const named = (items: { id: string; name: string }[] | undefined, id: string | null | undefined) =>
    items?.find((x) => x.id === id)?.name;
  const reversed = !!filters.fromDay && !!filters.toDay && filters.toDay < filters.fromDay;
  const sent = filters.dates === 'sent';
  return (
    <Group gap="sm" align="flex-end" wrap="wrap" role="search" aria-label={t('inbox.filters')}>
      <TextInput
        label={t('inbox.search')}
        placeholder={t('inbox.searchHint')}
        leftSection={<IconSearch size={14} aria-hidden />}
        value={q}
        onChange={(e) => {
          setQ(e.currentTarget.value);
          search(e.currentTarget.value);
        }}
        type="search"
        // Wide enough for the French hint ("Objet, expéditeur ou nom de fichier") uncut.
        w={{ base: '100%', sm: 320 }}
      />
      {(inboxes.data?.items.length ?? 0) > 1 && (
        <NativeSelect
          label={t('documents.filterInbox')}
          value={filters.inboxId ?? ''}
          onChange={(e) => onChange('inboxId', e.currentTarget.value)}
          maw={220}
          title={named(inboxes.data?.items, filters.inboxId)}
          data={[
            ...any(t('documents.allInboxes')),
            ...(inboxes.data?.items ?? []).map((i) => ({ value: i.id, label: i.name })),
          ]}
        />
      )}
      <NativeSelect
        label={t('inbox.status')}
        value={filters.status ?? ''}
        onChange={(e) => onChange('status', e.currentTarget.value)}
        data={[
          ...any(t('inbox.statusWorking')),
          ...documentStatusValues.map((s) => ({ value: s, label: t(`status.${s}`) })),
        ]}
      />
      <NativeSelect
        label={t('inbox.type')}
        value={filters.documentTypeId ?? ''}
        onChange={(e) => onChange('documentTypeId', e.currentTarget.value)}
        maw={220}
        title={named(types.data?.items, filters.documentTypeId)}
        data={[
          ...any(t('inbox.anyType')),
          ...(types.data?.items ?? []).map((x) => ({ value: x.id, label: x.name })),
        ]}
      />
      <NativeSelect
        label={t('inbox.tag')}
        value={filters.tagId ?? ''}
        onChange={(e) => onChange('tagId', e.currentTarget.value)}
        maw={220}
        title={named(tags.data?.items, filters.tagId)}
        data={[
          ...any(t('inbox.anyTag')),
          ...(tags.data?.items ?? []).map((x) => ({ value: x.id, label: x.name })),
        ]}
      />
      <NativeSelect
        label={t('inbox.mailbox')}
        value={filters.mailboxId ?? ''}
        onChange={(e) => onChange('mailboxId', e.currentTarget.value)}
        maw={260}
        data={[
          ...any(t('inbox.anyMailbox')),
          ...(mailboxes.data?.items ?? []).map((m) => ({ value: m.id, label: m.address })),
        ]}
      />
      <NativeSelect
        label={t('inbox.dates')}
        value={sent ? 'sent' : ''}
        onChange={(e) => onChange('dates', e.currentTarget.value)}
        data={[
          { value: '', label: t('inbox.datesReceived') },
          { value: 'sent', label: t('inbox.datesSent') },
        ]}
      />
      <TextInput
        type="date"
        label={t(sent ? 'inbox.sentFromDay' : 'inbox.fromDay')}
        value={filters.fromDay ?? ''}
        onChange={(e) => onChange('fromDay', e.currentTarget.value)}
      />
      <TextInput
        type="date"
        label={t(sent ? 'inbox.sentToDay' : 'inbox.toDay')}
        value={filters.toDay ?? ''}
        onChange={(e) => onChange('toDay', e.currentTarget.value)}
        error={reversed ? t('inbox.reversedRange') : undefined}
      />
    </Group>
  );
}
