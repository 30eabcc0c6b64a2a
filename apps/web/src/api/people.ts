import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  api,
  type CreateInvitationRequest,
  type Invitation,
  type Member,
  type Role,
} from '@mailroom/contracts';
import { http } from './client.ts';

/** The people of a workspace: its members and the invitations not yet accepted. */
export const peopleKeys = {
  members: (ws: string) => ['ws', ws, 'members'] as const,
  invitations: (ws: string) => ['ws', ws, 'invitations'] as const,
};

export function useMembers(ws: string) {
  return useQuery({
    queryKey: peopleKeys.members(ws),
    queryFn: () => http.get<{ items: Member[] }>(api.members(ws)),
  });
}

export function useChangeRole(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      http.patch<Member>(api.member(ws, userId), { role }),
    onSettled: () => qc.invalidateQueries({ queryKey: peopleKeys.members(ws) }),
  });
}

export function useRemoveMember(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) => http.delete(api.member(ws, userId)),
    onSettled: () => qc.invalidateQueries({ queryKey: peopleKeys.members(ws) }),
  });
}

export function useInvitations(ws: string, enabled = true) {
  return useQuery({
    queryKey: peopleKeys.invitations(ws),
    queryFn: () => http.get<{ items: Invitation[] }>(api.invitations(ws)),
    enabled,
  });
}

export function useCreateInvitation(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    // `key`: one per invitation being written; a double click gives one invitation and its one link.
    mutationFn: ({ body, key }: { body: CreateInvitationRequest; key: string }) =>
      http.create<Invitation>(api.invitations(ws), body, key),
    onSuccess: () => qc.invalidateQueries({ queryKey: peopleKeys.invitations(ws) }),
  });
}

export function useRevokeInvitation(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => http.delete(api.invitation(ws, id)),
    onSettled: () => qc.invalidateQueries({ queryKey: peopleKeys.invitations(ws) }),
  });
}
