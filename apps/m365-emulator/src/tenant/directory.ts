import { isGuid, newGuid } from '../util/ids.ts';
import {
  APP_RBAC_ROLES,
  type AppAccessPolicy,
  type AppRegistration,
  type AppRoleAssignment,
  type DelegatedGrant,
  type DirectoryData,
  type Group,
  type MailboxPermission,
  type ManagementScope,
  type ServicePrincipal,
  type ServicePrincipalAuthorization,
  type Tenant,
  type User,
} from './model.ts';

const lower = (s: string) => s.toLowerCase();

/** In-memory directory with the indexes the endpoints need. */
export class Directory {
  readonly tenants = new Map<string, Tenant>();
  readonly users = new Map<string, User>();
  readonly groups = new Map<string, Group>();
  readonly apps = new Map<string, AppRegistration>();
  mailboxPermissions: MailboxPermission[] = [];
  servicePrincipals: ServicePrincipal[] = [];
  grants: DelegatedGrant[] = [];
  accessPolicies: AppAccessPolicy[] = [];
  managementScopes: ManagementScope[] = [];
  appRoleAssignments: AppRoleAssignment[] = [];
  private readonly domainIndex = new Map<string, string>();
  private readonly upnIndex = new Map<string, string>();
  /** Users per tenant in insertion order (Graph lists). */
  private readonly tenantUsers = new Map<string, User[]>();

  clear(): void {
    this.tenants.clear();
    this.users.clear();
    this.groups.clear();
    this.apps.clear();
    this.mailboxPermissions = [];
    this.servicePrincipals = [];
    this.grants = [];
    this.accessPolicies = [];
    this.managementScopes = [];
    this.appRoleAssignments = [];
    this.domainIndex.clear();
    this.upnIndex.clear();
    this.tenantUsers.clear();
  }

  // ---- tenants ----
  addTenant(t: Tenant): Tenant {
    this.tenants.set(t.id, t);
    for (const d of t.domains) this.domainIndex.set(lower(d.name), t.id);
    if (!this.tenantUsers.has(t.id)) this.tenantUsers.set(t.id, []);
    return t;
  }

  /** Resolves a tenant GUID or a verified domain. */
  findTenant(idOrDomain: string): Tenant | undefined {
    if (isGuid(idOrDomain)) return this.tenants.get(lower(idOrDomain));
    const id = this.domainIndex.get(lower(idOrDomain));
    return id ? this.tenants.get(id) : undefined;
  }

  removeTenant(tenantId: string): void {
    const t = this.tenants.get(tenantId);
    if (!t) return;
    for (const u of this.tenantUsers.get(tenantId) ?? []) {
      this.users.delete(u.id);
      this.upnIndex.delete(lower(u.userPrincipalName));
    }
    this.tenantUsers.delete(tenantId);
    for (const d of t.domains) this.domainIndex.delete(lower(d.name));
    for (const [id, g] of this.groups) if (g.tenantId === tenantId) this.groups.delete(id);
    for (const [id, a] of this.apps) if (a.homeTenantId === tenantId) this.apps.delete(id);
    this.mailboxPermissions = this.mailboxPermissions.filter((p) => p.tenantId !== tenantId);
    this.servicePrincipals = this.servicePrincipals.filter((p) => p.tenantId !== tenantId);
    this.grants = this.grants.filter((p) => p.tenantId !== tenantId);
    this.accessPolicies = this.accessPolicies.filter((p) => p.tenantId !== tenantId);
    this.managementScopes = this.managementScopes.filter((x) => x.tenantId !== tenantId);
    this.appRoleAssignments = this.appRoleAssignments.filter((x) => x.tenantId !== tenantId);
    this.tenants.delete(tenantId);
  }

  // ---- users ----
  addUser(u: User): User {
    if (this.upnIndex.has(lower(u.userPrincipalName)))
      throw new Error(`User ${u.userPrincipalName} already exists`);
    this.users.set(u.id, u);
    this.upnIndex.set(lower(u.userPrincipalName), u.id);
    let list = this.tenantUsers.get(u.tenantId);
    if (!list) this.tenantUsers.set(u.tenantId, (list = []));
    list.push(u);
    return u;
  }

  /** Any user (also deleted ones) by object id or UPN, across tenants. */
  findUser(idOrUpn: string): User | undefined {
    if (isGuid(idOrUpn)) return this.users.get(lower(idOrUpn));
    const id = this.upnIndex.get(lower(idOrUpn));
    return id ? this.users.get(id) : undefined;
  }

