import { request as httpsRequest, Agent } from 'node:https';
import { request as httpRequest } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

/** A keep-alive agent trusting the given CA (the emulator's), for HTTPS calls to it. */
export function caAgent(caPem: string): Agent {
  return new Agent({ ca: caPem, keepAlive: true });
}

/**
 * One HTTP(S) request with node:https (no redirects followed).
 *
 * A keep-alive socket can be closed by the server (its idle timeout) just as a request is written
 * on it: the request fails with ECONNRESET ("socket hang up") though the server never read it. As
 * Node's documentation advises, such a request is sent once more on a new socket; a reset on a
 * fresh socket is a real error and is returned.
 */
export async function rawRequest(
  url: string,
  agent: Agent | undefined,
  opts: RawRequest = {},
): Promise<RawResponse> {
  // Several idle sockets may be closing at once: each try takes the next one, or a new socket.
  for (let attempt = 1; ; attempt++) {
    try {
      return await requestOnce(url, agent, opts);
    } catch (err) {
      if (!(err instanceof ReusedSocketReset)) throw err;
      if (attempt === 3) throw err.cause;
    }
  }
}

/** ECONNRESET on a reused keep-alive socket (see `rawRequest`). */
class ReusedSocketReset extends Error {}

function requestOnce(url: string, agent: Agent | undefined, opts: RawRequest): Promise<RawResponse> {
  const u = new URL(url);
  const fn = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = fn(
      u,
      {
        method: opts.method ?? 'GET',
        headers,
        ...(u.protocol === 'https:' && agent ? { agent } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = v;
          resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        req.reusedSocket && err.code === 'ECONNRESET'
          ? new ReusedSocketReset(err.message, { cause: err })
          : err,
      ),
    );
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
