import { Code, Group, MultiSelect, Stack, Text } from '@mantine/core';
import { webhookEventTypes, type WebhookEventType } from '@mailroom/contracts';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';

/** An event type in words ("Document created"); an unknown one (a newer server) as its code. */
export function eventWords(t: TFunction, type: string): string {
  return t(`webhooks.events.${type}`, { defaultValue: type });
}

/** document.* under Documents, connector.* under Connectors, …: the part before the dot. */
function groupsOf(t: TFunction) {
  const groups = new Map<string, WebhookEventType[]>();
  for (const type of webhookEventTypes) {
    const kind = type.split('.')[0] ?? type;
    groups.set(kind, [...(groups.get(kind) ?? []), type]);
  }
  return [...groups].map(([kind, types]) => ({
    group: t(`webhooks.eventGroups.${kind}`, { defaultValue: kind }),
    items: types.map((type) => ({ value: type, label: type })),
  }));
}

/**
 * The event types an endpoint subscribes to; none chosen = every event. Integrators match on the
 * codes, so the codes are what the field shows, with their meaning under each option.
 */
export function EventTypesPicker({
  value,
  onChange,
  error,
}: {
  value: WebhookEventType[];
  onChange: (types: WebhookEventType[]) => void;
  error?: string | null;
}) {
  const { t } = useTranslation();
  return (
    <MultiSelect
      id="webhook-events"
      label={t('webhooks.fields.events')}
      description={t('webhooks.add.eventsHint')}
      placeholder={value.length === 0 ? t('webhooks.allEvents') : undefined}
      data={groupsOf(t)}
      value={value}
      onChange={(v) => onChange(v as WebhookEventType[])}
      error={error ?? null}
      searchable
      clearable
      renderOption={({ option }) => (
        <Stack gap={0}>
          <Text size="sm" className="mono">
            {option.value}
          </Text>
          <Text size="xs" c="dimmed">
            {eventWords(t, option.value)}
          </Text>
        </Stack>
      )}
    />
  );
}

/** "All events", or the endpoint's event types as codes (their meaning in a tooltip). */
export function EventTypesText({ types }: { types: string[] }) {
  const { t } = useTranslation();
  if (types.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {t('webhooks.allEvents')}
      </Text>
    );
  }
  return (
    <Group gap={4}>
      {types.map((type) => (
        <Code key={type} title={eventWords(t, type)}>
          {type}
        </Code>
      ))}
    </Group>
  );
}
