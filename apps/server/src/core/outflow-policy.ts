import type {
  OutflowAction,
  OutflowActionKind,
  OutflowPermissions,
  OutflowTrigger,
} from '@mailroom/contracts';

/**
 * Outflow policy, free of I/O: which actions an event sets off, which Microsoft permissions each
 * action needs on a mailbox, how long a failing action keeps being retried, and what an error means.
 */

export type AuthMode = 'delegated' | 'organization' | 'own_app';
export type Source = 'rule' | 'inbox';

/** Folders an inbox-level move may name: documents of one inbox come from many mailboxes. */
export const WELL_KNOWN_DESTINATIONS = ['archive', 'deleteditems', 'junkemail', 'inbox'] as const;

/** Gives new actions an id and keeps the ids of actions saved before (runs are keyed on them). */
export function withIds(actions: OutflowAction[], newId: () => string): OutflowAction[] {
  const seen = new Set<string>();
  return actions.map((a) => {
    // A duplicated id (a copied action) would make two actions one: the copy gets its own.
    const id = a.id && !seen.has(a.id) ? a.id : newId();
    seen.add(id);
    return { ...a, id };
  });
}

/** The actions one event sets off: the rule's (for documents it created) and the inbox's. */
export function actionsFor(
  event: OutflowTrigger,
  rule: readonly OutflowAction[] | null,
  inbox: readonly OutflowAction[] | null,
): { source: Source; action: OutflowAction & { id: string } }[] {
  const pick = (source: Source, list: readonly OutflowAction[] | null) =>
    (list ?? [])
      .filter((a): a is OutflowAction & { id: string } => a.on === event && typeof a.id === 'string')
      .map((action) => ({ source, action }));
  return [...pick('rule', rule), ...pick('inbox', inbox)];
}

/**
 * The permissions an action needs (Exchange's rules, reference §2.1 and §5): delegated access to
 * another person's (shared) mailbox needs the `.Shared` variants; app-only needs application roles.
 * A forward is a draft (ReadWrite) that is then sent (Send).
 */
export function requiredPermissions(kind: OutflowActionKind, mode: AuthMode, ownMailbox: boolean): string[] {
  const shared = mode === 'delegated' && !ownMailbox ? '.Shared' : '';
  const write = `Mail.ReadWrite${shared}`;
  switch (kind) {
    case 'category':
    case 'move':
      return [write];
    case 'forward':
      return [write, `Mail.Send${shared}`];
  }
}

/**
 * What the connection may do on one mailbox, from the permissions Microsoft granted (`null`: not
 * known — the token did not say). Delegated Mail.ReadWrite also covers a user's own mailbox when
 * `.Shared` was granted only for others, so each need is checked as Exchange checks it. An app-only
 * token that carries no mail permission at all reads mail through RBAC for Applications (Exchange's
 * role assignments, which tokens do not show): what it may do is then not known from the token.
 */
export function outflowPermissions(
  granted: ReadonlySet<string> | null,
  mode: AuthMode | null,
  ownMailbox: boolean,
): OutflowPermissions {
  const viaRbac =
    mode !== 'delegated' && granted !== null && ![...granted].some((p) => p.startsWith('mail.'));
  if (!granted || !mode || viaRbac)
    return { known: false, missing: { category: [], forward: [], move: [] }, canCreateCategories: true };
  const has = (p: string) => granted.has(p.toLowerCase());
  const missing = (kind: OutflowActionKind) =>
    requiredPermissions(kind, mode, ownMailbox).filter((p) => !has(p));
  return {
    known: true,
    missing: { category: missing('category'), forward: missing('forward'), move: missing('move') },
    canCreateCategories: has('MailboxSettings.ReadWrite'),
  };
}

/** Retries of an action that fails for a passing reason: `base` (15 s) doubling up to an hour, 15 tries (about 10 h). */
export const MAX_ATTEMPTS = 15;
export function retryDelaySeconds(attempt: number, retryAfterSeconds?: number, base = 15): number {
  const backoff = Math.min(3600, base * 2 ** Math.max(0, attempt - 1));
  return Math.max(backoff, retryAfterSeconds ?? 0);
}

/** A failure an action cannot get past by waiting, in words for the document history. */
export function permanentReason(e: { status: number; code: string; message: string }): string | null {
  const code = e.code.toLowerCase();
  if (code === 'destinationfoldernotfound')
    return 'The folder to move to no longer exists in this mailbox: choose another in the rule.';
  if (e.status === 404 && (code === 'erroritemnotfound' || code === 'itemnotfound')) {
    return `The email is no longer in the mailbox (deleted, or moved to the archive). ${e.code}: ${e.message}`;
  }
  if (e.status === 403)
    return `Microsoft refused: the connection lacks the permission for this (${e.code}: ${e.message}).`;
  if (e.status === 400 && /recipient/i.test(`${e.code} ${e.message}`))
    return `Microsoft refused the recipient address. ${e.code}: ${e.message}`;
  if (e.status >= 400 && e.status < 500 && e.status !== 401 && e.status !== 408 && e.status !== 429)
    return `${e.code}: ${e.message}`;
  return null;
}
