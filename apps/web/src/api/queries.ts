import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  api,
  type AdminConsentStart,
  type AuditList,
  type Connector,
  type ConnectorList,
  type CreateConnectorRequest,
  type CreateInvitationRequest,
  type DelegatedStart,
  type Invitation,
  type Member,
  type OwnAppRequest,
  type Role,
  type SandboxInfo,
  type SessionInfo,
  type Workspace,
} from '@mailroom/contracts';
import { fetchSession, http } from './client.ts';

export const keys = {
  session: ['session'] as const,
  workspace: (ws: string) => ['ws', ws, 'workspace'] as const,
  members: (ws: string) => ['ws', ws, 'members'] as const,
  invitations: (ws: string) => ['ws', ws, 'invitations'] as const,
  connectors: (ws: string) => ['ws', ws, 'connectors'] as const,
  connector: (ws: string, id: string) => ['ws', ws, 'connectors', id] as const,
  audit: (ws: string) => ['ws', ws, 'audit'] as const,
  sandbox: ['sandbox'] as const,
};

export function useSession() {
  return useQuery<SessionInfo>({ queryKey: keys.session, queryFn: fetchSession, staleTime: 60_000 });
}

export function useWorkspace(ws: string) {
  return useQuery({ queryKey: keys.workspace(ws), queryFn: () => http.get<Workspace>(api.workspace(ws)) });
}

export function useRenameWorkspace(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => http.patch<Workspace>(api.workspace(ws), { name }),
    onSuccess: (w) => {
      qc.setQueryData(keys.workspace(ws), w);
      void qc.invalidateQueries({ queryKey: keys.session });
    },
  });
}

export function useMembers(ws: string) {
  return useQuery({
    queryKey: keys.members(ws),
    queryFn: () => http.get<{ items: Member[] }>(api.members(ws)),
  });
}

export function useChangeRole(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      http.patch<Member>(api.member(ws, userId), { role }),
    onSettled: () => qc.invalidateQueries({ queryKey: keys.members(ws) }),
  });
}

export function useRemoveMember(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) => http.delete(api.member(ws, userId)),
    onSettled: () => qc.invalidateQueries({ queryKey: keys.members(ws) }),
  });
}

export function useInvitations(ws: string, enabled = true) {
  return useQuery({
    queryKey: keys.invitations(ws),
    queryFn: () => http.get<{ items: Invitation[] }>(api.invitations(ws)),
    enabled,
  });
}

export function useCreateInvitation(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateInvitationRequest) => http.post<Invitation>(api.invitations(ws), body),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.invitations(ws) }),
  });
}

export function useRevokeInvitation(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => http.delete(api.invitation(ws, id)),
    onSettled: () => qc.invalidateQueries({ queryKey: keys.invitations(ws) }),
  });
}

export function useConnectors(ws: string) {
  return useQuery({
    queryKey: keys.connectors(ws),
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
    qc.setQueryData<ConnectorList>(keys.connectors(ws), (old) =>
      old ? { items: old.items.map((o) => (o.id === c.id ? c : o)) } : old,
    );
    return c;
  };
}

/** Looks more often while someone else (an admin with the consent link) may connect the connector. */
export function useConnectorWatch(ws: string, id: string, enabled: boolean) {
  return useQuery({
    queryKey: keys.connector(ws, id),
    queryFn: useFetchConnector(ws, id),
    enabled,
    refetchInterval: enabled ? 3_000 : false,
  });
}

export function useConnector(ws: string, id: string) {
  const qc = useQueryClient();
  const fetchConnector = useFetchConnector(ws, id);
  return useQuery({
    queryKey: keys.connector(ws, id),
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
      qc.getQueryData<ConnectorList>(keys.connectors(ws))?.items.find((c) => c.id === id),
  });
}

export function useCreateConnector(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateConnectorRequest) => http.post<Connector>(api.connectors(ws), body),
    onSuccess: (c) => {
      qc.setQueryData(keys.connector(ws, c.id), c);
      void qc.invalidateQueries({ queryKey: keys.connectors(ws), exact: true });
    },
  });
}

export function useRenameConnector(ws: string, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => http.patch<Connector>(api.connector(ws, id), { name }),
    onSuccess: (c) => {
      qc.setQueryData(keys.connector(ws, id), c);
      void qc.invalidateQueries({ queryKey: keys.connectors(ws), exact: true });
    },
  });
}

export function useDeleteConnector(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => http.delete(api.connector(ws, id)),
    onSuccess: (_v, id) => {
      qc.setQueryData<ConnectorList>(keys.connectors(ws), (old) =>
        old ? { items: old.items.filter((c) => c.id !== id) } : old,
      );
      qc.removeQueries({ queryKey: keys.connector(ws, id) });
      void qc.invalidateQueries({ queryKey: keys.connectors(ws), exact: true });
    },
  });
}

export function useAudit(ws: string, enabled = true) {
  return useInfiniteQuery({
    enabled,
    queryKey: keys.audit(ws),
    queryFn: ({ pageParam }) =>
      http.get<AuditList>(
        pageParam ? `${api.audit(ws)}?cursor=${encodeURIComponent(pageParam)}` : api.audit(ws),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** Any answer that is a connector: remember it for its page and refresh the list. */
function useConnectorAnswer(ws: string, id: string) {
  const qc = useQueryClient();
  return (c: Connector) => {
    qc.setQueryData(keys.connector(ws, id), c);
    qc.setQueryData<ConnectorList>(keys.connectors(ws), (old) =>
      old ? { items: old.items.map((o) => (o.id === c.id ? c : o)) } : old,
    );
    void qc.invalidateQueries({ queryKey: keys.connectors(ws), exact: true });
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

/** The sandbox tenant's cheat sheet (only asked for in sandbox mode). */
export function useSandboxInfo(enabled: boolean) {
  return useQuery({
    queryKey: keys.sandbox,
    queryFn: () => http.get<SandboxInfo>(api.sandbox),
    enabled,
    staleTime: Infinity,
  });
}
