import { Stack, TextInput, Textarea } from '@mantine/core';
import {
  CreateWebhookEndpointRequest,
  type WebhookEndpoint,
  type WebhookEventType,
} from '@mailroom/contracts';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { check } from '../../../lib/validate.ts';
import { InboxScopePicker } from '../integrations/InboxScope.tsx';
import { EventTypesPicker } from './EventTypes.tsx';

/** What the add and edit dialogs ask for. */
export interface EndpointDraft {
  url: string;
  description: string;
  eventTypes: WebhookEventType[];
  inboxIds: string[];
}

/** Fields the server may refuse by name; any other refusal is shown above the buttons. */
export const ENDPOINT_FIELDS = ['url', 'description', 'eventTypes', 'inboxIds'] as const;

export const emptyDraft: EndpointDraft = { url: '', description: '', eventTypes: [], inboxIds: [] };

export function draftOf(e: WebhookEndpoint): EndpointDraft {
  return { url: e.url, description: e.description, eventTypes: e.eventTypes, inboxIds: e.inboxIds ?? [] };
}

/** The request body of a draft (empty lists mean "all"). */
export function bodyOf(d: EndpointDraft) {
  return {
    url: d.url.trim(),
    description: d.description.trim(),
    eventTypes: d.eventTypes,
    inboxIds: d.inboxIds.length ? d.inboxIds : null,
  };
}

/** The URL checked with the contract's schema; the server checks the rest (scheme, private networks). */
export function urlProblem(t: TFunction, url: string): string | null {
  return check(t, CreateWebhookEndpointRequest.shape.url, url);
}

/** URL, description, event types and inboxes of an endpoint. */
export function EndpointFields({
  ws,
  draft,
  onChange,
  errors,
}: {
  ws: string;
  draft: EndpointDraft;
  onChange: (d: EndpointDraft) => void;
  /** By field: a local check's or the server's. */
  errors: Partial<Record<(typeof ENDPOINT_FIELDS)[number], string | null>>;
}) {
  const { t } = useTranslation();
  return (
    <Stack gap="md">
      <TextInput
        id="webhook-url"
        type="url"
        label={t('webhooks.fields.url')}
        description={t('webhooks.add.urlHint')}
        placeholder="https://example.com/webhooks/mailroom"
        value={draft.url}
        onChange={(e) => onChange({ ...draft, url: e.currentTarget.value })}
        error={errors.url ?? null}
        required
        data-autofocus
        autoComplete="off"
        spellCheck={false}
        maxLength={2000}
      />
      <Textarea
        label={t('webhooks.fields.description')}
        description={t('webhooks.add.descriptionHint')}
        value={draft.description}
        onChange={(e) => onChange({ ...draft, description: e.currentTarget.value })}
        error={errors.description ?? null}
        autosize
        minRows={1}
        maxRows={4}
        maxLength={500}
      />
      <EventTypesPicker
        value={draft.eventTypes}
        onChange={(eventTypes) => onChange({ ...draft, eventTypes })}
        error={errors.eventTypes ?? null}
      />
      <InboxScopePicker
        ws={ws}
        value={draft.inboxIds}
        onChange={(inboxIds) => onChange({ ...draft, inboxIds })}
        description={t('webhooks.add.inboxesHint')}
        error={errors.inboxIds ?? null}
      />
    </Stack>
  );
}
