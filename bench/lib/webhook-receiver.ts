// A webhook receiver on 127.0.0.1 for the benchmarks and `npm run chaos`: it answers each request as
// its `behaviour` says (204 at once by default), verifies signatures with the `standardwebhooks`
// package (every request, or a sample), and remembers, per `webhook-id`, when it first came and
// when it was first accepted (a 2xx that Mailroom could see).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { sleep } from './process.ts';

/**
 * How to answer one request: `ok` 204 at once; `slow` 204 after `delayMs` (within Mailroom's
 * timeout: a success); `error` 500; `timeout` no answer for `delayMs` (longer than Mailroom's
 * timeout), then the socket is closed; `reset` the socket closed at once.
 */
export type Answer =
  | { kind: 'ok' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'error' }
  | { kind: 'timeout'; delayMs: number }
  | { kind: 'reset' };

export interface ReceivedWebhook {
  id: string;
  type: string;
  data: Record<string, unknown>;
  /** Date.now() when its first request arrived (the body read). */
  firstAt: number;
  /** Date.now() when it was first answered with a 2xx, if ever. */
  acceptedAt?: number;
  requests: number;
  /** 2xx answers: more than one is a duplicate delivery (at least once), with the same webhook-id. */
  accepted: number;
}

export interface ReceiverOptions {
  /** The endpoint's signing secret (`whsec_…`), shown once when Mailroom created it. */
  secret?: string;
  /** Verify every n-th request's signature (1: all of them; default 1). */
  verifyEvery?: number;
  /** `n`: the receiver's request count; `attempt`: this webhook-id's (1 for its first request). */
  behaviour?: (n: number, attempt: number) => Answer;
}

export class WebhookReceiver {
  readonly byId = new Map<string, ReceivedWebhook>();
  /** Requests by answer kind. */
  readonly answers: Record<Answer['kind'], number> = { ok: 0, slow: 0, error: 0, timeout: 0, reset: 0 };
  requests = 0;
  /** Distinct webhook-ids accepted at least once. */
  acceptedIds = 0;
  verified = 0;
  badSignatures = 0;
  /** Examples of what failed verification (or could not be read). */
  readonly problems: string[] = [];
  /** Called on each first 2xx of a webhook-id. */
  onAccepted: ((w: ReceivedWebhook) => void) | undefined;
  secret: string | undefined;
  private verifier: Webhook | undefined;
  private readonly verifyEvery: number;
  private readonly behaviour: (n: number, attempt: number) => Answer;
  private readonly server: Server;
  private readonly held = new Set<ServerResponse>();
  url = '';

  constructor(opts: ReceiverOptions = {}) {
    this.secret = opts.secret;
    this.verifyEvery = Math.max(1, Math.round(opts.verifyEvery ?? 1));
    this.behaviour = opts.behaviour ?? (() => ({ kind: 'ok' }));
    this.server = createServer((req, res) => void this.handle(req, res));
    // Longer than the sender's keep-alive (30 s): an idle socket is never closed under a request.
    this.server.keepAliveTimeout = 60_000;
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  /** The secret to verify with (known once the endpoint exists). */
  setSecret(secret: string): void {
    this.secret = secret;
    this.verifier = new Webhook(secret);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const now = Date.now();
    const n = this.requests++;
    const body = Buffer.concat(chunks).toString('utf8');
    const id = String(req.headers['webhook-id'] ?? '');
    if (!this.verifier && this.secret) this.verifier = new Webhook(this.secret);
    if (this.verifier && n % this.verifyEvery === 0) {
      try {
        this.verifier.verify(body, {
          'webhook-id': id,
          'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
        });
        this.verified++;
      } catch (err) {
        this.badSignatures++;
        if (this.problems.length < 10) this.problems.push(`${id}: ${String(err)}`);
      }
    }
    let w = this.byId.get(id);
    if (!w) {
      let parsed: { type?: string; data?: Record<string, unknown> } = {};
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        if (this.problems.length < 10) this.problems.push(`${id}: the body is not JSON`);
      }
      w = { id, type: parsed.type ?? '?', data: parsed.data ?? {}, firstAt: now, requests: 0, accepted: 0 };
      this.byId.set(id, w);
    }
    w.requests++;
    const a = this.behaviour(n, w.requests);
    this.answers[a.kind]++;
    if (a.kind === 'ok') return this.accept(w, res);
    if (a.kind === 'error') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver failed (chaos)');
      return;
    }
    if (a.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    this.held.add(res);
    await sleep(a.delayMs);
    this.held.delete(res);
    if (a.kind === 'slow') return this.accept(w, res);
    req.socket.destroy(); // 'timeout': Mailroom gave up long ago
  }

  private accept(w: ReceivedWebhook, res: ServerResponse): void {
    if (res.destroyed || res.socket?.destroyed) return; // the sender gave up: not accepted
    res.writeHead(204).end();
    w.accepted++;
    if (w.acceptedAt === undefined) {
      w.acceptedAt = Date.now();
      this.acceptedIds++;
      this.onAccepted?.(w);
    }
  }

  async close(): Promise<void> {
    for (const res of this.held) res.socket?.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
