/**
 * The HTTP API's paths, shared so that the web app, the e2e tests and the server never disagree.
 * All are under /api/v1. Workspace resources live under /workspaces/{workspaceId}; a workspace the
 * caller does not belong to answers 404 (never 403, never its data).
 */
export const api = {
  session: '/api/v1/auth/session',
  setup: '/api/v1/setup',
  login: '/api/v1/auth/login',
  logout: '/api/v1/auth/logout',
  me: '/api/v1/me',
  invitationPreview: (token: string) => `/api/v1/invitations/${encodeURIComponent(token)}`,
  invitationAccept: (token: string) => `/api/v1/invitations/${encodeURIComponent(token)}/accept`,
  workspace: (ws: string) => `/api/v1/workspaces/${ws}`,
  members: (ws: string) => `/api/v1/workspaces/${ws}/members`,
  member: (ws: string, userId: string) => `/api/v1/workspaces/${ws}/members/${userId}`,
  invitations: (ws: string) => `/api/v1/workspaces/${ws}/invitations`,
  invitation: (ws: string, id: string) => `/api/v1/workspaces/${ws}/invitations/${id}`,
  connectors: (ws: string) => `/api/v1/workspaces/${ws}/connectors`,
  connector: (ws: string, id: string) => `/api/v1/workspaces/${ws}/connectors/${id}`,
  audit: (ws: string) => `/api/v1/workspaces/${ws}/audit`,
} as const;
