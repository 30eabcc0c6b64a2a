import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  api,
  type AuditList,
  type Connector,
  type ConnectorList,
  type CreateConnectorRequest,
  type CreateInvitationRequest,
  type Invitation,
  type Member,
  type Role,
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
  });
}

export function useConnector(ws: string, id: string) {
  const qc = useQueryClient();
  return useQuery({
    queryKey: keys.connector(ws, id),
    queryFn: () => http.get<Connector>(api.connector(ws, id)),
    refetchInterval: (q) => (q.state.status === 'error' ? false : 15_000),
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
