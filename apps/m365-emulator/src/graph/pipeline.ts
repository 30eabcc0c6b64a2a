import type { Ctx } from '../http/context.ts';
import type { Router } from '../http/router.ts';
import type { EmulatorState } from '../state.ts';
import { authenticateGraph, type GraphPrincipal } from './auth.ts';
import { GraphHttpError, graphHeaders, sendGraphError } from './errors.ts';
import { resolveMailbox, type MailNeed } from '../mail/access.ts';
import type { Mailbox } from '../mail/model.ts';
import type { User } from '../tenant/model.ts';
import type { RenderOpts } from '../mail/render.ts';

/** What `Prefer` asked for (several comma-separated preferences, or several headers). */
export interface Prefer {
  immutable: boolean;
  bodyType: 'html' | 'text' | null;
  maxPageSize: number | null;
}

export function parsePrefer(ctx: Ctx): Prefer {
  const raw = ctx.req.headers.prefer;
  const text = (Array.isArray(raw) ? raw.join(',') : (raw ?? '')).toLowerCase();
  const idType = /idtype\s*=\s*"?(\w+)"?/.exec(text)?.[1];
  const body = /outlook\.body-content-type\s*=\s*"?(\w+)"?/.exec(text)?.[1];
  const size = /odata\.maxpagesize\s*=\s*"?(\d+)"?/.exec(text)?.[1];
  return {
    immutable: idType === 'immutableid',
    bodyType: body === 'text' ? 'text' : body === 'html' ? 'html' : null,
    maxPageSize: size ? Number(size) : null,
  };
}