  /** A non-deleted user of a tenant, by id or UPN. */
  findTenantUser(tenantId: string, idOrUpn: string): User | undefined {
    const u = this.findUser(idOrUpn);
    return u && u.tenantId === tenantId && u.state !== 'deleted' ? u : undefined;
  }

  /** Non-deleted users of a tenant, in creation order. */
  listUsers(tenantId: string): User[] {
    return (this.tenantUsers.get(tenantId) ?? []).filter((u) => u.state !== 'deleted');
  }

  // ---- groups ----
  addGroup(g: Group): Group {
    this.groups.set(g.id, g);
    return g;
  }

  findGroup(tenantId: string, idOrMail: string): Group | undefined {
    const byId = this.groups.get(lower(idOrMail));
    if (byId && byId.tenantId === tenantId) return byId;
    for (const g of this.groups.values()) {
      if (g.tenantId === tenantId && g.mail && lower(g.mail) === lower(idOrMail)) return g;
    }
    return undefined;
  }

  /** Transitive membership (nested groups count, as for Application Access Policies). */
  isMember(groupId: string, memberId: string, seen = new Set<string>()): boolean {
    const g = this.groups.get(groupId);
    if (!g || seen.has(groupId)) return false;
    seen.add(groupId);
    for (const m of g.memberIds) {
      if (m === memberId) return true;
      if (this.groups.has(m) && this.isMember(m, memberId, seen)) return true;
    }
    return false;
  }

  // ---- applications ----
  addApp(a: AppRegistration): AppRegistration {
    this.apps.set(lower(a.appId), a);
    return a;
  }

  findApp(appId: string): AppRegistration | undefined {
    return this.apps.get(lower(appId));
  }

  findServicePrincipal(tenantId: string, appId: string): ServicePrincipal | undefined {
    return this.servicePrincipals.find((sp) => sp.tenantId === tenantId && sp.appId === lower(appId));
  }

  /** The app's service principal in a tenant, created on first consent (like Entra). */
  ensureServicePrincipal(tenantId: string, app: AppRegistration, nowMs: number): ServicePrincipal {
    let sp = this.findServicePrincipal(tenantId, app.appId);
    if (!sp) {
      sp = {
        id: newGuid(),
        appId: lower(app.appId),
        tenantId,
        displayName: app.displayName,
        appRoles: [],
        createdMs: nowMs,
      };
      this.servicePrincipals.push(sp);
    }
    return sp;
  }

  /** Is the app usable in this tenant: its home tenant, or a tenant where it has a service principal. */
  appIsInTenant(app: AppRegistration, tenantId: string): boolean {
    return app.homeTenantId === tenantId || this.findServicePrincipal(tenantId, app.appId) !== undefined;
  }

  // ---- consents ----
  /** Delegated scopes consented for this user: own grant ∪ tenant-wide admin grant. */
  consentedScopes(tenantId: string, appId: string, userId: string): Set<string> {
    const out = new Set<string>();
    for (const g of this.grants) {
      if (
        g.tenantId === tenantId &&
        g.clientAppId === lower(appId) &&
        (g.principalId === null || g.principalId === userId)
      ) {
        for (const s of g.scopes) out.add(s);
      }
    }
    return out;
  }

  grantDelegated(
    tenantId: string,
    appId: string,
    principalId: string | null,
    scopes: string[],
  ): DelegatedGrant {
    let g = this.grants.find(
      (x) => x.tenantId === tenantId && x.clientAppId === lower(appId) && x.principalId === principalId,
    );
    if (!g) {
      g = { id: newGuid(), tenantId, clientAppId: lower(appId), principalId, scopes: [] };
      this.grants.push(g);
    }
    for (const s of scopes) if (!g.scopes.some((x) => lower(x) === lower(s))) g.scopes.push(s);
    return g;
  }

  /**
   * Withdraws consent: one user's delegated grant, or (no user) every grant, the application
   * roles and the service principal itself (like deleting the enterprise application).
   */
  withdrawConsent(tenantId: string, appId: string, userId?: string): void {
    const id = lower(appId);
    if (userId) {
      this.grants = this.grants.filter(
        (g) => !(g.tenantId === tenantId && g.clientAppId === id && g.principalId === userId),
      );
      return;
    }
    this.grants = this.grants.filter((g) => !(g.tenantId === tenantId && g.clientAppId === id));
    this.servicePrincipals = this.servicePrincipals.filter(
      (sp) => !(sp.tenantId === tenantId && sp.appId === id),
    );
  }

