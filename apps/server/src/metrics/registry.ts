import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { processName } from '../process-identity.ts';

/**
 * Mailroom's Prometheus metrics (issue 21 §6), in one registry of their own (not prom-client's global
 * one: a library's metrics would mix in). Counters and histograms are updated where things happen;
 * gauges that describe the database (queues, lag, connector states) are read when Prometheus scrapes
 * (`db-gauges.ts`), so they are never stale and cost nothing between scrapes.
 */
export const registry = new Registry();
// Counters are this process's own (each API process serves its /metrics): `process` (host:pid) tells
// the processes apart, and sums add them up.
registry.setDefaultLabels({ service: 'mailroom', process: processName });

export const graphRequests = new Counter({
  name: 'mailroom_graph_requests_total',
  help: 'Requests to Microsoft Graph and Entra ID, by kind and HTTP status (network: no answer).',
  labelNames: ['kind', 'status'] as const,
  registers: [registry],
});

export const graphRequestSeconds = new Histogram({
  name: 'mailroom_graph_request_seconds',
  help: 'Time to the answer of a request to Microsoft Graph or Entra ID, by kind.',
  labelNames: ['kind'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  registers: [registry],
});

export const graphRetryAfterSeconds = new Counter({
  name: 'mailroom_graph_retry_after_seconds_total',
  help: 'Seconds of pause Microsoft asked for with Retry-After (429s), summed.',
  registers: [registry],
});

export const documentsCreated = new Counter({
  name: 'mailroom_documents_created_total',
  help: 'Documents created by ingestion.',
  registers: [registry],
});

export const ingestionLatencySeconds = new Histogram({
  name: 'mailroom_ingestion_latency_seconds',
  help: "From the email's arrival in the mailbox (Graph's receivedDateTime) to its document being saved.",
  buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
  registers: [registry],
});

export const webhookDeliveries = new Counter({
  name: 'mailroom_webhook_deliveries_total',
  help: 'Webhook delivery attempts by outcome (success, failure: retried, failed: given up).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const webhookDeliverySeconds = new Histogram({
  name: 'mailroom_webhook_delivery_seconds',
  help: "Time to a webhook receiver's answer (or to giving up on it).",
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
  registers: [registry],
});

export const queueDepth = new Gauge({
  name: 'mailroom_job_queue_depth',
  help: 'Jobs waiting or running, by job kind and state.',
  labelNames: ['job', 'state'] as const,
  registers: [registry],
});
export const queueOldestSeconds = new Gauge({
  name: 'mailroom_job_oldest_waiting_seconds',
  help: 'Age of the oldest job waiting to run, by job kind.',
  labelNames: ['job'] as const,
  registers: [registry],
});
export const folderSyncLagSeconds = new Gauge({
  name: 'mailroom_folder_sync_lag_seconds',
  help: "Seconds since each active folder's last good delta round (never: since it was activated).",
  labelNames: ['folder_id', 'mailbox'] as const,
  registers: [registry],
});
export const connectorStates = new Gauge({
  name: 'mailroom_connectors',
  help: 'Connectors by health state.',
  labelNames: ['status'] as const,
  registers: [registry],
});
export const webhookBacklog = new Gauge({
  name: 'mailroom_webhook_deliveries_pending',
  help: 'Webhook deliveries waiting for their next attempt.',
  registers: [registry],
});

/** What a Graph or Entra URL is, for labels: few values, no ids. */
export function graphKind(url: string): string {
  const path = url.replace(/^https?:\/\/[^/]+/, '').toLowerCase();
  if (path.includes('/oauth2/') || path.includes('/discovery/') || path.includes('openid-configuration'))
    return 'entra';
  if (path.includes('/$batch')) return 'batch';
  if (path.includes('/delta')) return 'delta';
  if (path.includes('/$value')) return 'mime';
  if (path.includes('/attachments')) return 'attachments';
  if (path.includes('/subscriptions')) return 'subscriptions';
  if (path.includes('/messages')) return 'messages';
  if (path.includes('/mailfolders')) return 'folders';
  if (path.includes('/users') || path.includes('/me') || path.includes('/organization')) return 'directory';
  return 'other';
}
