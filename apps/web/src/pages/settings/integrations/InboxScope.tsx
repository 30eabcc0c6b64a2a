import { MultiSelect, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useManagedInboxes } from '../../../api/inboxes.ts';

/**
 * The inboxes an API key or a webhook endpoint is limited to; none chosen = every inbox. Offers every
 * inbox of the workspace (admins manage keys and endpoints whether or not they are on an inbox).
 */
export function InboxScopePicker({
  ws,
  value,
  onChange,
  description,
  error,
}: {
  ws: string;
  value: string[];
  onChange: (ids: string[]) => void;
  description: string;
  error?: string | null;
}) {
  const { t } = useTranslation();
  const inboxes = useManagedInboxes(ws);
  const data = (inboxes.data?.items ?? []).map((i) => ({
    value: i.id,
    label: i.archived ? t('integrations.archivedInbox', { name: i.name }) : i.name,
  }));
  return (
    <MultiSelect
      label={t('integrations.inboxes')}
      description={description}
      placeholder={value.length === 0 ? t('integrations.allInboxes') : undefined}
      data={data}
      value={value}
      onChange={onChange}
      error={error ?? null}
      disabled={inboxes.isPending}
      searchable
      clearable
      comboboxProps={{ withinPortal: true }}
    />
  );
}

/** "All inboxes", or the names of the inboxes it is limited to. */
export function InboxScopeText({ ws, ids }: { ws: string; ids: string[] | null }) {
  const { t } = useTranslation();
  const inboxes = useManagedInboxes(ws, ids !== null && ids.length > 0);
  if (!ids || ids.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {t('integrations.allInboxes')}
      </Text>
    );
  }
  const name = (id: string) => inboxes.data?.items.find((i) => i.id === id)?.name ?? '…';
  return <Text size="sm">{ids.map(name).join(', ')}</Text>;
}
