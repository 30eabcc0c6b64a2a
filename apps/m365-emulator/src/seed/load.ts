import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { guidFrom, isGuid } from '../util/ids.ts';
import { thumbprints } from '../tls/certs.ts';
import type { Directory } from '../tenant/directory.ts';
import type { AppRegistration, Tenant, User } from '../tenant/model.ts';
import type { SeedApplication } from './schema.ts';
import type { SeedFile, SeedTenant } from './schema.ts';

export const DEMO_SEED_FILE = fileURLToPath(new URL('./demo.yaml', import.meta.url));

/** Reads a seed from a .json, .yaml or .yml file. */
export function readSeedFile(file: string): SeedFile {
  const text = readFileSync(file, 'utf8');
  const data: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  return validateSeed(data);
}

export function demoSeed(): SeedFile {
  return readSeedFile(DEMO_SEED_FILE);
}

function fail(path: string, msg: string): never {
  throw new Error(`Invalid seed at ${path}: ${msg}`);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the shape a seed must have (names and required fields) and returns it typed. */
export function validateSeed(data: unknown): SeedFile {
  if (!isObj(data) || !Array.isArray(data.tenants)) fail('$', 'expected { tenants: [...] }');
  data.tenants.forEach((t: unknown, i: number) => {
    const p = `tenants[${i}]`;
    if (!isObj(t)) fail(p, 'expected an object');
    if (typeof t.displayName !== 'string') fail(p, 'displayName is required');
    if (!Array.isArray(t.domains) || t.domains.length === 0) fail(p, 'at least one domain is required');
    if (t.id !== undefined && (typeof t.id !== 'string' || !isGuid(t.id))) fail(p, 'id must be a GUID');
    for (const [key, req] of [
      ['users', ['userPrincipalName', 'displayName']],
      ['groups', ['displayName']],
      ['mailboxPermissions', ['mailbox', 'user']],
      ['applications', ['appId', 'displayName']],
      ['consents', ['appId']],
      ['applicationAccessPolicies', ['appId', 'scopeGroup', 'accessRight']],
    ] as const) {
      const list = t[key];
      if (list === undefined) continue;
      if (!Array.isArray(list)) fail(`${p}.${key}`, 'expected a list');
      list.forEach((item: unknown, j: number) => {
        if (!isObj(item)) fail(`${p}.${key}[${j}]`, 'expected an object');
        for (const f of req) if (typeof item[f] !== 'string') fail(`${p}.${key}[${j}]`, `${f} is required`);
      });
    }
  });
  return data as unknown as SeedFile;
}

const TWO_YEARS_MS = 2 * 365 * 24 * 3600 * 1000;

/** The tenant id a seed tenant gets (explicit, or derived from its first domain). */
export function seedTenantId(t: SeedTenant): string {
  if (t.id) return t.id.toLowerCase();
  const first = t.domains[0]!;
  return guidFrom(`tenant:${typeof first === 'string' ? first : first.name}`.toLowerCase());
}

/**
 * Loads a seed into the directory (adds to what is there; a tenant with the same id is replaced).
 * Consents may name apps registered in other tenants of the same seed, so apps load first.
 */
export function applySeed(dir: Directory, seed: SeedFile, nowMs: number): Tenant[] {
  const tenants: Tenant[] = [];
  for (const st of seed.tenants) {
    const id = seedTenantId(st);
    dir.removeTenant(id);
    const names = st.domains.map((d) =>
      typeof d === 'string' ? { name: d, default: false } : { name: d.name, default: !!d.default },
    );
    const explicitDefault = names.some((d) => d.default);
    const tenant: Tenant = {
      id,
      displayName: st.displayName,
      countryLetterCode: st.countryLetterCode ?? 'US',
      createdMs: nowMs,
      domains: names.map((d, i) => ({
        name: d.name.toLowerCase(),
        isDefault: explicitDefault ? d.default : i === 0,
        isInitial: d.name.toLowerCase().endsWith('.onmicrosoft.com'),
      })),
    };
    dir.addTenant(tenant);
    tenants.push(tenant);
    for (const su of st.users ?? []) {
      const kind = su.kind ?? 'user';
      const hasMailbox = su.hasMailbox ?? true;
      const upn = su.userPrincipalName.toLowerCase();
      const user: User = {
        id: (su.id ?? guidFrom(`user:${id}:${upn}`)).toLowerCase(),
        tenantId: id,
        userPrincipalName: su.userPrincipalName,
        displayName: su.displayName,
        givenName: su.givenName ?? null,
        surname: su.surname ?? null,
        mail: su.mail ?? (hasMailbox ? su.userPrincipalName : null),
        jobTitle: su.jobTitle ?? null,
        password: su.password ?? null,
        state: su.deleted ? 'deleted' : (su.enabled ?? kind === 'user') ? 'enabled' : 'disabled',
        hasMailbox,
        kind,
        isAdmin: !!su.admin,
        tokensValidFromMs: 0,
        createdMs: nowMs,
      };
      dir.addUser(user);
    }
    for (const sa of st.applications ?? []) {
      const app = buildApp(sa, id, nowMs);
      dir.addApp(app);
      // The home tenant always has the app's service principal.
      dir.ensureServicePrincipal(id, app, nowMs);
    }
  }
  // Second pass: references across users, groups and apps.
  for (const st of seed.tenants) {
    const id = seedTenantId(st);
    const ref = (what: string, idOrUpn: string) => {
      const u = dir.findTenantUser(id, idOrUpn);
      if (!u) fail(`tenant ${st.displayName}`, `${what} '${idOrUpn}' is not a user of the tenant`);
      return u;
    };
    for (const sg of st.groups ?? []) {
      dir.addGroup({
        id: (sg.id ?? guidFrom(`group:${id}:${sg.mail ?? sg.displayName}`)).toLowerCase(),
        tenantId: id,
        displayName: sg.displayName,
        mail: sg.mail ?? null,
        mailEnabled: sg.mailEnabled ?? !!sg.mail,
        securityEnabled: sg.securityEnabled ?? true,
        memberIds: [],
      });
    }
    for (const sg of st.groups ?? []) {
      const g = dir.findGroup(id, sg.id ?? sg.mail ?? guidFrom(`group:${id}:${sg.displayName}`))!;
      g.memberIds = (sg.members ?? []).map((m) => dir.findGroup(id, m)?.id ?? ref('group member', m).id);
    }
    for (const mp of st.mailboxPermissions ?? []) {
      dir.mailboxPermissions.push({
        tenantId: id,
        mailboxId: ref('mailbox', mp.mailbox).id,
        userId: ref('user', mp.user).id,
        accessRights: 'FullAccess',
      });
    }
    for (const c of st.consents ?? []) {
      const app = dir.findApp(c.appId);
      if (!app) fail(`tenant ${st.displayName}`, `consent for unknown app ${c.appId}`);
      const sp = dir.ensureServicePrincipal(id, app, Date.now());
      if (c.admin) {
        for (const r of c.application ?? app.applicationPermissions)
          if (!sp.appRoles.includes(r)) sp.appRoles.push(r);
        dir.grantDelegated(id, app.appId, null, c.delegated ?? app.delegatedPermissions);
      } else {
        if (!c.user) fail(`tenant ${st.displayName}`, `consent for ${c.appId} needs admin: true or a user`);
        dir.grantDelegated(
          id,
          app.appId,
          ref('consenting user', c.user).id,
          c.delegated ?? app.delegatedPermissions,
        );
      }
    }
    for (const p of st.applicationAccessPolicies ?? []) {
      const g = dir.findGroup(id, p.scopeGroup);
      if (!g) fail(`tenant ${st.displayName}`, `access policy group '${p.scopeGroup}' not found`);
      dir.accessPolicies.push({
        id: guidFrom(`aap:${id}:${p.appId}:${g.id}`),
        tenantId: id,
        appId: p.appId.toLowerCase(),
        scopeGroupId: g.id,
        accessRight: p.accessRight,
        description: p.description ?? ' ',
      });
    }
  }
  return tenants;
}

/** An app registration from its seed description (ids derived from the client id when absent). */
export function buildApp(sa: SeedApplication, homeTenantId: string, nowMs: number): AppRegistration {
  return {
    appId: sa.appId.toLowerCase(),
    objectId: guidFrom(`app:${sa.appId.toLowerCase()}`),
    homeTenantId,
    displayName: sa.displayName,
    signInAudience: sa.multiTenant ? 'AzureADMultipleOrgs' : 'AzureADMyOrg',
    redirectUris: sa.redirectUris ?? [],
    isPublicClient: !!sa.publicClient,
    delegatedPermissions: sa.delegatedPermissions ?? ['User.Read'],
    applicationPermissions: sa.applicationPermissions ?? [],
    secrets: (sa.secrets ?? []).map((s, i) => ({
      keyId: s.keyId ?? guidFrom(`secret:${sa.appId}:${i}`),
      displayName: s.displayName ?? `secret ${i + 1}`,
      hint: s.value.slice(0, 3),
      secretText: s.value,
      startMs: nowMs,
      endMs: s.expires ? Date.parse(s.expires) : nowMs + TWO_YEARS_MS,
    })),
    certificates: (sa.certificates ?? []).map((c, i) => {
      const t = thumbprints(c.pem);
      return {
        keyId: c.keyId ?? guidFrom(`cert:${sa.appId}:${i}`),
        displayName: c.displayName ?? `certificate ${i + 1}`,
        certPem: c.pem,
        sha1Hex: t.sha1Hex,
        sha256Hex: t.sha256Hex,
        endMs: nowMs + TWO_YEARS_MS,
      };
    }),
  };
}
