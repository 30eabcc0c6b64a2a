import type { Agent } from 'node:https';
import { caAgent, rawRequest } from '../util/https-client.ts';

/**
 * A `fetch` that trusts the emulator's CA (node:https underneath), for clients that accept a custom
 * fetch: openid-client's `customFetch`, Graph SDK middleware, plain tests. Redirects are not followed.
 */
export function createCaFetch(caPem: string): typeof fetch & { agent: Agent } {
  const agent = caAgent(caPem);
  const f = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    let url: string;
    let method = init.method;
    const headers = new Headers(init.headers);
    let body: RequestInit['body'] | ArrayBuffer = init.body;
    if (input instanceof Request) {
      url = input.url;
      method ??= input.method;
      input.headers.forEach((v, k) => {
        if (!headers.has(k)) headers.set(k, v);
      });
      if (body === undefined && input.body) body = await input.arrayBuffer();
    } else {
      url = input.toString();
    }
    let payload: string | Buffer | undefined;
    if (body === undefined || body === null) payload = undefined;
    else if (typeof body === 'string') payload = body;
    else if (body instanceof URLSearchParams) {
      payload = body.toString();
      if (!headers.has('content-type'))
        headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    } else if (body instanceof ArrayBuffer) payload = Buffer.from(body);
    else if (ArrayBuffer.isView(body)) payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    else payload = Buffer.from(await new Response(body).arrayBuffer());
    const h: Record<string, string> = {};
    headers.forEach((v, k) => {
      h[k] = v;
    });
    const res = await rawRequest(url, agent, {
      method: method ?? 'GET',
      headers: h,
      ...(payload !== undefined ? { body: payload } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const outHeaders = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      for (const one of Array.isArray(v) ? v : [v]) outHeaders.append(k, one);
    }
    const nullBody = res.status === 204 || res.status === 304 || (method ?? 'GET').toUpperCase() === 'HEAD';
    const response = new Response(nullBody ? null : new Uint8Array(res.body), {
      status: res.status,
      headers: outHeaders,
    });
    Object.defineProperty(response, 'url', { value: url });
    return response;
  };
  return Object.assign(f as typeof fetch, { agent });
}
