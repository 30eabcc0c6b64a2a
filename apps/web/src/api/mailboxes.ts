import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  api,
  type AccessTestResult,
  type DirectoryEntry,
  type DirectoryList,
  type FolderStatus,
  type FolderTree,
  type Mailbox,
  type MailboxList,
  type OutflowAction,
  type SetFoldersRequest,
  type UpdateFolderRequest,
} from '@mailroom/contracts';
import { http } from './client.ts';

interface FailedMessage {
  id: string;
  subject: string | null;
  receivedAt: string | null;
  attempts: number;
  lastError: string | null;
}

/** A connector's mailboxes, the tenant's directory, folder trees and what failed in a folder. */
export const mailboxKeys = {
  mailboxes: (ws: string, connectorId: string) => ['ws', ws, 'mailboxes', connectorId] as const,
  directory: (ws: string, connectorId: string, search: string) =>
    ['ws', ws, 'directory', connectorId, search] as const,
  folderTree: (ws: string, mailboxId: string, parent: string | null) =>
    ['ws', ws, 'folder-tree', mailboxId, parent] as const,
  failed: (ws: string, folderId: string) => ['ws', ws, 'failed', folderId] as const,
};

/** The connector's mailboxes: every 2 s while a folder catches up or push is being set up, else every 15 s. */
export function useMailboxes(ws: string, connectorId: string, enabled = true) {
  return useQuery({
    queryKey: mailboxKeys.mailboxes(ws, connectorId),
    queryFn: () => http.get<MailboxList>(api.mailboxes(ws, connectorId)),
    enabled,
    refetchInterval: (q) =>
      q.state.status === 'error'
        ? false
        : q.state.data?.items.some((m) =>
              m.folders.some((f) => f.pending > 0 || f.delivery.reason === 'setting_up'),
            )
          ? 2_000
          : 15_000,
  });
}

export function useDirectory(ws: string, connectorId: string, search: string, enabled: boolean) {
  return useQuery({
    queryKey: mailboxKeys.directory(ws, connectorId, search),
    queryFn: () =>
      http.get<DirectoryList>(
        search
          ? `${api.directory(ws, connectorId)}?search=${encodeURIComponent(search)}`
          : api.directory(ws, connectorId),
      ),
    enabled,
    staleTime: 60_000,
    placeholderData: (prev) => prev,
  });
}

export function useTestMailboxes(ws: string, connectorId: string) {
  return useMutation({
    mutationFn: (graphUserIds: string[]) =>
      http.post<AccessTestResult>(api.testMailboxes(ws, connectorId), { graphUserIds }),
  });
}

export function useSetMailboxes(ws: string, connectorId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (mailboxes: DirectoryEntry[]) =>
      http.put<MailboxList>(api.mailboxes(ws, connectorId), { mailboxes }),
    onSuccess: (list) => qc.setQueryData(mailboxKeys.mailboxes(ws, connectorId), list),
  });
}

/** Moves a mailbox (its folders, rules and documents) from the connector that reads it to this one. */
export function useMoveMailbox(ws: string, connectorId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (mailboxId: string) =>
      http.post<MailboxList>(api.moveMailbox(ws, mailboxId), { connectorId }),
    onSuccess: () =>
      Promise.all([
        // Both connectors' lists change, and every directory's "read by".
        qc.invalidateQueries({ queryKey: ['ws', ws, 'mailboxes'] }),
        qc.invalidateQueries({ queryKey: ['ws', ws, 'directory'] }),
      ]),
  });
}

export function useFolderTree(ws: string, mailboxId: string, parent: string | null, enabled = true) {
  return useQuery({
    queryKey: mailboxKeys.folderTree(ws, mailboxId, parent),
    queryFn: () =>
      http.get<FolderTree>(
        parent
          ? `${api.folderTree(ws, mailboxId)}?parent=${encodeURIComponent(parent)}`
          : api.folderTree(ws, mailboxId),
      ),
    enabled,
    staleTime: 60_000,
  });
}

/** Replaces one mailbox in the connector's cached list. */
function useMailboxAnswer(ws: string, connectorId: string) {
  const qc = useQueryClient();
  return (m: Mailbox) => {
    qc.setQueryData<MailboxList>(mailboxKeys.mailboxes(ws, connectorId), (old) =>
      old ? { items: old.items.map((o) => (o.id === m.id ? m : o)) } : old,
    );
  };
}

export function useSetFolders(ws: string, connectorId: string, mailboxId: string) {
  const onAnswer = useMailboxAnswer(ws, connectorId);
  return useMutation({
    mutationFn: (body: SetFoldersRequest) => http.put<Mailbox>(api.monitoredFolders(ws, mailboxId), body),
    onSuccess: onAnswer,
  });
}

export function useUpdateFolder(ws: string, connectorId: string, folderId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateFolderRequest) => http.patch<FolderStatus>(api.folder(ws, folderId), body),
    // Shown at once (a switch that does not move feels broken); the answer or a refetch corrects it.
    onMutate: (body) => {
      qc.setQueryData<MailboxList>(mailboxKeys.mailboxes(ws, connectorId), (old) =>
        old
          ? {
              items: old.items.map((m) => ({
                ...m,
                folders: m.folders.map((f) => (f.id === folderId ? { ...f, ...body } : f)),
              })),
            }
          : old,
      );
    },
    onSettled: () => qc.invalidateQueries({ queryKey: mailboxKeys.mailboxes(ws, connectorId) }),
  });
}

/**
 * Replaces a folder rule's outflow actions. Not optimistic (unlike useUpdateFolder): the editor keeps
 * the draft until the server accepts it, and a refusal says which action is wrong.
 */
export function useSaveFolderOutflow(ws: string, connectorId: string, folderId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (outflow: OutflowAction[]) => http.patch<FolderStatus>(api.folder(ws, folderId), { outflow }),
    onSuccess: (folder) => {
      qc.setQueryData<MailboxList>(mailboxKeys.mailboxes(ws, connectorId), (old) =>
        old
          ? {
              items: old.items.map((m) => ({
                ...m,
                folders: m.folders.map((f) => (f.id === folder.id ? folder : f)),
              })),
            }
          : old,
      );
      void qc.invalidateQueries({ queryKey: mailboxKeys.mailboxes(ws, connectorId) });
    },
  });
}

export function useSyncFolder(ws: string, connectorId: string, folderId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => http.post<{ queued: boolean }>(api.syncFolder(ws, folderId)),
    onSuccess: () => {
      // Look again soon: the round takes a moment to start.
      setTimeout(
        () => void qc.invalidateQueries({ queryKey: mailboxKeys.mailboxes(ws, connectorId) }),
        1_000,
      );
      setTimeout(() => void qc.invalidateQueries({ queryKey: ['ws', ws, 'documents'] }), 2_500);
    },
  });
}

export function useFailedMessages(ws: string, folderId: string, enabled: boolean) {
  return useQuery({
    queryKey: mailboxKeys.failed(ws, folderId),
    queryFn: () => http.get<{ items: FailedMessage[] }>(api.failedMessages(ws, folderId)),
    enabled,
  });
}

export function useRetryMessage(ws: string, connectorId: string, folderId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (messageId: string) => http.post<{ queued: boolean }>(api.retryMessage(ws, messageId)),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: mailboxKeys.failed(ws, folderId) });
      void qc.invalidateQueries({ queryKey: mailboxKeys.mailboxes(ws, connectorId) });
    },
  });
}
