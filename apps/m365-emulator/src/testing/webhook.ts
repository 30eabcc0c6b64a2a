import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ReceivedPost {
  path: string;
  query: URLSearchParams;
  body: { value?: Record<string, unknown>[] } | undefined;
  raw: string;
}

/** How the receiver answers a request (default: validation echo, 202 for notifications). */
export type WebhookBehaviour = (req: {
  path: string;
  query: URLSearchParams;
  body: string;
}) => { status: number; body?: string; contentType?: string; delayMs?: number } | undefined;

/**
 * A local HTTPS endpoint for change notifications in tests: answers Graph's validation
 * handshake, records notifications and lifecycle events, and can be told to fail or be slow.
 * Give it a certificate from `emu.issueServerCertificate()` so the emulator trusts it.
 */
export class WebhookReceiver {
  readonly posts: ReceivedPost[] = [];
  behaviour: WebhookBehaviour | undefined;
  private server: Server | undefined;
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];
  url = '';

  async start(tls: { keyPem: string; certPem: string }): Promise<this> {
    this.server = createServer(
      { key: tls.keyPem, cert: tls.certPem },
      (req, res) => void this.handle(req, res),
    );
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `https://localhost:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'https://localhost');
    const custom = this.behaviour?.({ path: u.pathname, query: u.searchParams, body: raw });
    if (custom?.delayMs) await new Promise((r) => setTimeout(r, custom.delayMs));
    const token = u.searchParams.get('validationToken');
    if (!custom && token !== null) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
    } else {
      res
        .writeHead(custom?.status ?? 202, { 'content-type': custom?.contentType ?? 'text/plain' })
        .end(custom?.body ?? '');
    }
    let body: ReceivedPost['body'];
    try {
      body = raw ? (JSON.parse(raw) as ReceivedPost['body']) : undefined;
    } catch {
      body = undefined;
    }
    this.posts.push({ path: u.pathname, query: u.searchParams, body, raw });
    this.waiters = this.waiters.filter((w) => (w.pred() ? (w.resolve(), false) : true));
  }

  /** Items of every notification (non-validation) POST to `path`. */
  items(path: string): Record<string, unknown>[] {
    return this.posts
      .filter((p) => p.path === path && !p.query.has('validationToken'))
      .flatMap((p) => p.body?.value ?? []);
  }

  /** Resolves once `pred` holds (checked after each POST); rejects after `timeoutMs`. */
  waitFor(pred: () => boolean, timeoutMs = 15_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('webhook receiver: condition not met in time')), timeoutMs);
      this.waiters.push({ pred, resolve: () => (clearTimeout(t), resolve()) });
    });
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
