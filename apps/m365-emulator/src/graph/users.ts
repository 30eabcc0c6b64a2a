import type { Router } from '../http/router.ts';
import type { Ctx } from '../http/context.ts';
import type { EmulatorState } from '../state.ts';
import type { User } from '../tenant/model.ts';
import { authenticateGraph, requirePermission, type GraphPrincipal } from './auth.ts';
import { applyRequestFault } from './pipeline.ts';
import { GraphErrors, GraphHttpError, graphHeaders, sendGraphError } from './errors.ts';
import { evalFilter, needsAdvancedQuery, parseFilter, parseSearch } from './odata.ts';
import {
  USER_DEFAULT_PROPS,
  USER_PROPS,
  mailboxSettingsResource,
  organizationResource,
  pick,
  userResource,
} from './resources.ts';
import { callerOrigin } from '../http/origin.ts';

const READ_USERS = {
  delegated: [
    'User.ReadBasic.All',
    'User.Read.All',
    'User.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  application: [
    'User.Read.All',
    'User.ReadBasic.All',
    'User.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
};
const READ_ME = { delegated: ['User.Read', 'User.ReadWrite', ...READ_USERS.delegated], application: [] };
const READ_MAILBOX_SETTINGS = {
  delegated: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
  application: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
};
const READ_ORG = {
  delegated: ['User.Read', 'Organization.Read.All', 'Directory.Read.All', 'Organization.ReadWrite.All'],
  application: ['Organization.Read.All', 'Directory.Read.All', 'Organization.ReadWrite.All'],
};

/** Wraps a Graph handler: token validation, Graph error shape and headers. */
export function graphRoute(st: EmulatorState, fn: (ctx: Ctx, p: GraphPrincipal) => unknown) {
  return async (ctx: Ctx) => {
    ctx.tags.area = 'graph';
    try {
      const p = authenticateGraph(st, ctx);
      // Directory calls misbehave on demand too (a health probe must meet 429s and 503s).
      if (await applyRequestFault(st, ctx)) return;
      const body = await fn(ctx, p);
      ctx.sendJson(200, body, { ...graphHeaders(ctx), 'odata-version': '4.0' });
    } catch (e) {
      if (e instanceof GraphHttpError) return sendGraphError(ctx, e, st.clock.now());
      throw e;
    }
  };
}

interface PageState {
  o: number; // offset
  t: number; // top
  s?: string; // $select
  f?: string; // $filter
  q?: string; // $search
  c?: boolean; // $count
  ob?: string; // $orderby
}

/** GET /me, /users, /users/{id|upn}, …/mailboxSettings, /organization. */
export function registerUsers(router: Router, st: EmulatorState): void {
  const ctxUrl = (suffix: string) => `${callerOrigin(st)}/v1.0/$metadata#${suffix}`;

  const selectList = (select: string | null | undefined): readonly string[] => {
    if (!select) return USER_DEFAULT_PROPS;
    return select.split(',').map((s) => {
      const p = USER_PROPS.find((x) => x.toLowerCase() === s.trim().toLowerCase());
      if (!p)
        throw GraphErrors.badRequest(
          `Could not find a property named '${s.trim()}' on type 'microsoft.graph.user'.`,
        );
      return p;
    });
  };

  /** The target user of /users/{id|upn}, in the caller's tenant. */
  const target = (p: GraphPrincipal, idOrUpn: string): User | undefined =>
    st.dir.findTenantUser(p.tenantId, idOrUpn);

  const me = (p: GraphPrincipal): User => {
    if (p.kind !== 'delegated') throw GraphErrors.meWithAppToken();
    const u = st.dir.users.get(p.userId ?? '');
    if (!u || u.state === 'deleted') throw GraphErrors.userNotFound(p.userId ?? '');
    return u;
  };

  router.on(
    'GET',
    '/v1.0/me',
    graphRoute(st, (ctx, p) => {
      const u = me(p);
      requirePermission(p, READ_ME, GraphErrors.directoryDenied);
      const props = selectList(ctx.query.get('$select'));
      return { '@odata.context': ctxUrl('users/$entity'), ...pick(userResource(u), props) };
    }),
  );

  router.on(
    'GET',
    '/v1.0/users/:id',
    graphRoute(st, (ctx, p) => {
      const u = target(p, ctx.params.id!);
      const self = p.kind === 'delegated' && u?.id === p.userId;
      requirePermission(p, self ? READ_ME : READ_USERS, GraphErrors.directoryDenied);
      if (!u) throw GraphErrors.userNotFound(ctx.params.id!);
      const props = selectList(ctx.query.get('$select'));
      return { '@odata.context': ctxUrl('users/$entity'), ...pick(userResource(u), props) };
    }),
  );

  router.on(
    'GET',
    '/v1.0/users',
    graphRoute(st, (ctx, p) => {
      requirePermission(p, READ_USERS, GraphErrors.directoryDenied);
      const q = ctx.query;
      const eventual = (ctx.header('consistencylevel') ?? '').toLowerCase() === 'eventual';
      let state: PageState;
      const skip = q.get('$skiptoken');
      if (skip) {
        try {
          state = JSON.parse(Buffer.from(skip, 'base64url').toString('utf8')) as PageState;
        } catch {
          throw GraphErrors.badRequest('Invalid $skiptoken.');
        }
      } else {
        const top = q.has('$top') ? Number(q.get('$top')) : 100;
        if (!Number.isInteger(top) || top < 1 || top > 999)
          throw GraphErrors.unsupportedQuery(
            `Invalid page size specified: '${q.get('$top')}'. Must be between 1 and 999 inclusive.`,
          );
        state = { o: 0, t: top };
        if (q.get('$select')) state.s = q.get('$select')!;
        if (q.get('$filter')) state.f = q.get('$filter')!;
        if (q.get('$orderby')) state.ob = q.get('$orderby')!;
        if (q.get('$search')) {
          if (!eventual)
            throw GraphErrors.unsupportedQuery(
              "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
            );
          state.q = q.get('$search')!;
        }
        if (q.get('$count') === 'true') {
          if (!eventual) throw GraphErrors.badRequest('$count is not currently supported.');
          state.c = true;
        }
      }
      const props = selectList(state.s);
      let users = st.dir.listUsers(p.tenantId).map(userResource);
      if (state.f) {
        const tree = parseFilter(state.f, USER_PROPS);
        if (needsAdvancedQuery(tree) && !(skip || (eventual && state.c))) {
          throw GraphErrors.unsupportedQuery(
            'Unsupported query. This query requires ConsistencyLevel: eventual and $count=true (advanced query).',
          );
        }
        users = users.filter((u) => evalFilter(tree, u));
      }
      if (state.q) {
        const match = parseSearch(state.q.replace(/^"(.*)"$/s, '"$1"'), USER_PROPS);
        users = users.filter(match);
      }
      if (state.ob) {
        const [field, dir] = state.ob.trim().split(/\s+/);
        const prop = USER_PROPS.find((x) => x.toLowerCase() === (field ?? '').toLowerCase());
        if (!prop || !['displayName', 'userPrincipalName'].includes(prop))
          throw GraphErrors.unsupportedQuery(`Sorting not supported for '${field}'.`);
        const sign = dir?.toLowerCase() === 'desc' ? -1 : 1;
        users.sort((a, b) => sign * String(a[prop]).localeCompare(String(b[prop])));
      }
      const page = users.slice(state.o, state.o + state.t);
      const body: Record<string, unknown> = {
        '@odata.context': ctxUrl(state.s ? `users(${props.join(',')})` : 'users'),
      };
      if (state.c) body['@odata.count'] = users.length;
      if (state.o + state.t < users.length) {
        const nextState = { ...state, o: state.o + state.t };
        body['@odata.nextLink'] =
          `${callerOrigin(st)}/v1.0/users?$skiptoken=${Buffer.from(JSON.stringify(nextState)).toString('base64url')}`;
      }
      body.value = page.map((u) => pick(u, props));
      return body;
    }),
  );

  const mailboxSettings = (p: GraphPrincipal, u: User | undefined, idForError: string) => {
    // RBAC for Applications may grant MailboxSettings.Read on this mailbox without a tenant-wide role.
    const rbac = p.kind === 'app' && u ? st.dir.rbacPermissions(p.tenantId, p.appId, u.id) : new Set();
    const viaRbac = rbac.has('mailboxsettings.read') || rbac.has('mailboxsettings.readwrite');
    if (!viaRbac) requirePermission(p, READ_MAILBOX_SETTINGS, GraphErrors.accessDenied);
    if (!u)
      throw new GraphHttpError(404, 'ErrorInvalidUser', `The requested user '${idForError}' is invalid.`);
    if (p.kind === 'delegated' && u.id !== p.userId && !st.dir.hasFullAccess(u.id, p.userId ?? ''))
      throw GraphErrors.accessDenied();
    if (p.kind === 'app' && !viaRbac && !st.dir.appMayAccessMailbox(p.tenantId, p.appId, u.id))
      throw GraphErrors.odataDisabled();
    if (!u.hasMailbox) throw GraphErrors.mailboxNotEnabled();
    return { '@odata.context': ctxUrl(`users('${u.id}')/mailboxSettings`), ...mailboxSettingsResource(u) };
  };
  router.on(
    'GET',
    '/v1.0/me/mailboxSettings',
    graphRoute(st, (_ctx, p) => mailboxSettings(p, me(p), 'me')),
  );
  router.on(
    'GET',
    '/v1.0/users/:id/mailboxSettings',
    graphRoute(st, (ctx, p) => mailboxSettings(p, target(p, ctx.params.id!), ctx.params.id!)),
  );

  router.on(
    'GET',
    '/v1.0/organization',
    graphRoute(st, (_ctx, p) => {
      requirePermission(p, READ_ORG, GraphErrors.directoryDenied);
      const t = st.dir.tenants.get(p.tenantId)!;
      return { '@odata.context': ctxUrl('organization'), value: [organizationResource(t)] };
    }),
  );
}
