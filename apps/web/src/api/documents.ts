import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import {
  api,
  type Document,
  type DocumentAction,
  type DocumentList,
  type DocumentStatus,
  type FilteredList,
  type MailboxOptions,
  type UpdateDocumentRequest,
} from '@mailroom/contracts';
import { http } from './client.ts';

/** What the inbox list is filtered by (all optional; the URL keeps them). */
export interface DocumentFilters {
  inboxId?: string | null;
  status?: DocumentStatus | null;
  documentTypeId?: string | null;
  tagId?: string | null;
  mailboxId?: string | null;
  /** yyyy-mm-dd, local days. */
  fromDay?: string | null;
  toDay?: string | null;
  /** Which date the days are of: when the email arrived (default), or the sender's own `Date`. */
  dates?: 'sent' | null;
  q?: string | null;
}

export const documentKeys = {
  all: (ws: string) => ['ws', ws, 'documents'] as const,
  list: (ws: string, f: DocumentFilters) => ['ws', ws, 'documents', 'list', f] as const,
  one: (ws: string, id: string, images: boolean) => ['ws', ws, 'documents', 'one', id, images] as const,
  filtered: (ws: string, folderId: string) => ['ws', ws, 'documents', 'filtered', folderId] as const,
};

function dayStart(day: string, plus = 0): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plus);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function useDocumentList(ws: string, f: DocumentFilters) {
  return useInfiniteQuery({
    queryKey: documentKeys.list(ws, f),
    queryFn: ({ pageParam }) => {
      const q = new URLSearchParams({ limit: '25' });
      if (f.inboxId) q.set('inboxId', f.inboxId);
      if (f.status) q.set('status', f.status);
      if (f.documentTypeId) q.set('documentTypeId', f.documentTypeId);
      if (f.tagId) q.set('tagId', f.tagId);
      if (f.mailboxId) q.set('mailboxId', f.mailboxId);
      const from = f.fromDay ? dayStart(f.fromDay) : null;
      const to = f.toDay ? dayStart(f.toDay, 1) : null;
      const sent = f.dates === 'sent';
      if (from) q.set(sent ? 'sentFrom' : 'from', from);
      if (to) q.set(sent ? 'sentTo' : 'to', to);
      if (f.q?.trim()) q.set('q', f.q.trim());
      if (pageParam) q.set('cursor', pageParam);
      return http.get<DocumentList>(`${api.documents(ws)}?${q.toString()}`);
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
    // New mail appears by itself.
    refetchInterval: 15_000,
  });
}

export function useDocumentView(ws: string, id: string, images: boolean) {
  return useQuery({
    queryKey: documentKeys.one(ws, id, images),
    queryFn: () => http.get<Document>(`${api.document(ws, id)}${images ? '?images=1' : ''}`),
    // Outflow actions run in the background: look again soon while one is queued or under way, less
    // often while every pending one waits to be retried (a failed attempt left its error; the backoff
    // starts at 15 s). `attempts` alone does not tell: it counts the attempt in progress too.
    refetchInterval: (q) => {
      const pending = q.state.data?.outflow.filter((r) => r.state === 'pending') ?? [];
      if (pending.length === 0) return false;
      return pending.some((r) => r.lastError === null) ? 2_000 : 15_000;
    },
  });
}

function useDocumentAnswer(ws: string) {
  const qc = useQueryClient();
  return (d: Document) => {
    qc.setQueryData(documentKeys.one(ws, d.id, false), d);
    void qc.invalidateQueries({ queryKey: documentKeys.all(ws) });
    void qc.invalidateQueries({ queryKey: ['ws', ws, 'mailboxes'] });
  };
}

export function useDocumentAction(ws: string) {
  const onAnswer = useDocumentAnswer(ws);
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: DocumentAction }) =>
      http.post<Document>(api.documentActions(ws, id), action),
    onSuccess: onAnswer,
  });
}

export function useUpdateDocument(ws: string, id: string) {
  const onAnswer = useDocumentAnswer(ws);
  return useMutation({
    mutationFn: (body: UpdateDocumentRequest) => http.patch<Document>(api.document(ws, id), body),
    onSuccess: onAnswer,
  });
}

export function useFilteredEmails(ws: string, folderId: string, enabled: boolean) {
  return useQuery({
    queryKey: documentKeys.filtered(ws, folderId),
    queryFn: () => http.get<FilteredList>(api.filteredMessages(ws, folderId)),
    enabled,
  });
}

export function useMailboxOptions(ws: string) {
  return useQuery({
    queryKey: ['ws', ws, 'mailbox-options'] as const,
    queryFn: () => http.get<MailboxOptions>(api.mailboxOptions(ws)),
    staleTime: 60_000,
  });
}
