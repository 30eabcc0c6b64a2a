// A browser-like client of Mailroom's HTTP API over real HTTP (session cookie + CSRF token), shared by
// the benchmarks, `npm run chaos` and the crash test (apps/server/test/chaos/harness.ts).
import { api, CSRF_HEADER, type SessionInfo } from '@mailroom/contracts';

export class ApiClient {
  private readonly cookies = new Map<string, string>();
  csrf = '';
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  async call<T>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(this.base + url, {
      method,
      headers: {
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(method !== 'GET' ? { [CSRF_HEADER]: this.csrf, 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : method !== 'GET' ? { body: '{}' } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    const text = await res.text();
    return {
      status: res.status,
      body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T,
    };
  }

  /** Like `call`, but a status ≥ 400 throws (with the body). */
  async ok<T>(method: string, url: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, url, body);
    if (r.status >= 400)
      throw new Error(`${method} ${url} → ${r.status}: ${JSON.stringify(r.body).slice(0, 500)}`);
    return r.body;
  }

  /** Reads the session and keeps its CSRF token, as the web app does first. */
  async session(): Promise<SessionInfo> {
    const s = await this.ok<SessionInfo>('GET', api.session);
    this.csrf = s.csrfToken;
    return s;
  }
}
