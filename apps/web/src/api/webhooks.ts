import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  api,
  type CreateWebhookEndpointRequest,
  type UpdateWebhookEndpointRequest,
  type WebhookDelivery,
  type WebhookDeliveryList,
  type WebhookEndpoint,
  type WebhookEndpointList,
  type WebhookEndpointWithSecret,
} from '@mailroom/contracts';
import { http } from './client.ts';

export const webhookKeys = {
  list: (ws: string) => ['ws', ws, 'webhooks'] as const,
  one: (ws: string, id: string) => ['ws', ws, 'webhooks', id] as const,
  deliveries: (ws: string, id: string) => ['ws', ws, 'webhooks', id, 'deliveries'] as const,
  ofDocument: (ws: string, documentId: string) => ['ws', ws, 'documents', documentId, 'webhooks'] as const,
};

/** A delivery still has attempts to make: the log is looked at again soon. */
const anyPending = (items: WebhookDelivery[] | undefined) =>
  items?.some((d) => d.state === 'pending') ?? false;

export function useWebhooks(ws: string, enabled = true) {
  return useQuery({
    queryKey: webhookKeys.list(ws),
    queryFn: () => http.get<WebhookEndpointList>(api.webhooks(ws)),
    enabled,
  });
}

/** One endpoint: every 15 s, so that "failing since" and a disabling by Mailroom show up unasked. */
export function useWebhook(ws: string, id: string, enabled = true) {
  const qc = useQueryClient();
  return useQuery({
    queryKey: webhookKeys.one(ws, id),
    queryFn: () => http.get<WebhookEndpoint>(api.webhook(ws, id)),
    enabled,
    refetchInterval: (q) => (q.state.status === 'error' ? false : 15_000),
    placeholderData: () =>
      qc.getQueryData<WebhookEndpointList>(webhookKeys.list(ws))?.items.find((e) => e.id === id),
  });
}

/** An endpoint as the cache keeps it: a creation's or rotation's secret is shown once, never stored. */
function withoutSecret(answer: WebhookEndpoint & { secret?: string }): WebhookEndpoint {
  const { secret: _shownOnce, ...endpoint } = answer;
  return endpoint;
}

/** Any answer that is an endpoint: remember it for its page and refresh the list. */
function useEndpointAnswer(ws: string) {
  const qc = useQueryClient();
  return (answer: WebhookEndpoint) => {
    const endpoint = withoutSecret(answer);
    qc.setQueryData(webhookKeys.one(ws, endpoint.id), endpoint);
    qc.setQueryData<WebhookEndpointList>(webhookKeys.list(ws), (old) =>
      old
        ? {
            items: old.items.some((o) => o.id === endpoint.id)
              ? old.items.map((o) => (o.id === endpoint.id ? endpoint : o))
              : [...old.items, endpoint],
          }
        : old,
    );
    void qc.invalidateQueries({ queryKey: webhookKeys.list(ws), exact: true });
  };
}

/** Answers the endpoint with its signing secret, which the caller shows once. */
export function useCreateWebhook(ws: string) {
  const onAnswer = useEndpointAnswer(ws);
  return useMutation({
    // `key`: one per opening of the dialog, so a double click or a retry adds one endpoint.
    mutationFn: ({ body, key }: { body: CreateWebhookEndpointRequest; key: string }) =>
      http.create<WebhookEndpointWithSecret>(api.webhooks(ws), body, key),
    onSuccess: onAnswer,
  });
}

/** Edits, and enabling or disabling (`{ enabled }`). */
export function useUpdateWebhook(ws: string, id: string) {
  const onAnswer = useEndpointAnswer(ws);
  return useMutation({
    mutationFn: (body: UpdateWebhookEndpointRequest) =>
      http.patch<WebhookEndpoint>(api.webhook(ws, id), body),
    onSuccess: onAnswer,
  });
}

export function useDeleteWebhook(ws: string, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => http.delete(api.webhook(ws, id)),
    onSuccess: () => {
      qc.setQueryData<WebhookEndpointList>(webhookKeys.list(ws), (old) =>
        old ? { items: old.items.filter((e) => e.id !== id) } : old,
      );
      qc.removeQueries({ queryKey: webhookKeys.one(ws, id) });
      void qc.invalidateQueries({ queryKey: webhookKeys.list(ws), exact: true });
    },
  });
}

/** A new signing secret (shown once by the caller); the previous one keeps signing for 24 h. */
export function useRotateWebhookSecret(ws: string, id: string) {
  const onAnswer = useEndpointAnswer(ws);
  return useMutation({
    mutationFn: () => http.post<WebhookEndpointWithSecret>(api.webhookRotateSecret(ws, id)),
    onSuccess: onAnswer,
  });
}

export function useSendTestEvent(ws: string, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => http.post<{ deliveryId: string }>(api.webhookTest(ws, id)),
    onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.deliveries(ws, id) }),
  });
}

/**
 * The endpoint's delivery log, newest first, a page at a time: every 2 s while a delivery has attempts
 * to make (a test event lands within seconds), else every 15 s.
 */
export function useWebhookDeliveries(ws: string, id: string) {
  return useInfiniteQuery({
    queryKey: webhookKeys.deliveries(ws, id),
    queryFn: ({ pageParam }) =>
      http.get<WebhookDeliveryList>(
        pageParam
          ? `${api.webhookDeliveries(ws, id)}?cursor=${encodeURIComponent(pageParam)}`
          : api.webhookDeliveries(ws, id),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: (q) =>
      q.state.status === 'error'
        ? false
        : anyPending(q.state.data?.pages.flatMap((p) => p.items))
          ? 2_000
          : 15_000,
  });
}

/** Sends a delivery again now (same webhook-id); the endpoint's log and a document's list show it. */
export function useRedeliver(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (delivery: WebhookDelivery) => http.post<null>(api.webhookRedeliver(ws, delivery.id)),
    onSuccess: (_v, delivery) => {
      void qc.invalidateQueries({ queryKey: webhookKeys.deliveries(ws, delivery.endpointId) });
      if (delivery.documentId)
        void qc.invalidateQueries({ queryKey: webhookKeys.ofDocument(ws, delivery.documentId) });
    },
  });
}

/** The webhook deliveries of one document's events (every 2 s while one is on its way). */
export function useDocumentWebhookDeliveries(ws: string, documentId: string) {
  return useQuery({
    queryKey: webhookKeys.ofDocument(ws, documentId),
    queryFn: () => http.get<{ items: WebhookDelivery[] }>(api.documentWebhookDeliveries(ws, documentId)),
    refetchInterval: (q) =>
      q.state.status === 'error' ? false : anyPending(q.state.data?.items) ? 2_000 : 30_000,
  });
}
