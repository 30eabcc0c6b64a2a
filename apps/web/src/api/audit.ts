import { useInfiniteQuery } from '@tanstack/react-query';
import { api, type AuditFilter, type AuditList } from '@mailroom/contracts';
import { http } from './client.ts';

export const auditKeys = {
  audit: (ws: string, filter: AuditFilter = {}) => ['ws', ws, 'audit', filter] as const,
};

/** The filter as a query string (empty values left out), shared by the list and the export links. */
export function auditQuery(filter: AuditFilter, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...extra }))
    if (typeof v === 'string' && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The workspace's audit log, newest first, a page at a time, with the server's filters. */
export function useAudit(ws: string, filter: AuditFilter, enabled = true) {
  return useInfiniteQuery({
    enabled,
    queryKey: auditKeys.audit(ws, filter),
    queryFn: ({ pageParam }) =>
      http.get<AuditList>(`${api.audit(ws)}${auditQuery(filter, pageParam ? { cursor: pageParam } : {})}`),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** Where the streamed export of the filtered log downloads from (the session cookie goes along). */
export const auditExportUrl = (ws: string, filter: AuditFilter, format: 'csv' | 'jsonl') =>
  `${api.auditExport(ws)}${auditQuery(filter, { format })}`;
