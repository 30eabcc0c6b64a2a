import { useMutation, useQuery } from '@tanstack/react-query';
import { api, type SandboxInfo, type TestEmailRequest } from '@mailroom/contracts';
import { http } from './client.ts';

export const sandboxKeys = {
  info: ['sandbox'] as const,
};

/** The sandbox tenant's cheat sheet (only asked for in sandbox mode). */
export function useSandboxInfo(enabled: boolean) {
  return useQuery({
    queryKey: sandboxKeys.info,
    queryFn: () => http.get<SandboxInfo>(api.sandbox),
    enabled,
    staleTime: Infinity,
  });
}

/** Sandbox only: admins deliver a generated email into one of the connector's mailboxes. */
export function useSendTestEmail(ws: string, connectorId: string) {
  return useMutation({
    mutationFn: (body: TestEmailRequest) =>
      http.post<{ subject: string }>(api.sandboxTestEmail(ws, connectorId), body),
  });
}
