import type { Router } from '../http/router.ts';
import type { Ctx } from '../http/context.ts';
import type { EmulatorState, SessionRecord } from '../state.ts';
import type { AppRegistration, User } from '../tenant/model.ts';
import { aadTimestamp } from '../util/clock.ts';
import { newGuid, opaqueToken } from '../util/ids.ts';
import { Aadsts, AadstsError } from './errors.ts';
import {
  consentPage,
  errorPage,
  formPostPage,
  loginPage,
  pageLang,
  pickerPage,
  signedOutPage,
  type PageLang,
} from './pages.ts';
import {
  APPLICATION_PERMISSIONS,
  DELEGATED_PERMISSIONS,
  OIDC_LABELS,
  canonicalApplication,
  parseScopes,
  type ParsedScopes,
} from './permissions.ts';
import { resolveTenantSegment, tenantLabel, type TenantSegment } from './tenancy.ts';
import { missingConsent, needsAdmin, requiredDelegated } from './consent.ts';
import { checkCredentials, loginErrorText } from './signin.ts';

const SESSION_COOKIE = 'ESTSAUTH';
const TXN_TTL_MS = 60 * 60 * 1000;

type Prompt = 'login' | 'none' | 'consent' | 'select_account' | undefined;

/** A sign-in in progress (between the authorize request and the redirect back). */
interface AuthTxn {
  id: string;
  kind: 'authorize' | 'adminconsent';
  seg: TenantSegment;
  app: AppRegistration;
  redirectUri: string;
  scope: string;
  parsed: ParsedScopes;
  state: string | undefined;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | 'plain';
  responseMode: 'query' | 'fragment' | 'form_post';
  prompt: Prompt;
  loginHint: string | undefined;
  wantClientInfo: boolean;
  createdMs: number;
  userId?: string;
  /** The pages' language, from the authorize request's `ui_locales` or `Accept-Language`. */
  lang: PageLang;
}

