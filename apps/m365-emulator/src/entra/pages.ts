import type { AadstsError } from './errors.ts';

/**
 * Minimal, accessible HTML pages of the sign-in experience (forms work without JavaScript), in English
 * or French: Microsoft's pages follow `ui_locales`, else the browser's `Accept-Language`, and so do
 * these. AADSTS messages stay in English, as Microsoft's do.
 */

export type PageLang = 'en' | 'fr';

/** `ui_locales` first (space-separated, in order), then `Accept-Language` (by q-value); English otherwise. */
export function pageLang(uiLocales: string | null | undefined, acceptLanguage: string | undefined): PageLang {
  const first = (tags: string[]) => {
    for (const tag of tags) {
      const base = tag.trim().toLowerCase().split(/[-_]/)[0];
      if (base === 'fr' || base === 'en') return base;
    }
    return undefined;
  };
  const fromUi = uiLocales ? first(uiLocales.split(/\s+/)) : undefined;
  if (fromUi) return fromUi;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.split(';');
      const q = params.map((x) => /^\s*q=([\d.]+)/.exec(x)?.[1]).find(Boolean);
      return { tag, q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.tag.trim() && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((x) => x.tag);
  return first(ranked) ?? 'en';
}

const WORDS = {
  en: {
    brand: 'Microsoft (emulator)',
    signInTitle: 'Sign in to your account',
    signIn: 'Sign in',
    login: 'Email, phone, or Skype',
    password: 'Password',
    pickTitle: 'Pick an account',
    otherAccount: 'Use another account',
    permissionsTitle: 'Permissions requested',
    reviewForOrg: 'Review for your organization',
    wouldLike: 'This app would like to:',
    consentOrg: 'Consent on behalf of your organization',
    accept: 'Accept',
    cancel: 'Cancel',
    errorTitle: 'Sign in error',
    errorHeading: 'Sorry, but we’re having trouble signing you in.',
    requestId: 'Request Id',
    correlationId: 'Correlation Id',
    timestamp: 'Timestamp',
    message: 'Message',
    back: 'Return to the application without granting consent',
    signedOutTitle: 'Signed out',
    signedOut: 'You signed out of your account',
    closeWindows: 'It’s a good idea to close all browser windows.',
  },
  fr: {
    brand: 'Microsoft (émulateur)',
    signInTitle: 'Connectez-vous à votre compte',
    signIn: 'Se connecter',
    login: 'E-mail, téléphone ou Skype',
    password: 'Mot de passe',
    pickTitle: 'Choisir un compte',
    otherAccount: 'Utiliser un autre compte',
    permissionsTitle: 'Autorisations demandées',
    reviewForOrg: 'Vérifier pour votre organisation',
    wouldLike: 'Cette application souhaite :',
    consentOrg: 'Donner son consentement au nom de votre organisation',
    accept: 'Accepter',
    cancel: 'Annuler',
    errorTitle: 'Erreur de connexion',
    errorHeading: 'Désolé, nous ne parvenons pas à vous connecter.',
    requestId: 'ID de la demande',
    correlationId: 'ID de corrélation',
    timestamp: 'Horodatage',
    message: 'Message',
    back: 'Revenir à l’application sans donner votre consentement',
    signedOutTitle: 'Déconnecté',
    signedOut: 'Vous vous êtes déconnecté de votre compte',
    closeWindows: 'Nous vous conseillons de fermer toutes les fenêtres du navigateur.',
  },
} satisfies Record<PageLang, Record<string, string>>;

export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function layout(title: string, body: string, lang: PageLang = 'en'): string {
  return `<!DOCTYPE html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0}
main{background:#fff;max-width:440px;margin:8vh auto;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.5rem;font-weight:600;margin:.5rem 0 1rem}
label{display:block;margin:.8rem 0 .2rem}
input[type=email],input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:6px 0;border:0;border-bottom:1px solid #666;font-size:1rem}
button{background:#0067b8;color:#fff;border:0;padding:8px 24px;font-size:1rem;margin:1rem .5rem 0 0;cursor:pointer}
button.secondary{background:#ccc;color:#000}
.error{color:#e81123}.brand{color:#737373;font-weight:600}.small{font-size:.8rem;color:#555}
ul.perms li{margin:.4rem 0}ul.accounts{list-style:none;padding:0}ul.accounts button{width:100%;text-align:left;background:#fff;color:#000;border:1px solid #ccc}
</style></head><body><main><div class="brand">${WORDS[lang].brand}</div>
${body}
</main></body></html>`;
}

const hidden = (name: string, value: string) =>
  `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`;

export function loginPage(p: {
  action: string;
  ctx: string;
  username?: string;
  error?: { code: number; text: string; detail: string };
  lang?: PageLang;
}): string {
  const lang = p.lang ?? 'en';
  const w = WORDS[lang];
  const err = p.error
    ? `<p id="error" class="error" role="alert" data-aadsts="${p.error.code}">${esc(p.error.text)}</p>
<p class="small" id="error-details">${esc(p.error.detail)}</p>`
    : '';
  return layout(
    w.signInTitle,
    `<h1>${w.signIn}</h1>${err}
<form method="post" action="${esc(p.action)}" id="signin">
${hidden('ctx', p.ctx)}
<label for="login">${w.login}</label>
<input type="email" id="login" name="login" autocomplete="username" required value="${esc(p.username ?? '')}">
<label for="passwd">${w.password}</label>
<input type="password" id="passwd" name="passwd" autocomplete="current-password">
<button type="submit">${w.signIn}</button>
</form>`,
    lang,
  );
}

export function pickerPage(p: {
  action: string;
  ctx: string;
  accounts: { id: string; upn: string; name: string }[];
  lang?: PageLang;
}): string {
  const lang = p.lang ?? 'en';
  const w = WORDS[lang];
  const items = p.accounts
    .map(
      (a) =>
        `<li><button type="submit" name="account" value="${esc(a.id)}" data-upn="${esc(a.upn)}">${esc(a.name)}<br><span class="small">${esc(a.upn)}</span></button></li>`,
    )
    .join('\n');
  return layout(
    w.pickTitle,
    `<h1>${w.pickTitle}</h1>
<form method="post" action="${esc(p.action)}" id="picker">
${hidden('ctx', p.ctx)}
<ul class="accounts">
${items}
<li><button type="submit" name="account" value="other">${w.otherAccount}</button></li>
</ul></form>`,
    lang,
  );
}

export function consentPage(p: {
  action: string;
  ctx: string;
  appName: string;
  publisher: string;
  user: string;
  permissions: { name: string; label: string }[];
  /** Admin signing in: offer "Consent on behalf of your organization". */
  offerOrgConsent: boolean;
  /** Admin consent endpoint: consent is always for the organisation. */
  adminConsent: boolean;
  lang?: PageLang;
}): string {
  const lang = p.lang ?? 'en';
  const w = WORDS[lang];
  const list = p.permissions
    .map(
      (x) =>
        `<li data-permission="${esc(x.name)}">${esc(x.label)} <span class="small">(${esc(x.name)})</span></li>`,
    )
    .join('\n');
  const org =
    p.offerOrgConsent && !p.adminConsent
      ? `<p><label><input type="checkbox" name="consent_org" value="true" id="consent_org"> ${w.consentOrg}</label></p>`
      : '';
  return layout(
    w.permissionsTitle,
    `<h1>${w.permissionsTitle}${p.adminConsent ? `<br><span class="small">${w.reviewForOrg}</span>` : ''}</h1>
<p class="small">${esc(p.user)}</p>
<p><strong id="app-name">${esc(p.appName)}</strong><br><span class="small">${esc(p.publisher)}</span></p>
<p>${w.wouldLike}</p>
<ul class="perms" id="permissions">
${list}
</ul>
<form method="post" action="${esc(p.action)}" id="consent">
${hidden('ctx', p.ctx)}
${org}
<button type="submit" name="accept" value="true">${w.accept}</button>
<button type="submit" name="accept" value="false" class="secondary">${w.cancel}</button>
</form>`,
    lang,
  );
}

/** Entra's "Sorry, but we're having trouble signing you in" page with troubleshooting details. */
export function errorPage(
  e: AadstsError,
  p: { requestId: string; correlationId: string; timestamp: string; backLink?: string },
  lang: PageLang = 'en',
): string {
  const w = WORDS[lang];
  return layout(
    w.errorTitle,
    `<h1>${w.errorHeading}</h1>
<p id="error" class="error" role="alert" data-aadsts="${e.code}" data-error="${esc(e.error)}">${esc(e.aadstsMessage)}</p>
<dl class="small" id="troubleshooting">
<dt>${w.requestId}</dt><dd>${esc(p.requestId)}</dd>
<dt>${w.correlationId}</dt><dd>${esc(p.correlationId)}</dd>
<dt>${w.timestamp}</dt><dd>${esc(p.timestamp)}</dd>
<dt>${w.message}</dt><dd>${esc(e.aadstsMessage)}</dd>
</dl>${p.backLink ? `<p><a id="back" href="${esc(p.backLink)}">${w.back}</a></p>` : ''}`,
    lang,
  );
}

/** response_mode=form_post: auto-submitting form to the redirect URI. */
export function formPostPage(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => hidden(k, v))
    .join('\n');
  return `<!DOCTYPE html><html><head><title>Working...</title></head><body>
<form method="POST" name="hiddenform" action="${esc(action)}">
${inputs}
<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit"></noscript>
</form><script>document.forms[0].submit()</script></body></html>`;
}

export function signedOutPage(lang: PageLang = 'en'): string {
  const w = WORDS[lang];
  return layout(w.signedOutTitle, `<h1>${w.signedOut}</h1><p>${w.closeWindows}</p>`, lang);
}
