import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Router } from '../http/router.ts';
import type { Ctx } from '../http/context.ts';
import { withFixedAccessToken, type EmulatorState, type TokenLifetimes } from '../state.ts';
import {
  APP_RBAC_ROLES,
  type AppRbacRole,
  type AppRoleAssignment,
  type ManagementScope,
  type Tenant,
  type User,
  type UserKind,
} from '../tenant/model.ts';
import { guidFrom, newGuid, opaqueToken } from '../util/ids.ts';
import { createSelfSignedCert, thumbprints } from '../tls/certs.ts';
import { applySeed, buildApp, validateSeed } from '../seed/load.ts';
import type { SeedApplication } from '../seed/schema.ts';
import { canonicalApplication } from '../entra/permissions.ts';
import { mailFileFor, mailFingerprint, writeMailFile } from '../mail/persist.ts';

class ControlHttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const notFound = (what: string) => new ControlHttpError(404, 'notFound', `${what} not found`);
const bad = (message: string) => new ControlHttpError(400, 'badRequest', message);

export interface ControlHooks {
  /** Back to the initial seed (and forget every token, session and logged request). */
  reset(): void;
  dataDir: string;
}

/** The control API under `/__emulator`: drive the tenant from tests and scripts. */
export function registerControl(router: Router, st: EmulatorState, hooks: ControlHooks): void {
  const route = (method: string, path: string, fn: (ctx: Ctx) => unknown) =>
    router.on(method, `/__emulator${path}`, async (ctx) => {
      ctx.tags.area = 'control';
      try {
        const out = await fn(ctx);
        if (out === undefined) ctx.send(204, '');
        else ctx.sendJson(200, out);
      } catch (e) {
        if (e instanceof ControlHttpError)
          return ctx.sendJson(e.status, { error: { code: e.code, message: e.message } });
        if (e instanceof SyntaxError || (e instanceof Error && e.message.startsWith('Invalid seed')))
          return ctx.sendJson(400, { error: { code: 'badRequest', message: e.message } });
        throw e;
      }
    });

  const tenant = (ref: string): Tenant =>
    st.dir.findTenant(ref) ??
    (() => {
      throw notFound(`Tenant ${ref}`);
    })();
  const user = (ref: string): User => {
    const u = st.dir.findUser(ref);
    if (!u || u.state === 'deleted') throw notFound(`User ${ref}`);
    return u;
  };
  const app = (ref: string) =>
    st.dir.findApp(ref) ??
    (() => {
      throw notFound(`Application ${ref}`);
    })();
  const group = (ref: string) => {
    const byId = st.dir.groups.get(ref.toLowerCase());
    if (byId) return byId;
    for (const g of st.dir.groups.values()) if (g.mail?.toLowerCase() === ref.toLowerCase()) return g;
    throw notFound(`Group ${ref}`);
  };
  const str = (v: unknown, name: string): string => {
    if (typeof v !== 'string' || !v) throw bad(`${name} is required`);
    return v;
  };

  route('GET', '/health', () => ({ ok: true, url: st.baseUrl }));
  route('GET', '/state', () => st.dir.toData());

  route('POST', '/seed', async (ctx) => {
    const b = await ctx.json<{ seed: unknown; replace?: boolean }>();
    const seed = validateSeed(b.seed);
    if (b.replace) st.dir.clear();
    const tenants = applySeed(st.dir, seed, st.clock.now());
    return { tenants: tenants.map((t) => ({ id: t.id, displayName: t.displayName })) };
  });
  route('POST', '/reset', () => {
    hooks.reset();
  });
  let lastMailSave = '';
  route('POST', '/snapshot', async (ctx) => {
    const b = await ctx.json<{ file?: string }>();
    const file = b.file ?? join(hooks.dataDir, 'snapshot.json');
    writeFileSync(file, JSON.stringify(st.dir.toData(), null, 2));
    // The mail next to it, only when it changed (the sandbox saves every minute; the mail can be megabytes).
    const mailFile = mailFileFor(file);
    const print = `${mailFile}#${mailFingerprint(st.mail)}`;
    if (print !== lastMailSave) {
      writeMailFile(mailFile, st.mail);
      lastMailSave = print;
    }
    return { file };
  });

  // ---- users ----
  route('POST', '/tenants/:tenant/users', async (ctx) => {
    const t = tenant(ctx.params.tenant!);
    const b = await ctx.json<Record<string, unknown>>();
    const upn = str(b.userPrincipalName, 'userPrincipalName');
    if (st.dir.findUser(upn)) throw new ControlHttpError(409, 'conflict', `User ${upn} already exists`);
    const kind = (b.kind as UserKind | undefined) ?? 'user';
    const hasMailbox = b.hasMailbox === undefined ? true : !!b.hasMailbox;
    const u: User = {
      id: guidFrom(`user:${t.id}:${upn.toLowerCase()}`),
      tenantId: t.id,
      userPrincipalName: upn,
      displayName: str(b.displayName, 'displayName'),
      givenName: (b.givenName as string | undefined) ?? null,
      surname: (b.surname as string | undefined) ?? null,
      mail: (b.mail as string | undefined) ?? (hasMailbox ? upn : null),
      jobTitle: (b.jobTitle as string | undefined) ?? null,
      password: (b.password as string | undefined) ?? null,
      state: (b.enabled ?? kind === 'user') ? 'enabled' : 'disabled',
      hasMailbox,
      kind,
      isAdmin: !!b.admin,
      tokensValidFromMs: 0,
      createdMs: st.clock.now(),
    };
    return st.dir.addUser(u);
  });
  route('GET', '/users/:user', (ctx) => user(ctx.params.user!));
  route('POST', '/users/:user/disable', (ctx) =>
    Object.assign(user(ctx.params.user!), { state: 'disabled' }),
  );
  route('POST', '/users/:user/enable', (ctx) => Object.assign(user(ctx.params.user!), { state: 'enabled' }));
  route('DELETE', '/users/:user', (ctx) => {
    const u = user(ctx.params.user!);
    u.state = 'deleted';
    u.tokensValidFromMs = st.clock.now();
  });
  route('POST', '/users/:user/password', async (ctx) => {
    const u = user(ctx.params.user!);
    const b = await ctx.json<{ password?: string }>();
    u.password = str(b.password, 'password');
    u.tokensValidFromMs = st.clock.now();
    return u;
  });
  route('POST', '/users/:user/revoke-sessions', (ctx) => {
    const u = user(ctx.params.user!);
    u.tokensValidFromMs = st.clock.now();
    return u;
  });

  // ---- mailbox permissions, groups ----
  route('POST', '/mailbox-permissions', async (ctx) => {
    const b = await ctx.json<{ mailbox?: string; user?: string }>();
    const mbx = user(str(b.mailbox, 'mailbox'));
    const u = user(str(b.user, 'user'));
    if (!st.dir.hasFullAccess(mbx.id, u.id))
      st.dir.mailboxPermissions.push({
        tenantId: mbx.tenantId,
        mailboxId: mbx.id,
        userId: u.id,
        accessRights: 'FullAccess',
      });
  });
  route('POST', '/mailbox-permissions/remove', async (ctx) => {
    const b = await ctx.json<{ mailbox?: string; user?: string }>();
    const mbx = user(str(b.mailbox, 'mailbox'));
    const u = user(str(b.user, 'user'));
    st.dir.mailboxPermissions = st.dir.mailboxPermissions.filter(
      (p) => !(p.mailboxId === mbx.id && p.userId === u.id),
    );
  });
  route('POST', '/groups/:group/members', async (ctx) => {
    const g = group(ctx.params.group!);
    const b = await ctx.json<{ member?: string }>();
    const ref = str(b.member, 'member');
    const id = st.dir.findGroup(g.tenantId, ref)?.id ?? user(ref).id;
    if (!g.memberIds.includes(id)) g.memberIds.push(id);
  });
  route('DELETE', '/groups/:group/members/:member', (ctx) => {
    const g = group(ctx.params.group!);
    const ref = ctx.params.member!;
    const id = st.dir.findGroup(g.tenantId, ref)?.id ?? st.dir.findUser(ref)?.id ?? ref.toLowerCase();
    g.memberIds = g.memberIds.filter((m) => m !== id);
  });

  // ---- apps ----
  route('POST', '/tenants/:tenant/apps', async (ctx) => {
    const t = tenant(ctx.params.tenant!);
    const b = await ctx.json<SeedApplication>();
    if (b.appId && st.dir.findApp(b.appId))
      throw new ControlHttpError(409, 'conflict', `Application ${b.appId} already exists`);
    const made = buildApp(
      { ...b, appId: b.appId ?? newGuid(), displayName: str(b.displayName, 'displayName') },
      t.id,
      st.clock.now(),
    );
    st.dir.addApp(made);
    st.dir.ensureServicePrincipal(t.id, made, st.clock.now());
    return { appId: made.appId };
  });
  route('POST', '/apps/:app/secrets', async (ctx) => {
    const a = app(ctx.params.app!);
    const b = await ctx.json<{ displayName?: string; expiresInSeconds?: number; value?: string }>();
    const value = b.value ?? `${opaqueToken(3).slice(0, 3)}8Q~${opaqueToken(27).slice(0, 36)}`;
    const secret = {
      keyId: newGuid(),
      displayName: b.displayName ?? 'secret',
      hint: value.slice(0, 3),
      secretText: value,
      startMs: st.clock.now(),
      endMs: st.clock.now() + (b.expiresInSeconds ?? 2 * 365 * 24 * 3600) * 1000,
    };
    a.secrets.push(secret);
    return {
      keyId: secret.keyId,
      secretText: value,
      hint: secret.hint,
      endDateTime: new Date(secret.endMs).toISOString(),
    };
  });
  route('POST', '/apps/:app/secrets/:key/expire', (ctx) => {
    const s = app(ctx.params.app!).secrets.find((x) => x.keyId === ctx.params.key);
    if (!s) throw notFound(`Secret ${ctx.params.key}`);
    s.endMs = st.clock.now() - 1000;
  });
  route('DELETE', '/apps/:app/secrets/:key', (ctx) => {
    const a = app(ctx.params.app!);
    a.secrets = a.secrets.filter((x) => x.keyId !== ctx.params.key);
  });
  route('POST', '/apps/:app/certificates', async (ctx) => {
    const a = app(ctx.params.app!);
    const b = await ctx.json<{ pem?: string; displayName?: string }>();
    const pem = str(b.pem, 'pem');
    let t: ReturnType<typeof thumbprints>;
    try {
      t = thumbprints(pem);
    } catch {
      throw bad('pem is not a certificate');
    }
    const cert = {
      keyId: newGuid(),
      displayName: b.displayName ?? 'certificate',
      certPem: pem,
      sha1Hex: t.sha1Hex,
      sha256Hex: t.sha256Hex,
      endMs: st.clock.now() + 2 * 365 * 24 * 3600 * 1000,
    };
    a.certificates.push(cert);
    return { keyId: cert.keyId, thumbprint: t.sha1Hex, thumbprintSha256: t.sha256Hex };
  });
  route('POST', '/apps/:app/redirect-uris', async (ctx) => {
    const a = app(ctx.params.app!);
    const uri = str((await ctx.json<{ uri?: string }>()).uri, 'uri');
    const u = new URL(uri);
    if (u.protocol === 'http:' && u.hostname !== 'localhost' && u.hostname !== '127.0.0.1') {
      throw bad('Entra ID accepts http redirect URIs only for localhost; use https');
    }
    if (!a.redirectUris.includes(uri)) a.redirectUris.push(uri);
  });
  route('POST', '/apps/:app/redirect-uris/remove', async (ctx) => {
    const a = app(ctx.params.app!);
    const uri = str((await ctx.json<{ uri?: string }>()).uri, 'uri');
    a.redirectUris = a.redirectUris.filter((x) => x !== uri);
  });

  // ---- consents ----
  route('POST', '/consents/grant', async (ctx) => {
    const b = await ctx.json<{
      tenant?: string;
      appId?: string;
      user?: string;
      delegated?: string[];
      application?: string[];
    }>();
    const t = tenant(str(b.tenant, 'tenant'));
    const a = app(str(b.appId, 'appId'));
    const sp = st.dir.ensureServicePrincipal(t.id, a, st.clock.now());
    if (b.user) {
      st.dir.grantDelegated(t.id, a.appId, user(b.user).id, b.delegated ?? a.delegatedPermissions);
      return;
    }
    for (const r of b.application ?? a.applicationPermissions) {
      const c = canonicalApplication(r) ?? r;
      if (!sp.appRoles.includes(c)) sp.appRoles.push(c);
    }
    st.dir.grantDelegated(t.id, a.appId, null, b.delegated ?? a.delegatedPermissions);
  });
  route('POST', '/consents/withdraw', async (ctx) => {
    const b = await ctx.json<{ tenant?: string; appId?: string; user?: string }>();
    const t = tenant(str(b.tenant, 'tenant'));
    const a = app(str(b.appId, 'appId'));
    st.dir.withdrawConsent(t.id, a.appId, b.user ? user(b.user).id : undefined);
  });

  // ---- Application Access Policies ----
  route('POST', '/access-policies', async (ctx) => {
    const b = await ctx.json<{
      tenant?: string;
      appId?: string;
      scopeGroup?: string;
      accessRight?: string;
      description?: string;
    }>();
    const t = tenant(str(b.tenant, 'tenant'));
    const g = st.dir.findGroup(t.id, str(b.scopeGroup, 'scopeGroup'));
    if (!g) throw notFound(`Group ${b.scopeGroup}`);
    if (!g.mailEnabled || !g.securityEnabled)
      throw bad('The scope group must be a mail-enabled security group');
    if (b.accessRight !== 'RestrictAccess' && b.accessRight !== 'DenyAccess')
      throw bad('accessRight must be RestrictAccess or DenyAccess');
    const p = {
      id: newGuid(),
      tenantId: t.id,
      appId: str(b.appId, 'appId').toLowerCase(),
      scopeGroupId: g.id,
      accessRight: b.accessRight,
      description: b.description ?? ' ',
    } as const;
    st.dir.accessPolicies.push({ ...p });
    return p;
  });
  route('DELETE', '/access-policies/:id', (ctx) => {
    const before = st.dir.accessPolicies.length;
    st.dir.accessPolicies = st.dir.accessPolicies.filter((p) => p.id !== ctx.params.id);
    if (st.dir.accessPolicies.length === before) throw notFound(`Access policy ${ctx.params.id}`);
  });

  // ---- RBAC for Applications (issue 22 §1.8): management scopes, role assignments, the test cmdlet ----
  route('POST', '/management-scopes', async (ctx) => {
    const b = await ctx.json<{
      tenant?: string;
      name?: string;
      group?: string;
      filter?: ManagementScope['filter'];
    }>();
    const t = tenant(str(b.tenant, 'tenant'));
    const scope: ManagementScope = { id: newGuid(), tenantId: t.id, name: str(b.name, 'name') };
    if (b.group !== undefined) {
      const g = st.dir.findGroup(t.id, b.group);
      if (!g) throw notFound(`Group ${b.group}`);
      scope.groupId = g.id;
    } else if (
      b.filter &&
      ['userPrincipalName', 'displayName', 'jobTitle', 'mail'].includes(b.filter.property)
    ) {
      scope.filter = { property: b.filter.property, value: str(b.filter.value, 'filter.value') };
    } else throw bad('A management scope needs a group (MemberOfGroup) or a filter { property, value }');
    st.dir.managementScopes.push(scope);
    return scope;
  });
  route('DELETE', '/management-scopes/:id', (ctx) => {
    if (st.dir.appRoleAssignments.some((a) => a.scopeId === ctx.params.id))
      throw bad('The management scope is used by a role assignment; remove the assignment first');
    const before = st.dir.managementScopes.length;
    st.dir.managementScopes = st.dir.managementScopes.filter((x) => x.id !== ctx.params.id);
    if (st.dir.managementScopes.length === before) throw notFound(`Management scope ${ctx.params.id}`);
  });
  route('POST', '/app-role-assignments', async (ctx) => {
    const b = await ctx.json<{ tenant?: string; appId?: string; role?: string; scope?: string | null }>();
    const t = tenant(str(b.tenant, 'tenant'));
    const appId = str(b.appId, 'appId').toLowerCase();
    // New-ManagementRoleAssignment -App needs the app's service principal in the tenant.
    if (!st.dir.findServicePrincipal(t.id, appId))
      throw bad(
        `The app ${appId} has no service principal in ${t.displayName}; consent to it (or create it) first`,
      );
    if (!b.role || !(b.role in APP_RBAC_ROLES))
      throw bad(`role must be one of ${Object.keys(APP_RBAC_ROLES).join(', ')}`);
    let scopeId: string | null = null;
    if (b.scope !== undefined && b.scope !== null) {
      const scope = st.dir.managementScopes.find(
        (x) =>
          x.tenantId === t.id && (x.id === b.scope || x.name.toLowerCase() === String(b.scope).toLowerCase()),
      );
      if (!scope) throw notFound(`Management scope ${b.scope}`);
      scopeId = scope.id;
    }
    const a: AppRoleAssignment = {
      id: newGuid(),
      tenantId: t.id,
      appId,
      role: b.role as AppRbacRole,
      scopeId,
    };
    st.dir.appRoleAssignments.push(a);
    return a;
  });
  route('DELETE', '/app-role-assignments/:id', (ctx) => {
    const before = st.dir.appRoleAssignments.length;
    st.dir.appRoleAssignments = st.dir.appRoleAssignments.filter((x) => x.id !== ctx.params.id);
    if (st.dir.appRoleAssignments.length === before) throw notFound(`Role assignment ${ctx.params.id}`);
  });
  route('GET', '/service-principal-authorization', (ctx) => {
    const t = tenant(str(ctx.query.get('tenant'), 'tenant'));
    const mailbox = st.dir.findTenantUser(t.id, str(ctx.query.get('mailbox'), 'mailbox'));
    if (!mailbox) throw notFound(`Mailbox ${ctx.query.get('mailbox')}`);
    return st.dir.servicePrincipalAuthorization(t.id, str(ctx.query.get('appId'), 'appId'), mailbox.id);
  });

  // ---- lifetimes, clock, request log ----
  route('GET', '/token-lifetimes', () => st.lifetimes);
  route('PUT', '/token-lifetimes', async (ctx) => {
    const b = withFixedAccessToken(await ctx.json<Partial<TokenLifetimes>>());
    for (const [k, v] of Object.entries(b)) {
      if (!(k in st.lifetimes)) throw bad(`Unknown lifetime ${k}`);
      if (typeof v !== 'number' || v <= 0) throw bad(`${k} must be a positive number of seconds`);
      (st.lifetimes as unknown as Record<string, number>)[k] = v;
    }
    return st.lifetimes;
  });
  // Entra's signing-key rollover (issue 22 §1.5): a new current key beside the previous one, then retire.
  route('GET', '/signing-keys', () => ({ current: st.signer.kid, kids: st.signer.kids }));
  route('POST', '/signing-keys/rollover', () =>
    st.signer.rollover(createSelfSignedCert('login.microsoftonline.com emulator token signing')),
  );
  route('POST', '/signing-keys/retire', () => ({ retired: st.signer.retire() }));
  route('GET', '/clock', () => ({
    offsetSeconds: st.clock.offsetSeconds(),
    now: new Date(st.clock.now()).toISOString(),
  }));
  route('POST', '/clock/advance', async (ctx) => {
    const b = await ctx.json<{ seconds?: number }>();
    if (typeof b.seconds !== 'number' || b.seconds < 0) throw bad('seconds must be a non-negative number');
    st.clock.advance(b.seconds);
    return { offsetSeconds: st.clock.offsetSeconds(), now: new Date(st.clock.now()).toISOString() };
  });
  route('GET', '/requests', (ctx) => {
    const since = ctx.query.get('since');
    const area = ctx.query.get('area');
    const mailbox = ctx.query.get('mailbox');
    const mailboxId = mailbox ? (st.dir.findUser(mailbox)?.id ?? mailbox) : undefined;
    return st.log.list({
      ...(since ? { sinceSeq: Number(since) } : {}),
      ...(area ? { area } : {}),
      ...(mailboxId ? { mailboxId } : {}),
    });
  });
  route('DELETE', '/requests', () => {
    st.log.clear();
  });
}
