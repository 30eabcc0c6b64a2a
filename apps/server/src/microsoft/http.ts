import type { Readable } from 'node:stream';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { Agent, request, type Dispatcher } from 'undici';
import { graphKind, graphRequestSeconds, graphRequests } from '../metrics/registry.ts';

/** What a request to Microsoft carries (every caller sends JSON or a form as a string). */
export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** Microsoft's answer, as the callers read it: the parts of a `fetch` Response they use. */
export interface HttpAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: {
    get(name: string): string | null;
    forEach(fn: (value: string, name: string) => void): void;
  };
  text(): Promise<string>;
  json(): Promise<unknown>;
  /** The body as a stream (a MIME download); read it, or destroy it, or the request stays open. */
  readonly body: Readable;
}

/**
 * The one HTTP client for Entra ID and Graph. It trusts the public roots plus, in sandbox mode, the
 * emulator's local CA — without NODE_EXTRA_CA_CERTS, which would have to be set before start.
 *
 * undici's `request`, not its `fetch` (decision 0025): the WHATWG layer (Request, Headers, Response, web
 * streams) cost 0.13–0.27 ms of CPU per request against 0.06–0.08 ms (`node bench/http-client.ts`: an
 * empty delta page over TLS, 10,000 requests a series), and reconciliation sends about 33 requests a
 * second for 10,000 idle folders. What `fetch` did besides, and nothing here needs: it followed
 * redirects (Graph and Entra answer these calls without one) and asked for compressed answers (bytes
 * saved on the wire, CPU spent inflating).
 */
export interface MicrosoftHttp {
  fetch(url: string, init?: HttpInit): Promise<HttpAnswer>;
  /** The same client in the shape MSAL wants (`system.networkClient`). */
  readonly msalNetwork: INetworkModule;
  close(): Promise<void>;
}

export function createMicrosoftHttp(opts: { extraCaPem?: string | undefined } = {}): MicrosoftHttp {
  // One TLS context for every connection: given as a `ca` list instead, Node built a context from the
  // ~140 public roots again for each new connection (3 % of the CPU of a node idling with 10,000
  // folders: the server closes idle connections, and reconciliation's waves open them again). Without
  // an extra CA, Node's own default context is shared already.
  const secureContext = opts.extraCaPem
    ? createSecureContext({ ca: [...rootCertificates, opts.extraCaPem] })
    : undefined;
  const agent = new Agent({
    connect: secureContext ? { secureContext } : {},
    headersTimeout: 30_000,
    bodyTimeout: 120_000,
    connections: 64,
  });
  // Every request to Microsoft is counted and timed by kind and status (metrics/registry.ts).
  const doFetch = async (url: string, init: HttpInit = {}): Promise<HttpAnswer> => {
    const kind = graphKind(url);
    const started = performance.now();
    try {
      const res = await request(url, {
        method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: init.headers,
        body: init.body,
        signal: init.signal,
        dispatcher: agent,
      });
      graphRequests.inc({ kind, status: String(res.statusCode) });
      return answerOf(res);
    } catch (err) {
      graphRequests.inc({ kind, status: 'network' });
      throw err;
    } finally {
      graphRequestSeconds.observe({ kind }, (performance.now() - started) / 1000);
    }
  };

  async function msalSend<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
    timeoutMs?: number,
  ): Promise<NetworkResponse<T>> {
    const res = await doFetch(url, {
      method,
      headers: options?.headers ?? {},
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
      ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    const text = await res.text();
    let body: T;
    try {
      body = JSON.parse(text) as T;
    } catch {
      // MSAL reads error fields from the body; give it a shape that says what happened.
      body = {
        error: 'invalid_response',
        error_description: `HTTP ${res.status}: ${text.slice(0, 200)}`,
      } as T;
    }
    return { headers, body, status: res.status };
  }

  return {
    fetch: doFetch,
    msalNetwork: {
      sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) =>
        msalSend<T>('GET', url, options, timeout),
      sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) =>
        msalSend<T>('POST', url, options),
    },
    close: () => agent.close(),
  };
}

/** undici's answer in the shape the callers read (see `HttpAnswer`). */
function answerOf(res: Dispatcher.ResponseData): HttpAnswer {
  const { headers, body } = res;
  const value = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(', ') : v);
  return {
    status: res.statusCode,
    ok: res.statusCode >= 200 && res.statusCode < 300,
    headers: {
      get: (name) => value(headers[name.toLowerCase()]) ?? null,
      forEach: (fn) => {
        for (const [name, v] of Object.entries(headers)) {
          const joined = value(v);
          if (joined !== undefined) fn(joined, name);
        }
      },
    },
    text: () => body.text(),
    json: () => body.json(),
    body,
  };
}
