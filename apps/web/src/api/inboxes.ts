import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  api,
  type CreateInboxRequest,
  type DocumentType,
  type DocumentTypeList,
  type Inbox,
  type InboxList,
  type InflowSettings,
  type Mailbox,
  type MailboxList,
  type ManagedInbox,
  type ManagedInboxList,
  type UpdateInboxRequest,
} from '@mailroom/contracts';
import { http } from './client.ts';
import { useConnectors } from './connectors.ts';
import { mailboxKeys } from './mailboxes.ts';

export const inboxKeys = {
  /** The inboxes the caller is on. */
  list: (ws: string) => ['ws', ws, 'inboxes'] as const,
  managed: (ws: string) => ['ws', ws, 'managed-inboxes'] as const,
  types: (ws: string) => ['ws', ws, 'document-types'] as const,
  tags: (ws: string) => ['ws', ws, 'tags'] as const,
  inflow: (ws: string) => ['ws', ws, 'inflow-settings'] as const,
};

/** The inboxes the caller is on (what the inbox page and a document offer). */
export function useInboxes(ws: string) {
  return useQuery({
    queryKey: inboxKeys.list(ws),
    queryFn: () => http.get<InboxList>(api.inboxes(ws)),
  });
}

/** "Create inbox" by name (the Create inbox dialog, on the Inboxes page and beside a folder rule). */
export function useCreateInbox(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ name, key }: { name: string; key: string }) =>
      http.create<Inbox>(api.inboxes(ws), { name }, key),
    onSuccess: (inbox) => {
      qc.setQueryData<InboxList>(inboxKeys.list(ws), (old) => (old ? { items: [...old.items, inbox] } : old));
      void qc.invalidateQueries({ queryKey: inboxKeys.list(ws) });
      void qc.invalidateQueries({ queryKey: inboxKeys.managed(ws) });
    },
  });
}

/** Every inbox with its access list (admins). */
export function useManagedInboxes(ws: string, enabled = true) {
  return useQuery({
    queryKey: inboxKeys.managed(ws),
    queryFn: () => http.get<ManagedInboxList>(api.managedInboxes(ws)),
    enabled,
  });
}

function useInvalidateInboxes(ws: string) {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: inboxKeys.managed(ws) });
    void qc.invalidateQueries({ queryKey: inboxKeys.list(ws) });
  };
}

export function useCreateManagedInbox(ws: string) {
  const done = useInvalidateInboxes(ws);
  return useMutation({
    mutationFn: (body: CreateInboxRequest) => http.post<ManagedInbox>(api.inboxes(ws), body),
    onSuccess: done,
  });
}

export function useUpdateInbox(ws: string) {
  const done = useInvalidateInboxes(ws);
  return useMutation({
    mutationFn: ({ id, ...body }: UpdateInboxRequest & { id: string }) =>
      http.patch<ManagedInbox>(api.inbox(ws, id), body),
    onSuccess: done,
  });
}

/**
 * The mailboxes whose folder rules route mail into an inbox (across connectors): what an inbox's
 * outflow actions may touch, with what each connection may do there.
 */
export function useMailboxesOfInbox(ws: string, inboxId: string): Mailbox[] {
  const connectors = useConnectors(ws);
  const lists = useQueries({
    queries: (connectors.data?.items ?? []).map((c) => ({
      queryKey: mailboxKeys.mailboxes(ws, c.id),
      queryFn: () => http.get<MailboxList>(api.mailboxes(ws, c.id)),
    })),
  });
  return lists
    .flatMap((q) => q.data?.items ?? [])
    .filter((m) => m.folders.some((f) => f.inboxId === inboxId));
}

/** Document types or tags: the same list shape, two resources. */
export function useTaxonomy(ws: string, kind: 'types' | 'tags') {
  return useQuery({
    queryKey: kind === 'types' ? inboxKeys.types(ws) : inboxKeys.tags(ws),
    queryFn: () => http.get<DocumentTypeList>(kind === 'types' ? api.documentTypes(ws) : api.tags(ws)),
    staleTime: 30_000,
  });
}

export function useTaxonomyChange(ws: string, kind: 'types' | 'tags') {
  const qc = useQueryClient();
  const key = kind === 'types' ? inboxKeys.types(ws) : inboxKeys.tags(ws);
  const item = (id: string) => (kind === 'types' ? api.documentType(ws, id) : api.tag(ws, id));
  const onSuccess = () => {
    void qc.invalidateQueries({ queryKey: key });
    void qc.invalidateQueries({ queryKey: inboxKeys.managed(ws) });
  };
  return {
    create: useMutation({
      mutationFn: ({ name, key }: { name: string; key: string }) =>
        http.create<DocumentType>(kind === 'types' ? api.documentTypes(ws) : api.tags(ws), { name }, key),
      onSuccess,
    }),
    remove: useMutation({ mutationFn: (id: string) => http.delete(item(id)), onSuccess }),
  };
}

export function useInflowSettings(ws: string) {
  return useQuery({
    queryKey: inboxKeys.inflow(ws),
    queryFn: () => http.get<InflowSettings>(api.inflowSettings(ws)),
  });
}

export function useSaveInflowSettings(ws: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: InflowSettings) => http.put<InflowSettings>(api.inflowSettings(ws), body),
    onSuccess: (s) => qc.setQueryData(inboxKeys.inflow(ws), s),
  });
}
