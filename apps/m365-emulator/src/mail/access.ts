import type { EmulatorState } from '../state.ts';
import type { GraphPrincipal } from '../graph/auth.ts';
import { GraphErrors, GraphHttpError } from '../graph/errors.ts';
import type { User } from '../tenant/model.ts';
import type { Mailbox } from './model.ts';

export type MailNeed = 'read' | 'write' | 'send' | 'settingsRead' | 'settingsWrite';

/**
 * Mail permissions as Exchange Online enforces them (reference §2.1, §5): delegated tokens reach
 * the user's own mailbox with Mail.*, and other mailboxes only with Mail.*.Shared *and* FullAccess;
 * app-only tokens reach every mailbox with Mail.* roles unless an Application Access Policy
 * excludes it.
 */
const PERMS: Record<MailNeed, { own: string[]; shared: string[]; app: string[] }> = {
  read: {
    own: ['Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'],
    shared: ['Mail.Read.Shared', 'Mail.ReadWrite.Shared'],
    app: ['Mail.ReadBasic', 'Mail.ReadBasic.All', 'Mail.Read', 'Mail.ReadWrite'],
  },
  write: { own: ['Mail.ReadWrite'], shared: ['Mail.ReadWrite.Shared'], app: ['Mail.ReadWrite'] },
  send: { own: ['Mail.Send'], shared: ['Mail.Send.Shared'], app: ['Mail.Send'] },
  // outlook/masterCategories is a mailbox setting: MailboxSettings.Read to list, .ReadWrite to add.
  settingsRead: {
    own: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
    shared: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
    app: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
  },
  settingsWrite: {
    own: ['MailboxSettings.ReadWrite'],
    shared: ['MailboxSettings.ReadWrite'],
    app: ['MailboxSettings.ReadWrite'],
  },
};

const has = (set: Set<string>, list: string[]) => list.some((x) => set.has(x.toLowerCase()));

export const MailErrors = {
  invalidUser: (ref: string) =>
    new GraphHttpError(404, 'ErrorInvalidUser', `The requested user '${ref}' is invalid.`),
  itemNotFound: () =>
    new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.'),
  malformedId: () => new GraphHttpError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.'),
  folderNotFound: () =>
    new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.'),
};

/** The mailbox a `/me/…` or `/users/{id|upn}/…` mail call addresses, after every access check. */
export function resolveMailbox(
  st: EmulatorState,
  p: GraphPrincipal,
  ref: string | undefined,
  need: MailNeed,
): { user: User; mailbox: Mailbox } {
  let user: User | undefined;
  if (ref === undefined) {
    if (p.kind !== 'delegated') throw GraphErrors.meWithAppToken();
    user = st.dir.users.get(p.userId ?? '');
  } else {
    user = st.dir.findTenantUser(p.tenantId, ref);
  }
  // A deleted user's mailbox is gone with it (soft-deleted mailboxes answer as unknown users).
  if (user?.state === 'deleted') user = undefined;
  const perms = PERMS[need];
  if (p.kind === 'delegated') {
    const own = user !== undefined && user.id === p.userId;
    if (!has(p.scopes, perms.own) && !has(p.scopes, perms.shared)) throw GraphErrors.accessDenied();
    if (!user) throw MailErrors.invalidUser(ref ?? 'me');
    if (!own && !(has(p.scopes, perms.shared) && st.dir.hasFullAccess(user.id, p.userId ?? '')))
      throw GraphErrors.accessDenied();
    if (own && !has(p.scopes, perms.own)) throw GraphErrors.accessDenied();
  } else {
    // Two ways in, additive: a permission Entra consented tenant-wide (in the token's roles), within
    // the legacy application access policies; or an RBAC for Applications role whose scope holds the
    // mailbox (reference §5, issue 22 §1.8).
    const viaEntra = has(p.roles, perms.app);
    if (!viaEntra && !st.dir.hasRbacAssignments(p.tenantId, p.appId)) throw GraphErrors.accessDenied();
    if (!user) throw MailErrors.invalidUser(ref ?? 'me');
    const viaRbac = has(st.dir.rbacPermissions(p.tenantId, p.appId, user.id), perms.app);
    if (!viaRbac) {
      if (!viaEntra) throw GraphErrors.accessDenied();
      if (!st.dir.appMayAccessMailbox(p.tenantId, p.appId, user.id)) throw GraphErrors.odataDisabled();
    }
  }
  if (!user.hasMailbox) throw GraphErrors.mailboxNotEnabled();
  return { user, mailbox: st.mail.mailbox(user) };
}
