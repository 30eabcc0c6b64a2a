import { createSecureContext, rootCertificates } from 'node:tls';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { graphKind, graphRequestSeconds, graphRequests } from '../metrics/registry.ts';
import { Agent, fetch as undiciFetch, type RequestInit, type Response } from 'undici';

/**
 * The one HTTP client for Entra ID and Graph. It trusts the public roots plus, in sandbox mode, the
 * emulator's local CA — without NODE_EXTRA_CA_CERTS, which would have to be set before start.
 */
export interface MicrosoftHttp {
  fetch(url: string, init?: RequestInit): Promise<Response>;
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
  const doFetch = async (url: string, init: RequestInit = {}) => {
    const kind = graphKind(url);
    const started = performance.now();
    try {
      const res = await undiciFetch(url, { ...init, dispatcher: agent });
      graphRequests.inc({ kind, status: String(res.status) });
      return res;
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
