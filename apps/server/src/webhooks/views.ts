import type { WebhookDelivery, WebhookEndpoint, WebhookEventType } from '@mailroom/contracts';
import type { webhookAttempts, webhookDeliveries } from '../db/schema/index.ts';
import type { EndpointRow } from './endpoints.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toEndpointView(e: EndpointRow, now = new Date()): WebhookEndpoint {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    eventTypes: e.eventTypes as WebhookEventType[],
    inboxIds: e.inboxIds,
    enabled: e.enabled,
    disabledReason: e.enabled ? null : e.disabledReason,
    disabledAt: e.enabled ? null : iso(e.disabledAt),
    failingSince: iso(e.failingSince),
    previousSecretSignsUntil:
      e.previousSecretUntil && e.previousSecretUntil > now ? e.previousSecretUntil.toISOString() : null,
    createdAt: e.createdAt.toISOString(),
  };
}

type DeliveryRow = typeof webhookDeliveries.$inferSelect;
type AttemptRow = typeof webhookAttempts.$inferSelect;

export function toDeliveryView(d: DeliveryRow, log: AttemptRow[], endpointUrl?: string): WebhookDelivery {
  return {
    id: d.id,
    webhookId: `msg_${d.eventId}`,
    endpointId: d.endpointId,
    ...(endpointUrl !== undefined ? { endpointUrl } : {}),
    eventType: d.eventType,
    documentId: d.documentId,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: d.state === 'pending' ? d.nextAttemptAt.toISOString() : null,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    deliveredAt: iso(d.deliveredAt),
    log: log.map((a) => ({
      at: a.at.toISOString(),
      status: a.status,
      durationMs: a.durationMs,
      excerpt: a.excerpt,
      requestBody: a.requestBody,
    })),
  };
}
