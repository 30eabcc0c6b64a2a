import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type Workspace } from '@mailroom/contracts';
import { http } from './client.ts';
import { sessionKey } from './session.ts';

export const workspaceKeys = {
  workspace: (ws: string) => ['ws', ws, 'workspace'] as const,
};

export function useWorkspace(ws: string) {
  return useQuery({
    queryKey: workspaceKeys.workspace(ws),
    queryFn: () => http.get<Workspace>(api.workspace(ws)),
  });
}

export function useRenameWorkspace(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => http.patch<Workspace>(api.workspace(ws), { name }),
    onSuccess: (w) => {
      qc.setQueryData(workspaceKeys.workspace(ws), w);
      // The session lists the workspace by name (the shell's header shows it).
      void qc.invalidateQueries({ queryKey: sessionKey });
    },
  });
}

/** Documents older than this many days are erased with their files (admins; audited). */
export function useChangeRetention(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (retentionDays: number) => http.patch<Workspace>(api.workspace(ws), { retentionDays }),
    onSuccess: (w) => qc.setQueryData(workspaceKeys.workspace(ws), w),
  });
}
