import type { IncomingMessage, ServerResponse } from 'node:http';
import { newGuid } from '../util/ids.ts';

/** One request being served, with helpers to read it and answer it. */
export class Ctx {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  params: Record<string, string> = {};
  readonly requestId = newGuid();
  /** Tags for the request log (tenant, client, user, area). */
  readonly tags: {
    area?: string;
    tenantId?: string;
    clientId?: string;
    userId?: string;
    mailboxId?: string;
    note?: string;
  } = {};
  private bodyPromise: Promise<Buffer> | undefined;
  /** Fault injection: answer with the full Content-Length but half the body, then close. */
  truncate = false;
  /** Fault injection: a delta round started by this request replays the whole folder. */
  deltaReplay = false;
  /** Fault injection: the request is carried out, then the connection closes without an answer. */
  dropAfter = false;
  /** Largest request body accepted (Graph's 150 MB attachment limit fits under the default of 200 MB for control calls). */
  maxBodyBytes = 10 * 1024 * 1024;

  constructor(req: IncomingMessage, res: ServerResponse, baseUrl: string) {
    this.req = req;
    this.res = res;
    this.url = new URL(req.url ?? '/', baseUrl);
  }

  get method(): string {
    return this.req.method ?? 'GET';
  }

  get query(): URLSearchParams {
    return this.url.searchParams;
  }

  header(name: string): string | undefined {
    const v = this.req.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }

  /** client-request-id sent by Microsoft's libraries, echoed as the correlation id. */
  get correlationId(): string {
    this.generatedCorrelationId ??= newGuid();
    return this.header('client-request-id') ?? this.generatedCorrelationId;
  }
  private generatedCorrelationId: string | undefined;

  rawBody(): Promise<Buffer> {
    this.bodyPromise ??= new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      this.req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > this.maxBodyBytes) {
          reject(new Error('body too large'));
          this.req.destroy();
          return;
        }
        chunks.push(c);
      });
      this.req.on('end', () => resolve(Buffer.concat(chunks)));
      this.req.on('error', reject);
    });
    return this.bodyPromise;
  }

  async form(): Promise<URLSearchParams> {
    return new URLSearchParams((await this.rawBody()).toString('utf8'));
  }

  async json<T = unknown>(): Promise<T> {
    const buf = await this.rawBody();
    return (buf.length ? JSON.parse(buf.toString('utf8')) : {}) as T;
  }

  cookies(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const part of (this.header('cookie') ?? '').split(';')) {
      const i = part.indexOf('=');
      if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    }
    return out;
  }

  setCookie(name: string, value: string, opts: { maxAgeSeconds?: number } = {}): void {
    const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'Secure', 'SameSite=None'];
    if (opts.maxAgeSeconds !== undefined) parts.push(`Max-Age=${opts.maxAgeSeconds}`);
    const prev = this.res.getHeader('set-cookie');
    const list = Array.isArray(prev) ? prev : prev ? [String(prev)] : [];
    this.res.setHeader('set-cookie', [...list, parts.join('; ')]);
  }

  send(status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
    if (this.dropAfter) {
      this.res.destroy();
      return;
    }
    this.res.writeHead(status, { 'content-length': Buffer.byteLength(body), ...headers });
    if (this.truncate) {
      const buf = Buffer.from(body);
      this.res.write(buf.subarray(0, Math.floor(buf.length / 2)));
      this.res.destroy();
      return;
    }
    this.res.end(body);
  }

  sendJson(status: number, body: unknown, headers: Record<string, string> = {}): void {
    // One UTF-8 encoding (a string body would be encoded twice: for Content-Length and for the socket).
    this.send(status, Buffer.from(JSON.stringify(body)), {
      'content-type': 'application/json; charset=utf-8',
      ...headers,
    });
  }

  sendHtml(status: number, html: string, headers: Record<string, string> = {}): void {
    this.send(status, html, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    });
  }

  redirect(location: string): void {
    this.res.writeHead(302, { location, 'cache-control': 'no-store', 'content-length': 0 });
    this.res.end();
  }
}