  // ---- mailbox access ----
  hasFullAccess(mailboxId: string, userId: string): boolean {
    return this.mailboxPermissions.some((p) => p.mailboxId === mailboxId && p.userId === userId);
  }

  /**
   * Exchange Application Access Policy evaluation for an app-only token on a mailbox:
   * DenyAccess on a group containing the mailbox blocks it; if any RestrictAccess policy exists
   * for the app, the mailbox must be in one of their groups.
   */
  appMayAccessMailbox(tenantId: string, appId: string, mailboxId: string): boolean {
    const policies = this.accessPolicies.filter((p) => p.tenantId === tenantId && p.appId === lower(appId));
    if (policies.length === 0) return true;
    for (const p of policies) {
      if (p.accessRight === 'DenyAccess' && this.isMember(p.scopeGroupId, mailboxId)) return false;
    }
    const restrict = policies.filter((p) => p.accessRight === 'RestrictAccess');
    if (restrict.length === 0) return true;
    return restrict.some((p) => this.isMember(p.scopeGroupId, mailboxId));
  }

  /** Whether a management scope takes in a mailbox. */
  inScope(scope: ManagementScope, mailboxId: string): boolean {
    if (scope.groupId !== undefined) return this.isMember(scope.groupId, mailboxId);
    const u = this.users.get(mailboxId);
    if (!u || !scope.filter) return false;
    const v = u[scope.filter.property];
    return typeof v === 'string' && v.toLowerCase() === scope.filter.value.toLowerCase();
  }

  /** `Test-ServicePrincipalAuthorization`: the app's RBAC role assignments and whether each covers the mailbox. */
  servicePrincipalAuthorization(
    tenantId: string,
    appId: string,
    mailboxId: string,
  ): ServicePrincipalAuthorization[] {
    return this.appRoleAssignments
      .filter((a) => a.tenantId === tenantId && a.appId === lower(appId))
      .map((a) => {
        const scope = a.scopeId ? this.managementScopes.find((x) => x.id === a.scopeId) : undefined;
        return {
          RoleName: a.role,
          GrantedPermissions: APP_RBAC_ROLES[a.role],
          AllowedResourceScope: scope?.name ?? 'Organization',
          ScopeType: a.scopeId ? 'CustomRecipientScope' : 'Organization',
          InScope: a.scopeId === null ? true : scope !== undefined && this.inScope(scope, mailboxId),
        };
      });
  }

  /** The Graph permissions RBAC for Applications grants the app on this mailbox, lower-case (as token roles are compared). */
  rbacPermissions(tenantId: string, appId: string, mailboxId: string): Set<string> {
    return new Set(
      this.servicePrincipalAuthorization(tenantId, appId, mailboxId)
        .filter((r) => r.InScope)
        .map((r) => r.GrantedPermissions.toLowerCase()),
    );
  }

  /** Whether the app has any RBAC for Applications assignment in the tenant. */
  hasRbacAssignments(tenantId: string, appId: string): boolean {
    return this.appRoleAssignments.some((a) => a.tenantId === tenantId && a.appId === lower(appId));
  }

  // ---- snapshot ----
  toData(): DirectoryData {
    return {
      tenants: [...this.tenants.values()],
      users: [...this.users.values()],
      mailboxPermissions: this.mailboxPermissions,
      groups: [...this.groups.values()],
      apps: [...this.apps.values()],
      servicePrincipals: this.servicePrincipals,
      grants: this.grants,
      accessPolicies: this.accessPolicies,
      managementScopes: this.managementScopes,
      appRoleAssignments: this.appRoleAssignments,
    };
  }

  load(data: DirectoryData): void {
    this.clear();
    for (const t of data.tenants) this.addTenant(t);
    for (const u of data.users) this.addUser(u);
    for (const g of data.groups) this.addGroup(g);
    for (const a of data.apps) this.addApp(a);
    this.mailboxPermissions = [...data.mailboxPermissions];
    this.servicePrincipals = [...data.servicePrincipals];
    this.grants = [...data.grants];
    this.accessPolicies = [...data.accessPolicies];
    this.managementScopes = [...(data.managementScopes ?? [])];
    this.appRoleAssignments = [...(data.appRoleAssignments ?? [])];
  }
}
