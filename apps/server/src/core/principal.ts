/**
 * Who is making a request (decision 0010): a signed-in person, or a workspace API key acting as a
 * member with its scope. Routes that only need a member accept both; admin routes take people only.
 */
export type Principal =
  | { kind: 'user'; id: string; email: string }
  | {
      kind: 'api_key';
      id: string;
      workspaceId: string;
      name: string;
      prefix: string;
      scope: 'read' | 'read_write';
      /** Inboxes the key may reach; null = every inbox of the workspace. */
      inboxIds: string[] | null;
    };

/**
 * How a principal is written into history lines and the audit log: a person by id and email; a key
 * by its id (no user), with its name and prefix where an email would be.
 */
export interface RecordedActor {
  id: string | null;
  email: string;
  apiKeyId?: string;
}

export function recordedActor(p: Principal): RecordedActor {
  if (p.kind === 'user') return { id: p.id, email: p.email };
  return { id: null, email: `API key "${p.name}" (${p.prefix}…)`, apiKeyId: p.id };
}
