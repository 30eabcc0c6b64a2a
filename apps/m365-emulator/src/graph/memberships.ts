import { createHash } from 'node:crypto';
import type { Router } from '../http/router.ts';
import type { EmulatorState } from '../state.ts';
import type { Group, User } from '../tenant/model.ts';
import type { GraphPrincipal } from './auth.ts';
import { GraphErrors } from './errors.ts';
import { graphRoute } from './users.ts';
import { callerOrigin } from '../http/origin.ts';

/** Built-in Entra role templates the emulator assigns (ids are the same in every tenant). */
export const ROLE_TEMPLATES = {
  globalAdministrator: {
    id: '62e90394-69f5-4237-9190-012177145e10',
    displayName: 'Global Administrator',
    description:
      'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
  },
} as const;

/** Reading one's own memberships: User.Read is enough to list them (Graph's least privilege). */
const LIST_OWN = [
  'user.read',
  'user.readwrite',
  'user.readbasic.all',
  'user.read.all',
  'directory.read.all',
  'directory.readwrite.all',
  'group.read.all',
  'groupmember.read.all',
];
/** …but a directory role's properties are only visible with one of these; otherwise "limited information". */
const READ_ROLES = [
  'rolemanagement.read.directory',
  'rolemanagement.readwrite.directory',
  'directory.read.all',
  'directory.readwrite.all',
];
const READ_GROUPS = [
  'groupmember.read.all',
  'group.read.all',
  'group.readwrite.all',
  'directory.read.all',
  'directory.readwrite.all',
];

type Kind = 'directoryRole' | 'group';

/** A directoryRole's object id differs per tenant (activated there); its template id does not. */
function roleObjectId(tenantId: string, templateId: string): string {
  const h = createHash('sha256').update(`${tenantId}|role|${templateId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function rolesOf(user: User): Record<string, unknown>[] {
  if (!user.isAdmin) return [];
  const r = ROLE_TEMPLATES.globalAdministrator;
  return [
    {
      '@odata.type': '#microsoft.graph.directoryRole',
      id: roleObjectId(user.tenantId, r.id),
      deletedDateTime: null,
      description: r.description,
      displayName: r.displayName,
      roleTemplateId: r.id,
    },
  ];
}

function groupResource(g: Group): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.group',
    id: g.id,
    deletedDateTime: null,
    displayName: g.displayName,
    mail: g.mail,
    mailEnabled: g.mailEnabled,
    securityEnabled: g.securityEnabled,
  };
}

/**
 * "Returned with limited information": when the caller may list memberships but not read a type,
 * Graph returns the object's type and id and every other property as null.
 */
function limited(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) out[k] = k === '@odata.type' || k === 'id' ? o[k] : null;
  return out;
}

function select(o: Record<string, unknown>, sel: string | null): Record<string, unknown> {
  if (!sel) return o;
  const keep = new Set(sel.split(',').map((s) => s.trim().toLowerCase()));
  return Object.fromEntries(
    Object.entries(o).filter(([k]) => k === '@odata.type' || k === 'id' || keep.has(k.toLowerCase())),
  );
}

/**
 * GET /me/memberOf and /me/transitiveMemberOf, plain or cast to `microsoft.graph.directoryRole` /
 * `microsoft.graph.group`: what a sign-in uses to learn whether the user holds an admin role.
 */
export function registerMemberships(router: Router, st: EmulatorState): void {
  const list = (p: GraphPrincipal, transitive: boolean, only: Kind | undefined, sel: string | null) => {
    if (p.kind !== 'delegated') throw GraphErrors.meWithAppToken();
    const user = st.dir.users.get(p.userId ?? '');
    if (!user || user.state === 'deleted') throw GraphErrors.userNotFound(p.userId ?? '');
    if (!LIST_OWN.some((s) => p.scopes.has(s))) throw GraphErrors.directoryDenied();
    const canRoles = READ_ROLES.some((s) => p.scopes.has(s));
    const canGroups = READ_GROUPS.some((s) => p.scopes.has(s));
    const out: Record<string, unknown>[] = [];
    if (only !== 'group') for (const r of rolesOf(user)) out.push(canRoles ? r : limited(r));
    if (only !== 'directoryRole') {
      for (const g of st.dir.groups.values()) {
        if (g.tenantId !== user.tenantId) continue;
        const member = transitive ? st.dir.isMember(g.id, user.id) : g.memberIds.includes(user.id);
        if (member) out.push(canGroups ? groupResource(g) : limited(groupResource(g)));
      }
    }
    return out.map((o) => select(o, sel));
  };
  for (const transitive of [false, true]) {
    const base = `/v1.0/me/${transitive ? 'transitiveMemberOf' : 'memberOf'}`;
    const context = (suffix: string) => `${callerOrigin(st)}/v1.0/$metadata#directoryObjects${suffix}`;
    router.on(
      'GET',
      base,
      graphRoute(st, (ctx, p) => ({
        '@odata.context': context(''),
        value: list(p, transitive, undefined, ctx.query.get('$select')),
      })),
    );
    for (const kind of ['directoryRole', 'group'] as const) {
      router.on(
        'GET',
        `${base}/microsoft.graph.${kind}`,
        graphRoute(st, (ctx, p) => ({
          '@odata.context': context(`/microsoft.graph.${kind}`),
          value: list(p, transitive, kind, ctx.query.get('$select')),
        })),
      );
    }
  }
}
