import { createCaFetch } from './fetch.ts';

/** What came back to the app's redirect URI at the end of a sign-in. */
export interface RedirectResult {
  /** The redirect (query/fragment), or the form_post target. */
  url: URL;
  /** Parameters sent back: query, fragment or form_post fields. */
  params: URLSearchParams;
  mode: 'query' | 'fragment' | 'form_post';
}

/** A sign-in that stopped on an Entra page showing an error (wrong password, AADSTS50011…). */
export class SignInPageError extends Error {
  readonly aadsts: number;
  readonly status: number;
  readonly html: string;
  constructor(aadsts: number, status: number, message: string, html: string) {
    super(message);
    this.aadsts = aadsts;
    this.status = status;
    this.html = html;
  }
}

export interface SignInOptions {
  username?: string;
  password?: string;
  /** Account to choose on the picker (UPN); default "Use another account". */
  pickAccount?: string;
  /** Answer on the consent page (default accept). */
  consent?: 'accept' | 'decline';
  /** Tick "Consent on behalf of your organization" (admins). */
  consentForOrganization?: boolean;
}

export interface HtmlForm {
  id: string | undefined;
  action: string;
  fields: Record<string, string>;
}

const unescapeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return m ? unescapeHtml(m[1]!) : undefined;
};

/** Parses the forms of an HTML page (hidden and text inputs with their values). */
export function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  const re = /<form\b([^>]*)>([\s\S]*?)<\/form>/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(html))) {
    const fields: Record<string, string> = {};
    for (const input of m[2]!.match(/<input\b[^>]*>/gi) ?? []) {
      const name = attr(input, 'name');
      const type = (attr(input, 'type') ?? 'text').toLowerCase();
      if (!name || type === 'checkbox' || type === 'submit') continue;
      fields[name] = attr(input, 'value') ?? '';
    }
    forms.push({ id: attr(m[1]!, 'id') ?? attr(m[1]!, 'name'), action: attr(m[1]!, 'action') ?? '', fields });
  }
  return forms;
}

/**
 * A cookie-keeping HTTP client that walks the emulator's sign-in pages like a browser would:
 * login form, account picker, consent page, then stops at the redirect to the app.
 */
export class EntraBrowser {
  private readonly cookies = new Map<string, string>();
  private readonly fetch: typeof fetch;

  constructor(caPem: string) {
    this.fetch = createCaFetch(caPem);
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keepCookies(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (/max-age=0/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** One request with the browser's cookies. */
  async request(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<{ status: number; location: string | null; html: string; url: string }> {
    const headers: Record<string, string> = { cookie: this.cookieHeader() };
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await this.fetch(url, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      ...(body ? { body } : {}),
    });
    this.keepCookies(res);
    return { status: res.status, location: res.headers.get('location'), html: await res.text(), url };
  }

  /**
   * Opens an authorize (or admin consent) URL and completes the pages until the emulator sends
   * the browser back to the app. Throws SignInPageError if a page shows an error instead.
   */
  async signIn(authorizeUrl: string, opts: SignInOptions = {}): Promise<RedirectResult> {
    const origin = new URL(authorizeUrl).origin;
    let page = await this.request(authorizeUrl);
    let loginTried = false;
    for (let step = 0; step < 12; step++) {
      if (page.status === 302 && page.location) {
        const next = new URL(page.location, page.url);
        if (next.origin === origin) {
          page = await this.request(next.toString());
          continue;
        }
        const fragment = next.hash.length > 1;
        return {
          url: next,
          params: fragment ? new URLSearchParams(next.hash.slice(1)) : next.searchParams,
          mode: fragment ? 'fragment' : 'query',
        };
      }
      const forms = parseForms(page.html);
      const errorMatch = /id="error"[^>]*data-aadsts="(\d+)"[^>]*>([^<]*)</.exec(page.html);
      const form = forms[0];
      if (form?.id === 'hiddenform') {
        return { url: new URL(form.action), params: new URLSearchParams(form.fields), mode: 'form_post' };
      }
      if (errorMatch && (!form || form.id !== 'signin' || loginTried)) {
        const detail = /id="error-details">([^<]*)</.exec(page.html)?.[1];
        throw new SignInPageError(
          Number(errorMatch[1]),
          page.status,
          unescapeHtml(detail ?? errorMatch[2]!),
          page.html,
        );
      }
      if (!form)
        throw new Error(`Unexpected page (HTTP ${page.status}) during sign-in:\n${page.html.slice(0, 500)}`);
      const action = new URL(form.action, origin).toString();
      if (form.id === 'signin') {
        if (opts.username === undefined && !form.fields.login)
          throw new Error('The sign-in page asks for a username');
        loginTried = true;
        page = await this.request(action, {
          form: {
            ...form.fields,
            login: opts.username ?? form.fields.login ?? '',
            passwd: opts.password ?? '',
          },
        });
      } else if (form.id === 'picker') {
        const wanted = opts.pickAccount?.toLowerCase();
        const m = wanted
          ? new RegExp(
              `value="([^"]+)" data-upn="${wanted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`,
              'i',
            ).exec(page.html)
          : null;
        page = await this.request(action, { form: { ...form.fields, account: m ? m[1]! : 'other' } });
      } else if (form.id === 'consent') {
        const f: Record<string, string> = {
          ...form.fields,
          accept: opts.consent === 'decline' ? 'false' : 'true',
        };
        if (opts.consentForOrganization) f.consent_org = 'true';
        page = await this.request(action, { form: f });
      } else {
        throw new Error(`Unknown form '${form.id}' during sign-in`);
      }
    }
    throw new Error('Sign-in did not finish after 12 pages');
  }
}
