import { useInfiniteQuery } from '@tanstack/react-query';
import { api, type AuditList } from '@mailroom/contracts';
import { http } from './client.ts';

export const auditKeys = {
  audit: (ws: string) => ['ws', ws, 'audit'] as const,
};

/** The workspace's audit log, newest first, a page at a time. */
export function useAudit(ws: string, enabled = true) {
  return useInfiniteQuery({
    enabled,
    queryKey: auditKeys.audit(ws),
    queryFn: ({ pageParam }) =>
      http.get<AuditList>(
        pageParam ? `${api.audit(ws)}?cursor=${encodeURIComponent(pageParam)}` : api.audit(ws),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}
