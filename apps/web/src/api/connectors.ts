import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  api,
  type AdminConsentStart,
  type Connector,
  type ConnectorList,
  type CreateConnectorRequest,
  type DelegatedStart,
  type OwnAppRequest,
} from '@mailroom/contracts';
import { http } from './client.ts';

export const connectorKeys = {
  list: (ws: string) => ['ws', ws, 'connectors'] as const,
  one: (ws: string, id: string) => ['ws', ws, 'connectors', id] as const,
};

export function useConnectors(ws: string) {
  return useQuery({
    queryKey: connectorKeys.list(ws),
    queryFn: () => http.get<ConnectorList>(api.connectors(ws)),
    // The access-lost banner on every page relies on this list staying fresh.
    refetchInterval: (q) => (q.state.status === 'error' ? false : 30_000),
  });
}

function useFetchConnector(ws: string, id: string) {
  const qc = useQueryClient();
  return async () => {
    const c = await http.get<Connector>(api.connector(ws, id));
    // Keep the list (and with it the access-lost banner) in step with what this page sees.
    qc.setQueryData<ConnectorList>(connectorKeys.list(ws), (old) =>
      old ? { items: old.items.map((o) => (o.id === c.id ? c : o)) } : old,
    );
    return c;
  };
}

/** Looks more often while someone else (an admin with the consent link) may connect the connector. */
export function useConnectorWatch(ws: string, id: string, enabled: boolean) {
  return useQuery({
    queryKey: connectorKeys.one(ws, id),
    queryFn: useFetchConnector(ws, id),
    enabled,
    refetchInterval: enabled ? 3_000 : false,
  });
}

export function useConnector(ws: string, id: string) {
  const qc = useQueryClient();
  const fetchConnector = useFetchConnector(ws, id);
  return useQuery({
    queryKey: connectorKeys.one(ws, id),
    queryFn: fetchConnector,
    // Every second while the setup runs (live progress), else every 15 s.
    refetchInterval: (q) =>
      q.state.status === 'error'
        ? false
        : q.state.data?.setup?.state === 'running' || q.state.data?.status === 'connecting'
          ? 1_000
          : 15_000,
    // Show what the list already knows while the page loads.
    placeholderData: () =>
      qc.getQueryData<ConnectorList>(connectorKeys.list(ws))?.items.find((c) => c.id === id),
  });
}

export function useCreateConnector(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ body, key }: { body: CreateConnectorRequest; key: string }) =>
      http.create<Connector>(api.connectors(ws), body, key),
    onSuccess: (c) => {
      qc.setQueryData(connectorKeys.one(ws, c.id), c);
      void qc.invalidateQueries({ queryKey: connectorKeys.list(ws), exact: true });
    },
  });
}

export function useRenameConnector(ws: string, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => http.patch<Connector>(api.connector(ws, id), { name }),
    onSuccess: (c) => {
      qc.setQueryData(connectorKeys.one(ws, id), c);
      void qc.invalidateQueries({ queryKey: connectorKeys.list(ws), exact: true });
    },
  });
}

export function useDeleteConnector(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => http.delete(api.connector(ws, id)),
    onSuccess: (_v, id) => {
      qc.setQueryData<ConnectorList>(connectorKeys.list(ws), (old) =>
        old ? { items: old.items.filter((c) => c.id !== id) } : old,
      );
      qc.removeQueries({ queryKey: connectorKeys.one(ws, id) });
      void qc.invalidateQueries({ queryKey: connectorKeys.list(ws), exact: true });
    },
  });
}

/** Any answer that is a connector: remember it for its page and refresh the list. */
function useConnectorAnswer(ws: string, id: string) {
  const qc = useQueryClient();
  return (c: Connector) => {
    qc.setQueryData(connectorKeys.one(ws, id), c);
    qc.setQueryData<ConnectorList>(connectorKeys.list(ws), (old) =>
      old ? { items: old.items.map((o) => (o.id === c.id ? c : o)) } : old,
    );
    void qc.invalidateQueries({ queryKey: connectorKeys.list(ws), exact: true });
  };
}

/** "Sign in with Microsoft": answers the URL of Microsoft's sign-in page to go to. */
export function useConnectDelegated(ws: string, id: string) {
  return useMutation({
    mutationFn: () => http.post<DelegatedStart>(api.connectDelegated(ws, id)),
  });
}

/** Organisation-wide access: answers the admin-consent link (for this admin or to send to one). */
export function useConnectOrganization(ws: string, id: string) {
  return useMutation({
    mutationFn: () => http.post<AdminConsentStart>(api.connectOrganization(ws, id)),
  });
}

export function useConnectOwnApp(ws: string, id: string) {
  const onAnswer = useConnectorAnswer(ws, id);
  return useMutation({
    mutationFn: (body: OwnAppRequest) => http.post<Connector>(api.connectOwnApp(ws, id), body),
    onSuccess: onAnswer,
  });
}

export function useDisconnect(ws: string, id: string) {
  const onAnswer = useConnectorAnswer(ws, id);
  return useMutation({
    mutationFn: () => http.post<Connector>(api.disconnect(ws, id)),
    onSuccess: onAnswer,
  });
}

export function useCheckConnector(ws: string, id: string) {
  const onAnswer = useConnectorAnswer(ws, id);
  return useMutation({
    mutationFn: () => http.post<Connector>(api.checkConnector(ws, id)),
    onSuccess: onAnswer,
  });
}