/** Authorize, sign-in, account picker, consent, admin consent and logout. */
export function registerAuthorize(router: Router, st: EmulatorState): void {
  const txns = new Map<string, AuthTxn>();
  // The language of a request's pages: its sign-in's once known (the form posts carry no ui_locales).
  const langs = new WeakMap<Ctx, PageLang>();
  const langOf = (ctx: Ctx): PageLang =>
    langs.get(ctx) ?? pageLang(ctx.query.get('ui_locales'), ctx.header('accept-language'));
  const txnOf = (ctx: Ctx, id: string): AuthTxn | undefined => {
    const t = txns.get(id);
    if (t) langs.set(ctx, t.lang);
    return t;
  };

  const putTxn = (t: AuthTxn) => {
    const now = st.clock.now();
    for (const [k, v] of txns) if (now - v.createdMs > TXN_TTL_MS) txns.delete(k);
    txns.set(t.id, t);
  };

  const showError = (ctx: Ctx, e: AadstsError, backLink?: string) => {
    const p: { requestId: string; correlationId: string; timestamp: string; backLink?: string } = {
      requestId: ctx.requestId,
      correlationId: ctx.correlationId,
      timestamp: aadTimestamp(st.clock.now()),
    };
    if (backLink) p.backLink = backLink;
    ctx.sendHtml(e.status === 401 ? 401 : 400, errorPage(e, p, langOf(ctx)));
  };

  // ---- sessions (ESTSAUTH cookie) ----
  const getSession = (ctx: Ctx): SessionRecord | undefined => {
    const id = ctx.cookies()[SESSION_COOKIE];
    return id ? st.sessions.get(id) : undefined;
  };
  const validAccounts = (s: SessionRecord | undefined): User[] => {
    if (!s) return [];
    const now = st.clock.now();
    const out: User[] = [];
    for (const [uid, at] of s.accounts) {
      const u = st.dir.users.get(uid);
      if (
        u &&
        u.state === 'enabled' &&
        at > u.tokensValidFromMs && // a sign-in in the millisecond of a revocation is revoked too
        now - at < st.lifetimes.sessionSeconds * 1000
      )
        out.push(u);
    }
    return out;
  };
  const signInToSession = (ctx: Ctx, user: User): SessionRecord => {
    let s = getSession(ctx);
    if (!s) {
      s = { id: newGuid(), accounts: new Map(), createdMs: st.clock.now() };
      st.sessions.set(s.id, s);
      ctx.setCookie(SESSION_COOKIE, s.id);
    }
    s.accounts.set(user.id, st.clock.now());
    return s;
  };

  // ---- redirects back to the client ----
  const respond = (ctx: Ctx, t: AuthTxn, fields: Record<string, string>) => {
    txns.delete(t.id);
    if (t.state !== undefined) fields.state = t.state;
    if (t.responseMode === 'form_post') {
      ctx.sendHtml(200, formPostPage(t.redirectUri, fields));
      return;
    }
    const url = new URL(t.redirectUri);
    if (t.responseMode === 'fragment') {
      url.hash = new URLSearchParams(fields).toString();
    } else {
      for (const [k, v] of Object.entries(fields)) url.searchParams.set(k, v);
    }
    ctx.redirect(url.toString());
  };
  const respondError = (ctx: Ctx, t: AuthTxn, e: AadstsError, extra: Record<string, string> = {}) => {
    const ts = aadTimestamp(st.clock.now());
    respond(ctx, t, {
      ...extra,
      error: e.error,
      error_description: `${e.aadstsMessage}\r\nTrace ID: ${ctx.requestId}\r\nCorrelation ID: ${ctx.correlationId}\r\nTimestamp: ${ts}`,
      error_uri: `https://login.microsoftonline.com/error?code=${e.code}`,
    });
  };

  const issueCode = (ctx: Ctx, t: AuthTxn, user: User, session: SessionRecord) => {
    const code = `1.${opaqueToken(64)}`;
    st.codes.set(code, {
      clientId: t.app.appId,
      redirectUri: t.redirectUri,
      tenantId: user.tenantId,
      userId: user.id,
      scope: t.scope,
      nonce: t.nonce,
      codeChallenge: t.codeChallenge,
      codeChallengeMethod: t.codeChallengeMethod,
      sid: session.id,
      authTimeSeconds: Math.floor((session.accounts.get(user.id) ?? st.clock.now()) / 1000),
      issuedMs: st.clock.now(),
      redeemed: false,
    });
    const fields: Record<string, string> = { code };
    if (t.wantClientInfo)
      fields.client_info = Buffer.from(JSON.stringify({ uid: user.id, utid: user.tenantId })).toString(
        'base64url',
      );
    fields.session_state = session.id;
    respond(ctx, t, fields);
  };

  const actionUrl = (t: AuthTxn, step: string) => `/${t.seg.segment}/${step}`;

  const showLogin = (ctx: Ctx, t: AuthTxn, username?: string, error?: AadstsError) => {
    const p: Parameters<typeof loginPage>[0] = {
      action: actionUrl(t, 'login'),
      ctx: t.id,
      username: username ?? t.loginHint ?? '',
      lang: t.lang,
    };
    if (error) p.error = { code: error.code, text: loginErrorText(error), detail: error.aadstsMessage };
    ctx.sendHtml(200, loginPage(p));
  };

  /** After the user is known: tenant checks, consent, then the code. */
  const proceed = (ctx: Ctx, t: AuthTxn, user: User, session: SessionRecord) => {
    t.userId = user.id;
    ctx.tags.userId = user.id;
    ctx.tags.tenantId = user.tenantId;
    const app = t.app;
    if (app.signInAudience === 'AzureADMyOrg' && user.tenantId !== app.homeTenantId) {
      const tenant = st.dir.tenants.get(user.tenantId)!;
      return showError(ctx, Aadsts.appNotFound(app.appId, tenant.displayName));
    }
    if (t.kind === 'adminconsent') {
      if (!user.isAdmin) return showError(ctx, Aadsts.needAdminApproval(app.displayName), returnLink(t));
      return showConsent(ctx, t, user, true);
    }
    const required = requiredDelegated(app, t.parsed);
    const missing = missingConsent(st.dir, app, user, required);
    const needConsent = t.prompt === 'consent' || missing.noServicePrincipal || missing.scopes.length > 0;
    if (!needConsent) return issueCode(ctx, t, user, session);
    if (t.prompt === 'none') return respondError(ctx, t, Aadsts.consentRequired(app.appId, app.displayName));
    if (needsAdmin(missing.scopes) && !user.isAdmin)
      return showError(ctx, Aadsts.needAdminApproval(app.displayName), returnLink(t));
    return showConsent(ctx, t, user, false);
  };

  const returnLink = (t: AuthTxn) => {
    const url = new URL(t.redirectUri);
    url.searchParams.set('error', 'access_denied');
    url.searchParams.set('error_subcode', 'cancel');
    url.searchParams.set('error_description', 'AADSTS65004: User declined to consent to access the app.');
    if (t.state !== undefined) url.searchParams.set('state', t.state);
    return url.toString();
  };

  const showConsent = (ctx: Ctx, t: AuthTxn, user: User, admin: boolean) => {
    const app = t.app;
    const perms: { name: string; label: string }[] = [];
    if (admin) {
      for (const r of app.applicationPermissions)
        perms.push({
          name: r,
          label: `${APPLICATION_PERMISSIONS[canonicalApplication(r) ?? r] ?? r} (application)`,
        });
      for (const d of app.delegatedPermissions)
        perms.push({ name: d, label: DELEGATED_PERMISSIONS[d]?.label ?? d });
    } else {
      for (const o of ['openid', 'profile', 'email', 'offline_access'])
        if (t.parsed.oidc.has(o)) perms.push({ name: o, label: OIDC_LABELS[o]! });
      for (const d of requiredDelegated(app, t.parsed))
        perms.push({ name: d, label: DELEGATED_PERMISSIONS[d]?.label ?? d });
    }
    const home = st.dir.tenants.get(app.homeTenantId);
    ctx.sendHtml(
      200,
      consentPage({
        action: actionUrl(t, 'consent'),
        ctx: t.id,
        appName: app.displayName,
        publisher: home ? `Published by ${home.displayName}` : 'unverified',
        user: user.userPrincipalName,
        permissions: perms,
        offerOrgConsent: user.isAdmin,
        adminConsent: admin,
        lang: t.lang,
      }),
    );
  };

  /** Which page after the authorize request, given the session and `prompt`. */
  const start = (ctx: Ctx, t: AuthTxn) => {
    const accounts = validAccounts(getSession(ctx)).filter(
      (u) => t.seg.kind !== 'tenant' || u.tenantId === t.seg.tenant.id,
    );
    if (t.prompt === 'login') return showLogin(ctx, t);
    if (t.prompt === 'select_account')
      return accounts.length ? showPicker(ctx, t, accounts) : showLogin(ctx, t);
    const hinted = t.loginHint
      ? accounts.find((u) => u.userPrincipalName.toLowerCase() === t.loginHint!.toLowerCase())
      : undefined;
    const chosen = hinted ?? (!t.loginHint && accounts.length === 1 ? accounts[0] : undefined);
    if (chosen) return proceed(ctx, t, chosen, getSession(ctx)!);
    if (t.prompt === 'none') {
      if (accounts.length > 1)
        return respondError(
          ctx,
          t,
          new AadstsError(
            400,
            'interaction_required',
            16000,
            'Either multiple user identities are available for the current request or selected account is not supported for the scenario.',
          ),
        );
      return respondError(ctx, t, Aadsts.noSession());
    }
    if (accounts.length > 1 && !t.loginHint) return showPicker(ctx, t, accounts);
    return showLogin(ctx, t);
  };

  const showPicker = (ctx: Ctx, t: AuthTxn, accounts: User[]) =>
    ctx.sendHtml(
      200,
      pickerPage({
        action: actionUrl(t, 'login/select'),
        ctx: t.id,
        accounts: accounts.map((u) => ({ id: u.id, upn: u.userPrincipalName, name: u.displayName })),
        lang: t.lang,
      }),
    );

  /** Validates what must be valid before anything is sent to the redirect URI. */
  const validateClient = (
    ctx: Ctx,
    seg: TenantSegment,
    clientId: string | null,
    redirect: string | null,
  ): { app: AppRegistration; redirectUri: string } => {
    if (!clientId) throw Aadsts.missingParam('client_id');
    const app = st.dir.findApp(clientId);
    if (!app) throw Aadsts.appNotFound(clientId, tenantLabel(seg));
    ctx.tags.clientId = app.appId;
    if (
      seg.kind === 'tenant' &&
      !st.dir.appIsInTenant(app, seg.tenant.id) &&
      app.signInAudience === 'AzureADMyOrg'
    ) {
      throw Aadsts.appNotFound(clientId, seg.tenant.displayName);
    }
    if (seg.kind !== 'tenant' && app.signInAudience === 'AzureADMyOrg')
      throw Aadsts.notMultiTenant(app.appId, app.displayName);
    const redirectUri = redirect ?? app.redirectUris[0];
    if (!redirectUri || !app.redirectUris.includes(redirectUri))
      throw Aadsts.redirectNotRegistered(redirect ?? '', app.appId);
    return { app, redirectUri };
  };

  // ---- GET /{tenant}/oauth2/v2.0/authorize ----
  router.on(['GET', 'POST'], '/:tenant/oauth2/v2.0/authorize', async (ctx) => {
    ctx.tags.area = 'entra';
    const q = ctx.method === 'POST' ? await ctx.form() : ctx.query;
    let seg: TenantSegment;
    let client: { app: AppRegistration; redirectUri: string };
    try {
      seg = resolveTenantSegment(st.dir, ctx.params.tenant!);
      client = validateClient(ctx, seg, q.get('client_id'), q.get('redirect_uri'));
    } catch (e) {
      if (e instanceof AadstsError) return showError(ctx, e);
      throw e;
    }
    const responseMode = (q.get('response_mode') ?? 'query') as AuthTxn['responseMode'];
    const t: AuthTxn = {
      id: opaqueToken(24),
      kind: 'authorize',
      seg,
      app: client.app,
      redirectUri: client.redirectUri,
      scope: q.get('scope') ?? '',
      parsed: { oidc: new Set(), graph: [], default: false, longForm: false },
      state: q.get('state') ?? undefined,
      nonce: q.get('nonce') ?? undefined,
      codeChallenge: q.get('code_challenge') ?? undefined,
      codeChallengeMethod: q.get('code_challenge_method') === 'S256' ? 'S256' : 'plain',
      responseMode: ['query', 'fragment', 'form_post'].includes(responseMode) ? responseMode : 'query',
      prompt: (q.get('prompt') ?? undefined) as Prompt,
      loginHint: q.get('login_hint') ?? undefined,
      wantClientInfo: q.get('client_info') === '1',
      createdMs: st.clock.now(),
      lang: langOf(ctx),
    };
    if (seg.kind === 'tenant') ctx.tags.tenantId = seg.tenant.id;
    const responseType = q.get('response_type') ?? '';
    if (responseType !== 'code') {
      return respondError(
        ctx,
        t,
        responseType ? Aadsts.unsupportedResponseType(responseType) : Aadsts.missingParam('response_type'),
      );
    }
    const method = q.get('code_challenge_method');
    if (method && method !== 'S256' && method !== 'plain') {
      return respondError(
        ctx,
        t,
        new AadstsError(
          400,
          'invalid_request',
          501491,
          `Invalid code_challenge_method parameter '${method}'.`,
        ),
      );
    }
    if (!t.scope.trim()) return respondError(ctx, t, Aadsts.missingParam('scope'));
    try {
      t.parsed = parseScopes(t.scope, tenantLabel(seg));
    } catch (e) {
      if (e instanceof AadstsError) return respondError(ctx, t, e);
      throw e;
    }
    if (t.prompt && !['login', 'none', 'consent', 'select_account'].includes(t.prompt)) {
      return respondError(
        ctx,
        t,
        new AadstsError(400, 'invalid_request', 90023, `Invalid prompt parameter '${t.prompt}'.`),
      );
    }
    putTxn(t);
    start(ctx, t);
  });

  // ---- POST /{tenant}/login: the credentials form ----
  router.on('POST', '/:tenant/login', async (ctx) => {
    ctx.tags.area = 'entra';
    const f = await ctx.form();
    const t = txnOf(ctx, f.get('ctx') ?? '');
    if (!t)
      return showError(
        ctx,
        new AadstsError(
          400,
          'invalid_request',
          90014,
          "The sign-in session has expired or is unknown ('ctx'). Start the sign-in again.",
        ),
      );
    const username = f.get('login') ?? '';
    try {
      const user = checkCredentials(st.dir, t.seg, username, f.get('passwd') ?? '', t.app);
      const session = signInToSession(ctx, user);
      proceed(ctx, t, user, session);
    } catch (e) {
      if (!(e instanceof AadstsError)) throw e;
      if (e.code === 50020) return showError(ctx, e);
      showLogin(ctx, t, username, e);
    }
  });

  // ---- POST /{tenant}/login/select: the account picker ----
  router.on('POST', '/:tenant/login/select', async (ctx) => {
    ctx.tags.area = 'entra';
    const f = await ctx.form();
    const t = txnOf(ctx, f.get('ctx') ?? '');
    if (!t)
      return showError(
        ctx,
        new AadstsError(
          400,
          'invalid_request',
          90014,
          "The sign-in session has expired or is unknown ('ctx'). Start the sign-in again.",
        ),
      );
    const account = f.get('account');
    const session = getSession(ctx);
    const user = validAccounts(session).find((u) => u.id === account);
    if (!user || !session) return showLogin(ctx, t);
    proceed(ctx, t, user, session);
  });

  // ---- POST /{tenant}/consent ----
  router.on('POST', '/:tenant/consent', async (ctx) => {
    ctx.tags.area = 'entra';
    const f = await ctx.form();
    const t = txnOf(ctx, f.get('ctx') ?? '');
    const session = getSession(ctx);
    const user = t?.userId ? validAccounts(session).find((u) => u.id === t.userId) : undefined;
    if (!t || !user || !session)
      return showError(
        ctx,
        new AadstsError(
          400,
          'invalid_request',
          90014,
          "The sign-in session has expired or is unknown ('ctx'). Start the sign-in again.",
        ),
      );
    const app = t.app;
    if (f.get('accept') !== 'true') {
      if (t.kind === 'adminconsent')
        return respondError(
          ctx,
          t,
          new AadstsError(400, 'consent_required', 65004, 'User declined to consent to access the app.'),
          { admin_consent: 'True' },
        );
      return respondError(ctx, t, Aadsts.declined());
    }
    const sp = st.dir.ensureServicePrincipal(user.tenantId, app, st.clock.now());
    if (t.kind === 'adminconsent') {
      for (const r of app.applicationPermissions) {
        const c = canonicalApplication(r) ?? r;
        if (!sp.appRoles.includes(c)) sp.appRoles.push(c);
      }
      st.dir.grantDelegated(user.tenantId, app.appId, null, app.delegatedPermissions);
      return respond(ctx, t, { admin_consent: 'True', tenant: user.tenantId, scope: t.scope });
    }
    const scopes = requiredDelegated(app, t.parsed);
    const forOrg = user.isAdmin && f.get('consent_org') === 'true';
    st.dir.grantDelegated(user.tenantId, app.appId, forOrg ? null : user.id, scopes);
    issueCode(ctx, t, user, session);
  });

  // ---- admin consent: GET /{tenant}/v2.0/adminconsent and legacy /{tenant}/adminconsent ----
  const adminConsent = (ctx: Ctx) => {
    ctx.tags.area = 'entra';
    const q = ctx.query;
    let seg: TenantSegment;
    let client: { app: AppRegistration; redirectUri: string };
    try {
      seg = resolveTenantSegment(st.dir, ctx.params.tenant!);
      if (seg.kind === 'common' || seg.kind === 'consumers') {
        throw new AadstsError(
          400,
          'invalid_request',
          90130,
          'Admin consent is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.',
        );
      }
      client = validateClient(
        ctx,
        seg.kind === 'organizations' ? { kind: 'organizations', segment: 'organizations' } : seg,
        q.get('client_id'),
        q.get('redirect_uri'),
      );
    } catch (e) {
      if (e instanceof AadstsError) return showError(ctx, e);
      throw e;
    }
    const scope = q.get('scope') ?? `https://graph.microsoft.com/.default`;
    const t: AuthTxn = {
      id: opaqueToken(24),
      kind: 'adminconsent',
      seg,
      app: client.app,
      redirectUri: client.redirectUri,
      scope,
      parsed: { oidc: new Set(), graph: [], default: true, longForm: true },
      state: q.get('state') ?? undefined,
      nonce: undefined,
      codeChallenge: undefined,
      codeChallengeMethod: 'plain',
      responseMode: 'query',
      prompt: undefined,
      loginHint: q.get('login_hint') ?? undefined,
      wantClientInfo: false,
      createdMs: st.clock.now(),
      lang: langOf(ctx),
    };
    putTxn(t);
    start(ctx, t);
  };
  router.on('GET', '/:tenant/v2.0/adminconsent', adminConsent);
  router.on('GET', '/:tenant/adminconsent', adminConsent);

  // ---- logout ----
  router.on('GET', '/:tenant/oauth2/v2.0/logout', (ctx) => {
    ctx.tags.area = 'entra';
    const s = getSession(ctx);
    if (s) st.sessions.delete(s.id);
    ctx.setCookie(SESSION_COOKIE, '', { maxAgeSeconds: 0 });
    const back = ctx.query.get('post_logout_redirect_uri');
    if (back) return ctx.redirect(back);
    ctx.sendHtml(200, signedOutPage(langOf(ctx)));
  });
}
