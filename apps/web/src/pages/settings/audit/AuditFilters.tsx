import { Alert, Anchor, Button, Group, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { IconDownload } from '@tabler/icons-react';
import type { AuditFilter } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { auditExportUrl } from '../../../api/audit.ts';

/** Action families the server filters on (`connector.*`): the prefixes its audit lines use. */
const FAMILIES = [
  'connector',
  'mailbox',
  'folder',
  'inbox',
  'document',
  'member',
  'invitation',
  'workspace',
  'api_key',
  'webhook',
] as const;
/** Object types of audit lines (`targetType`). */
const OBJECTS = [
  'connector',
  'mailbox',
  'folder',
  'inbox',
  'document',
  'user',
  'invitation',
  'api_key',
  'webhook_endpoint',
  'tag',
  'document type',
  'workspace',
] as const;

/** What the form holds: days as the date inputs give them, turned into the API's times by `toFilter`. */
export interface AuditForm {
  actor: string;
  family: string;
  targetType: string;
  fromDay: string;
  toDay: string;
}
export const emptyAuditForm: AuditForm = { actor: '', family: '', targetType: '', fromDay: '', toDay: '' };

/** A reversed range (end before start) is said, not sent: it could only ever find nothing. */
export const isReversed = (f: AuditForm) => f.fromDay !== '' && f.toDay !== '' && f.toDay < f.fromDay;

/** The server's filter: whole days in the browser's time zone, the end day included. */
export function toFilter(f: AuditForm): AuditFilter {
  const startOf = (day: string) => new Date(`${day}T00:00:00`);
  const out: AuditFilter = {};
  if (f.actor.trim()) out.actor = f.actor.trim();
  if (f.family) out.action = `${f.family}.*`;
  if (f.targetType) out.targetType = f.targetType;
  if (f.fromDay) out.from = startOf(f.fromDay).toISOString();
  if (f.toDay) {
    const end = startOf(f.toDay);
    end.setDate(end.getDate() + 1);
    out.to = end.toISOString();
  }
  return out;
}

/** Who, what, on what, from, to; and the export of what they select, as CSV or JSON Lines. */
export function AuditFilters(props: { ws: string; value: AuditForm; onChange: (f: AuditForm) => void }) {
  const { t } = useTranslation();
  const { value, onChange } = props;
  // Typing in "Who" asks the server once the typing stops.
  const [actor, setActor] = useState(value.actor);
  const sendActor = useDebouncedCallback((a: string) => onChange({ ...value, actor: a }), 350);
  const set = (k: keyof AuditForm, v: string) => onChange({ ...value, [k]: v });
  const reversed = isReversed(value);
  const filter = toFilter(value);
  const filtered = Object.values(value).some((v) => v !== '');
  return (
    <Stack gap="sm" role="search" aria-label={t('audit.filters.label')}>
      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          label={t('audit.filters.actor')}
          placeholder={t('audit.filters.actorPlaceholder')}
          value={actor}
          onChange={(e) => {
            setActor(e.currentTarget.value);
            sendActor(e.currentTarget.value);
          }}
          w={240}
          maxLength={200}
        />
        <NativeSelect
          label={t('audit.filters.action')}
          value={value.family}
          onChange={(e) => set('family', e.currentTarget.value)}
          data={[
            { value: '', label: t('audit.filters.any') },
            ...FAMILIES.map((f) => ({ value: f, label: t(`audit.filters.families.${f}`) })),
          ]}
          w={220}
        />
        <NativeSelect
          label={t('audit.filters.object')}
          value={value.targetType}
          onChange={(e) => set('targetType', e.currentTarget.value)}
          data={[
            { value: '', label: t('audit.filters.any') },
            ...OBJECTS.map((o) => ({ value: o, label: t(`audit.filters.objects.${o}`) })),
          ]}
          w={220}
        />
      </Group>
      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          type="date"
          label={t('audit.filters.from')}
          value={value.fromDay}
          onChange={(e) => set('fromDay', e.currentTarget.value)}
          error={reversed}
          w={170}
        />
        <TextInput
          type="date"
          label={t('audit.filters.to')}
          value={value.toDay}
          onChange={(e) => set('toDay', e.currentTarget.value)}
          error={reversed}
          w={170}
        />
        {filtered && (
          <Button
            variant="subtle"
            onClick={() => {
              setActor('');
              onChange(emptyAuditForm);
            }}
          >
            {t('audit.filters.clear')}
          </Button>
        )}
      </Group>
      {reversed && (
        <Alert color="orange" variant="light" role="alert">
          {t('audit.filters.reversed')}
        </Alert>
      )}
      <Group gap="md" wrap="wrap">
        <Text size="sm" c="dimmed">
          {t('audit.filters.exportHint')}
        </Text>
        {!reversed && (
          <>
            <Anchor href={auditExportUrl(props.ws, filter, 'csv')} download size="sm">
              <Group gap={4} wrap="nowrap">
                <IconDownload size={16} aria-hidden />
                {t('audit.filters.csv')}
              </Group>
            </Anchor>
            <Anchor href={auditExportUrl(props.ws, filter, 'jsonl')} download size="sm">
              <Group gap={4} wrap="nowrap">
                <IconDownload size={16} aria-hidden />
                {t('audit.filters.jsonl')}
              </Group>
            </Anchor>
          </>
        )}
      </Group>
    </Stack>
  );
}
