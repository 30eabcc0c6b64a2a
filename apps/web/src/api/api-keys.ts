import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  api,
  type ApiKey,
  type ApiKeyList,
  type CreateApiKeyRequest,
  type CreatedApiKey,
} from '@mailroom/contracts';
import { http } from './client.ts';

export const apiKeyKeys = {
  list: (ws: string) => ['ws', ws, 'api-keys'] as const,
};

/** The workspace's API keys (admins): prefixes and dates, never the keys themselves. */
export function useApiKeys(ws: string, enabled = true) {
  return useQuery({
    queryKey: apiKeyKeys.list(ws),
    queryFn: () => http.get<ApiKeyList>(api.apiKeys(ws)),
    enabled,
  });
}

/** Answers the new key with its secret: the caller shows it once and keeps it nowhere else. */
export function useCreateApiKey(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    // `key`: one per opening of the dialog; a retry gets the same API key and its secret.
    mutationFn: ({ body, key }: { body: CreateApiKeyRequest; key: string }) =>
      http.create<CreatedApiKey>(api.apiKeys(ws), body, key),
    onSuccess: (created) => {
      // Into the list without the key: the cache must never hold it.
      const { key: _shownOnce, ...listed } = created;
      qc.setQueryData<ApiKeyList>(apiKeyKeys.list(ws), (old) =>
        old ? { items: [listed, ...old.items.filter((k) => k.id !== listed.id)] } : old,
      );
      void qc.invalidateQueries({ queryKey: apiKeyKeys.list(ws) });
    },
  });
}

export function useRevokeApiKey(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => http.delete<ApiKey>(api.apiKey(ws, id)),
    onSuccess: (revoked) =>
      qc.setQueryData<ApiKeyList>(apiKeyKeys.list(ws), (old) =>
        old ? { items: old.items.map((k) => (k.id === revoked.id ? revoked : k)) } : old,
      ),
    onSettled: () => qc.invalidateQueries({ queryKey: apiKeyKeys.list(ws) }),
  });
}
