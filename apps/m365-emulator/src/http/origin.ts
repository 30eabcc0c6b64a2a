import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';

/**
 * The origin a client called. Graph's `@odata.nextLink`/`deltaLink`/`context` and Entra's discovery
 * documents point at the host you called, so a client that reaches the emulator as
 * `graph.microsoft.com` through a proxy must get links back to `graph.microsoft.com` (issue 22 §1.7).
 */
const current = new AsyncLocalStorage<string>();

const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

const first = (v: string | string[] | undefined): string | undefined =>
  (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim() || undefined;

/** From `X-Forwarded-Host`/`-Proto` (a proxy), else `Host`; the emulator's own origin when neither is a plain host. */
export function originOf(req: IncomingMessage, own: string): string {
  const host = first(req.headers['x-forwarded-host']) ?? first(req.headers.host);
  if (!host || !HOST.test(host)) return own;
  const proto = first(req.headers['x-forwarded-proto'])?.toLowerCase();
  return `${proto === 'http' ? 'http' : 'https'}://${host}`;
}

/** Runs a request's handler with its caller's origin known to `callerOrigin`. */
export function withOrigin<T>(origin: string, fn: () => T): T {
  return current.run(origin, fn);
}

/** The origin the current request called; outside a request (notifications, control client) the emulator's own. */
export function callerOrigin(st: { baseUrl: string }): string {
  return current.getStore() ?? st.baseUrl;
}
