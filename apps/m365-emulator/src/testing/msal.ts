import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { caAgent, rawRequest } from '../util/https-client.ts';

/**
 * An MSAL `system.networkClient` that trusts the emulator's CA, for in-process tests (MSAL itself
 * uses Node's fetch, which only trusts NODE_EXTRA_CA_CERTS set before the process starts).
 * It behaves like msal-node's own HttpClient: JSON body, lower-case headers, status.
 */
export function createMsalNetworkClient(caPem: string): INetworkModule {
  const agent = caAgent(caPem);
  const send = async <T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> => {
    const res = await rawRequest(url, agent, {
      method,
      headers: { ...options?.headers },
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    return { headers, body: JSON.parse(res.body.toString('utf8')) as T, status: res.status };
  };
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('GET', url, options),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('POST', url, options),
  };
}
