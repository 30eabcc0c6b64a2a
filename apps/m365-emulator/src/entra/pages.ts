import type { AadstsError } from './errors.ts';

/** Minimal, accessible HTML pages of the sign-in experience (forms work without JavaScript). */

export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
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
</style></head><body><main><div class="brand">Microsoft (emulator)</div>
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
}): string {
  const err = p.error
    ? `<p id="error" class="error" role="alert" data-aadsts="${p.error.code}">${esc(p.error.text)}</p>
<p class="small" id="error-details">${esc(p.error.detail)}</p>`
    : '';
  return layout(
    'Sign in to your account',
    `<h1>Sign in</h1>${err}
<form method="post" action="${esc(p.action)}" id="signin">
${hidden('ctx', p.ctx)}
<label for="login">Email, phone, or Skype</label>
<input type="email" id="login" name="login" autocomplete="username" required value="${esc(p.username ?? '')}">
<label for="passwd">Password</label>
<input type="password" id="passwd" name="passwd" autocomplete="current-password">
<button type="submit">Sign in</button>
</form>`,
  );
}

export function pickerPage(p: {
  action: string;
  ctx: string;
  accounts: { id: string; upn: string; name: string }[];
}): string {
  const items = p.accounts
    .map(
      (a) =>
        `<li><button type="submit" name="account" value="${esc(a.id)}" data-upn="${esc(a.upn)}">${esc(a.name)}<br><span class="small">${esc(a.upn)}</span></button></li>`,
    )
    .join('\n');
  return layout(
    'Pick an account',
    `<h1>Pick an account</h1>
<form method="post" action="${esc(p.action)}" id="picker">
${hidden('ctx', p.ctx)}
<ul class="accounts">
${items}
<li><button type="submit" name="account" value="other">Use another account</button></li>
</ul></form>`,
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
}): string {
  const list = p.permissions
    .map(
      (x) =>
        `<li data-permission="${esc(x.name)}">${esc(x.label)} <span class="small">(${esc(x.name)})</span></li>`,
    )
    .join('\n');
  const org =
    p.offerOrgConsent && !p.adminConsent
      ? `<p><label><input type="checkbox" name="consent_org" value="true" id="consent_org"> Consent on behalf of your organization</label></p>`
      : '';
  return layout(
    'Permissions requested',
    `<h1>Permissions requested${p.adminConsent ? '<br><span class="small">Review for your organization</span>' : ''}</h1>
<p class="small">${esc(p.user)}</p>
<p><strong id="app-name">${esc(p.appName)}</strong><br><span class="small">${esc(p.publisher)}</span></p>
<p>This app would like to:</p>
<ul class="perms" id="permissions">
${list}
</ul>
<form method="post" action="${esc(p.action)}" id="consent">
${hidden('ctx', p.ctx)}
${org}
<button type="submit" name="accept" value="true">Accept</button>
<button type="submit" name="accept" value="false" class="secondary">Cancel</button>
</form>`,
  );
}

/** Entra's "Sorry, but we're having trouble signing you in" page with troubleshooting details. */
export function errorPage(
  e: AadstsError,
  p: { requestId: string; correlationId: string; timestamp: string; backLink?: string },
): string {
  return layout(
    'Sign in error',
    `<h1>Sorry, but we’re having trouble signing you in.</h1>
<p id="error" class="error" role="alert" data-aadsts="${e.code}" data-error="${esc(e.error)}">${esc(e.aadstsMessage)}</p>
<dl class="small" id="troubleshooting">
<dt>Request Id</dt><dd>${esc(p.requestId)}</dd>
<dt>Correlation Id</dt><dd>${esc(p.correlationId)}</dd>
<dt>Timestamp</dt><dd>${esc(p.timestamp)}</dd>
<dt>Message</dt><dd>${esc(e.aadstsMessage)}</dd>
</dl>${p.backLink ? `<p><a id="back" href="${esc(p.backLink)}">Return to the application without granting consent</a></p>` : ''}`,
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

export function signedOutPage(): string {
  return layout(
    'Signed out',
    '<h1>You signed out of your account</h1><p>It’s a good idea to close all browser windows.</p>',
  );
}
