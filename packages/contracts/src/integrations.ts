import { z } from 'zod';
import { IsoTime } from './time.ts';

/** What an API key may do (decision 0010): read, or read and act on documents. */
export const ApiKeyScope = z.enum(['read', 'read_write']);
export type ApiKeyScope = z.infer<typeof ApiKeyScope>;

export const ApiKey = z.object({
  id: z.uuid(),
  name: z.string(),
  /** The key's first characters (`mrk_` + 8): enough to recognise it, never enough to use it. */
  prefix: z.string(),
  scope: ApiKeyScope,
  /** Inboxes the key may reach; null = every inbox of the workspace. */
  inboxIds: z.array(z.uuid()).nullable(),
  expiresAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  createdBy: z.string().nullable(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;
export const ApiKeyList = z.object({ items: z.array(ApiKey) });
export type ApiKeyList = z.infer<typeof ApiKeyList>;

export const CreateApiKeyRequest = z.object({
  name: z.string().trim().min(1).max(100),
  scope: ApiKeyScope,
  expiresAt: IsoTime.nullable().optional(),
  inboxIds: z.array(z.uuid()).max(200).nullable().optional(),
});
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;

/** The answer to a creation: the key itself, shown this once. */
export const CreatedApiKey = ApiKey.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

/** Events a webhook endpoint can subscribe to. */
export const webhookEventTypes = [
  'document.created',
  'document.approved',
  'document.bounced',
  'document.deleted',
  'document.updated',
  'connector.access_lost',
  'connector.recovered',
  'connector.secret_expiring',
  'mailbox.sync_failed',
  'mailbox.recovered',
  'webhook.endpoint_disabled',
] as const;
export const WebhookEventType = z.enum(webhookEventTypes);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

export const WebhookEndpoint = z.object({
  id: z.uuid(),
  url: z.string(),
  description: z.string(),
  /** Empty = every event type. */
  eventTypes: z.array(WebhookEventType),
  /** Document events of these inboxes only; null = every inbox. */
  inboxIds: z.array(z.uuid()).nullable(),
  enabled: z.boolean(),
  /** Why it is disabled (an admin did it, or every delivery failed for days): shown as a notice. */
  disabledReason: z.string().nullable(),
  disabledAt: z.iso.datetime().nullable(),
  /** Since when every delivery has failed; null when the last one succeeded. */
  failingSince: z.iso.datetime().nullable(),
  /** During a secret rotation, the previous secret still signs until then. */
  previousSecretSignsUntil: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;
export const WebhookEndpointList = z.object({ items: z.array(WebhookEndpoint) });
export type WebhookEndpointList = z.infer<typeof WebhookEndpointList>;

export const CreateWebhookEndpointRequest = z.object({
  url: z.string().trim().min(1).max(2000),
  description: z.string().max(500).optional(),
  eventTypes: z.array(WebhookEventType).max(webhookEventTypes.length).optional(),
  inboxIds: z.array(z.uuid()).max(200).nullable().optional(),
});
export type CreateWebhookEndpointRequest = z.infer<typeof CreateWebhookEndpointRequest>;
export const UpdateWebhookEndpointRequest = CreateWebhookEndpointRequest.partial().extend({
  enabled: z.boolean().optional(),
});
export type UpdateWebhookEndpointRequest = z.infer<typeof UpdateWebhookEndpointRequest>;

/** A creation or a rotation: the signing secret (`whsec_…`), shown this once. */
export const WebhookEndpointWithSecret = WebhookEndpoint.extend({ secret: z.string() });
export type WebhookEndpointWithSecret = z.infer<typeof WebhookEndpointWithSecret>;

export const WebhookAttempt = z.object({
  at: z.iso.datetime(),
  /** HTTP status, or null when no answer came. */
  status: z.number().int().nullable(),
  durationMs: z.number().int(),
  /** The start of the answer's body, or why there was none. */
  excerpt: z.string(),
  /** The signed request body that was sent. */
  requestBody: z.string(),
});
export type WebhookAttempt = z.infer<typeof WebhookAttempt>;

export const WebhookDelivery = z.object({
  id: z.uuid(),
  /** The `webhook-id` header: the same on every attempt and redelivery. */
  webhookId: z.string(),
  endpointId: z.uuid(),
  endpointUrl: z.string().optional(),
  eventType: z.string(),
  documentId: z.uuid().nullable(),
  state: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.number().int(),
  nextAttemptAt: z.iso.datetime().nullable(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.iso.datetime(),
  deliveredAt: z.iso.datetime().nullable(),
  log: z.array(WebhookAttempt),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;
export const WebhookDeliveryList = z.object({
  items: z.array(WebhookDelivery),
  nextCursor: z.string().nullable(),
});
export type WebhookDeliveryList = z.infer<typeof WebhookDeliveryList>;
