import { Agent, request } from 'undici';
import { checkTargetUrl, guardedLookup, TargetRefused } from './targets.ts';

/** What a receiver answered, or why nothing came back. */
export interface SendOutcome {
  /** HTTP status, or null when no answer came (refused, timeout, reset, refused by the SSRF guard). */
  status: number | null;
  ok: boolean;
  durationMs: number;
  /** The start of the answer's body, or why there was none. */
  excerpt: string;
}

export interface SenderOptions {
  allowPrivate: boolean;
  /** Microsoft-style: an answer must come within this long (default 10 s). */
  timeoutMs?: number;
  /** How much of an answer's body is kept for the delivery log (default 2 KB). */
  excerptBytes?: number;
  /** Extra trusted CA (tests' local HTTPS receivers). */
  ca?: string;
}

/**
 * Posts a signed webhook. Redirects are not followed (a 3xx is a failed delivery: a redirect is the
 * classic way around an SSRF check); the body read is capped; every failure is an outcome, never a
 * throw, so the caller records it.
 */
export class WebhookSender {
  private readonly agent: Agent;
  private readonly o: Required<Omit<SenderOptions, 'ca'>>;
  constructor(opts: SenderOptions) {
    this.o = {
      allowPrivate: opts.allowPrivate,
      timeoutMs: opts.timeoutMs ?? 10_000,
      excerptBytes: opts.excerptBytes ?? 2048,
    };
    this.agent = new Agent({
      connect: {
        lookup: guardedLookup(opts.allowPrivate),
        timeout: this.o.timeoutMs,
        ...(opts.ca ? { ca: opts.ca } : {}),
      },
      headersTimeout: this.o.timeoutMs,
      bodyTimeout: this.o.timeoutMs,
      keepAliveTimeout: 30_000,
      connections: 64,
    });
  }

  async send(url: string, headers: Record<string, string>, body: string): Promise<SendOutcome> {
    const started = performance.now();
    const took = () => Math.round(performance.now() - started);
    try {
      checkTargetUrl(url, this.o.allowPrivate);
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Mailroom-Webhooks/1', ...headers },
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      const excerpt = await readExcerpt(res.body, this.o.excerptBytes);
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      const redirect = res.statusCode >= 300 && res.statusCode < 400;
      return {
        status: res.statusCode,
        ok,
        durationMs: took(),
        excerpt: redirect ? `redirect to ${String(res.headers.location ?? '?')} not followed` : excerpt,
      };
    } catch (err) {
      return { status: null, ok: false, durationMs: took(), excerpt: describe(err, this.o.timeoutMs) };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

async function readExcerpt(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  max: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= max) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const cause = e.cause ?? e;
  if (err instanceof TargetRefused || cause instanceof TargetRefused)
    return (cause instanceof TargetRefused ? cause : e).message;
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || /timeout/i.test(cause.code ?? ''))
    return `no answer within ${timeoutMs / 1000} s`;
  if (cause.code === 'ECONNREFUSED') return 'connection refused';
  if (cause.code === 'ECONNRESET' || cause.code === 'UND_ERR_SOCKET')
    return 'connection closed before an answer';
  if (cause.code === 'ENOTFOUND') return 'the host name does not resolve';
  return cause.message || String(err);
}