/** An answer other than "200 + JSON". */
export class GraphReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
  constructor(status: number, body?: unknown, headers: Record<string, string> = {}) {
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** The handler wrote the response itself (streams). */
export const HANDLED = Symbol('handled');

export interface GraphCall {
  ctx: Ctx;
  p: GraphPrincipal;
  prefer: Prefer;
  /** Preferences honoured, echoed in `Preference-Applied`. */
  applied: string[];
  render: RenderOpts;
  user: User;
  mailbox: Mailbox;
}

/** Fault patterns are written against readable URLs (`$deltatoken=`), whatever the client escaped. */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Any of these lifts Mail.ReadBasic's restrictions. */
const FULL_READ = ['mail.read', 'mail.readwrite', 'mail.read.shared', 'mail.readwrite.shared'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The Graph request pipeline: bearer validation, mailbox access checks, throttling (per app per
 * mailbox), fault injection, Prefer handling, and Graph's error shape for every failure — a
 * client never sees a stack trace.
 */
export function graphHandler(
  st: EmulatorState,
  opts: { need?: MailNeed; uploadBytes?: (ctx: Ctx) => number },
  fn: (call: GraphCall) => unknown,
): (ctx: Ctx) => Promise<void> {
  return async (ctx: Ctx) => {
    ctx.tags.area = 'graph';
    let release: (() => void) | undefined;
    try {
      const p = authenticateGraph(st, ctx);
      const prefer = parsePrefer(ctx);
      const applied: string[] = [];
      if (prefer.immutable) applied.push('IdType="ImmutableId"');
      if (prefer.bodyType) applied.push(`outlook.body-content-type="${prefer.bodyType}"`);
      const call = {
        ctx,
        p,
        prefer,
        applied,
        render: { immutable: prefer.immutable, bodyType: prefer.bodyType },
      } as GraphCall;
      if (opts.need) {
        const { user, mailbox } = resolveMailbox(st, p, ctx.params.user, opts.need);
        call.user = user;
        call.mailbox = mailbox;
        ctx.tags.mailboxId = user.id;
        if (opts.need === 'read') {
          const granted = p.kind === 'delegated' ? p.scopes : p.roles;
          call.render.basic = !FULL_READ.some((x) => granted.has(x));
        }
        // Counted after the I/O this loop turn has already received: a response whose last bytes the
        // client has read was finished on our side, even when a busy loop has not yet run its
        // 'finish' handler. Without this, the client's next request, arriving in the same turn, was
        // taken for a fifth in flight (a MailboxConcurrency 429 Microsoft would not have sent).
        await new Promise<void>((r) => setImmediate(r));
        release = st.throttle.admit(p.appId, user.id, st.clock.now(), opts.uploadBytes?.(ctx) ?? 0);
        // Done when the last byte is handed to the socket ('finish'), as Exchange counts it; 'close'
        // comes a tick later, after a fast client may already have sent its next request.
        ctx.res.once('finish', release);
        ctx.res.once('close', release);
        // Exchange's own time to answer, during which the request holds its slot (arrival → last byte).
        const service = st.throttle.serviceTimeMs();
        if (service > 0) await sleep(service);
      }
      if (await applyRequestFault(st, ctx)) return;
      const out = await fn(call);
      if (out === HANDLED) return;
      const headers: Record<string, string> = { ...graphHeaders(ctx), 'odata-version': '4.0' };
      if (applied.length) headers['preference-applied'] = applied.join(', ');
      if (out instanceof GraphReply) {
        Object.assign(headers, out.headers);
        if (out.body === undefined) {
          ctx.send(out.status, '', headers);
        } else ctx.sendJson(out.status, out.body, headers);
        return;
      }
      ctx.sendJson(200, out, headers);
    } catch (e) {
      if (ctx.res.headersSent) {
        ctx.res.destroy();
        return;
      }
      sendGraphError(ctx, toGraphError(e), st.clock.now());
    }
  };
}

/**
 * Applies a matching fault rule (control API) to this Graph request: throws the injected error,
 * waits, or drops the connection. Returns true when the request was dropped (nothing more to send).
 */
export async function applyRequestFault(st: EmulatorState, ctx: Ctx): Promise<boolean> {
  const fault = st.faults.match(ctx.method, `${ctx.url.pathname}${safeDecode(ctx.url.search)}`);
  if (!fault) return false;
  if (fault.kind === 'status') {
    const headers: Record<string, string> = {};
    if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
    throw new GraphHttpError(
      fault.status,
      fault.code ?? defaultCode(fault.status),
      fault.message ?? defaultMessage(fault.status),
      headers,
    );
  }
  if (fault.kind === 'delay') await sleep(fault.ms);
  if (fault.kind === 'drop') {
    ctx.res.destroy();
    return true;
  }
  if (fault.kind === 'truncate') ctx.truncate = true;
  if (fault.kind === 'deltaReplay') ctx.deltaReplay = true;
  if (fault.kind === 'dropAfter') ctx.dropAfter = true;
  return false;
}

/** Any failure as a Graph error (never a stack trace). */
export function toGraphError(e: unknown): GraphHttpError {
  if (e instanceof GraphHttpError) return e;
  if (e instanceof SyntaxError)
    return new GraphHttpError(
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  if (e instanceof Error && e.message === 'body too large')
    return new GraphHttpError(413, 'RequestEntityTooLarge', 'The request body is too large.');
  console.error('[m365-emulator] unexpected error in a Graph handler', e);
  return new GraphHttpError(
    500,
    'generalException',
    'An internal server error occurred. The operation failed.',
  );
}

function defaultCode(status: number): string {
  switch (status) {
    case 429:
      return 'ApplicationThrottled';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'GatewayTimeout';
    case 500:
      return 'InternalServerError';
    default:
      return 'ErrorInternalServerTransientError';
  }
}

function defaultMessage(status: number): string {
  switch (status) {
    case 429:
      return 'Application is over its MailboxConcurrency limit.';
    case 503:
      return 'The service is currently unavailable. Please try again later.';
    case 504:
      return 'The request timed out.';
    default:
      return 'An internal server error occurred. The operation failed.';
  }
}

/** Registers a mailbox route for `/me/…` and `/users/{id|upn}/…`. */
export function mailRoute(
  router: Router,
  st: EmulatorState,
  method: string,
  suffix: string,
  need: MailNeed,
  fn: (call: GraphCall) => unknown,
  opts: { uploadBytes?: (ctx: Ctx) => number } = {},
): void {
  const h = graphHandler(st, { need, ...opts }, fn);
  router.on(method, `/v1.0/me${suffix}`, h);
  router.on(method, `/v1.0/users/:user${suffix}`, h);
}
