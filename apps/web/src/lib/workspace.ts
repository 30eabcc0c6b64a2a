import { createContext, useContext } from 'react';
import type { WorkspaceSummary } from '@mailroom/contracts';

export interface CurrentWorkspace extends WorkspaceSummary {
  /** Owners and admins manage connectors, people and settings; members only look. */
  canManage: boolean;
}

export const WorkspaceContext = createContext<CurrentWorkspace | null>(null);

export function useCurrentWorkspace(): CurrentWorkspace {
  const ws = useContext(WorkspaceContext);
  if (!ws) throw new Error('useCurrentWorkspace outside a workspace route');
  return ws;
}
