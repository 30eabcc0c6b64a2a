/** Paths of the SPA, so that links are never spelled twice. */
export const paths = {
  home: (ws: string) => `/w/${ws}`,
  settings: (ws: string, section = 'general') => `/w/${ws}/settings/${section}`,
  connector: (ws: string, id: string) => `/w/${ws}/settings/connectors/${id}`,
  webhook: (ws: string, id: string) => `/w/${ws}/settings/webhooks/${id}`,
  inbox: (ws: string) => `/w/${ws}/inbox`,
  document: (ws: string, id: string) => `/w/${ws}/inbox/${id}`,
};

const LAST_WORKSPACE_KEY = 'mailroom.workspace';

export function rememberWorkspace(ws: string): void {
  try {
    localStorage.setItem(LAST_WORKSPACE_KEY, ws);
  } catch {
    // Storage may be unavailable (private mode); remembering is only a convenience.
  }
}

export function lastWorkspace(): string | null {
  try {
    return localStorage.getItem(LAST_WORKSPACE_KEY);
  } catch {
    return null;
  }
}

/** Only same-site paths are followed after sign-in (no open redirect). */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}
