import { randomUUID } from 'node:crypto';
import { Agent } from 'node:https';
import type { Router } from '../http/router.ts';
import type { EmulatorState } from '../state.ts';
import { authenticateGraph } from './auth.ts';
import { GraphHttpError, graphHeaders, sendGraphError } from './errors.ts';
import { toGraphError } from './pipeline.ts';
import { rawRequest } from '../util/https-client.ts';
import { callerOrigin } from '../http/origin.ts';

interface BatchRequest {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

interface BatchResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const MAX_REQUESTS = 20;
/** Outlook runs at most 4 inner requests of a batch at once (reference §4). */
const PARALLEL = 4;

const bad = (msg: string) => new GraphHttpError(400, 'BadRequest', msg);

function validate(v: unknown): BatchRequest[] {
  if (typeof v !== 'object' || v === null || !Array.isArray((v as { requests?: unknown }).requests))
    throw bad('Invalid batch payload format.');
  const list = (v as { requests: unknown[] }).requests;
  if (list.length === 0) throw bad('Invalid batch payload format.');
  if (list.length > MAX_REQUESTS)
    throw bad(`The number of batch requests exceeds the limit of ${MAX_REQUESTS}.`);
  const ids = new Set<string>();
  for (const r of list) {
    const q = r as Partial<BatchRequest>;
    if (
      typeof q !== 'object' ||
      q === null ||
      typeof q.id !== 'string' ||
      !q.id ||
      typeof q.method !== 'string' ||
      typeof q.url !== 'string'
    )
      throw bad('Invalid batch payload format.');
    if (ids.has(q.id)) throw bad(`Batch request id '${q.id}' is duplicated.`);
    ids.add(q.id);
    const hasType = Object.keys(q.headers ?? {}).some((h) => h.toLowerCase() === 'content-type');
    if (q.body !== undefined && !hasType)
      throw bad(`Content-Type header must be specified for request id '${q.id}'.`);
  }
  for (const r of list as BatchRequest[])
    for (const d of r.dependsOn ?? [])
      if (!ids.has(d)) throw bad(`Request '${r.id}' depends on an unknown request '${d}'.`);
  return list as BatchRequest[];
}

/**
 * `POST /v1.0/$batch` (reference §4): up to 20 requests, `dependsOn` ordering, 424 for requests
 * whose dependency failed. Each inner request goes through the full pipeline over loopback, so it
 * is authenticated, throttled and fault-injected on its own (and may be 429 alone).
 */
/**
 * Marks a request as one of a batch's inner requests for the request log. Random per process, so
 * that no client can mark its own requests.
 */
export const BATCH_INNER_HEADER = 'x-emulator-batch-inner';
export const BATCH_INNER_SECRET = randomUUID();

export function registerBatch(router: Router, st: EmulatorState): void {
  const agent = new Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: 64 });
  router.on('POST', '/v1.0/$batch', async (ctx) => {
    ctx.tags.area = 'graph';
    try {
      authenticateGraph(st, ctx);
      const requests = validate(await ctx.json());
      const auth = ctx.header('authorization')!;
      const responses = new Map<string, BatchResponse>();
      const run = async (r: BatchRequest): Promise<BatchResponse> => {
        const failedDep = (r.dependsOn ?? []).find((d) => (responses.get(d)?.status ?? 0) >= 400);
        if (failedDep !== undefined) {
          return {
            id: r.id,
            status: 424,
            headers: { 'content-type': 'application/json' },
            body: { error: { code: 'FailedDependency', message: `Dependency '${failedDep}' failed.` } },
          };
        }
        const path = r.url.startsWith('/') ? r.url : `/${r.url}`;
        const headers: Record<string, string> = {
          authorization: auth,
          'client-request-id': ctx.correlationId,
          [BATCH_INNER_HEADER]: BATCH_INNER_SECRET,
          // The inner answers' links point at the host the batch was sent to.
          'x-forwarded-host': new URL(callerOrigin(st)).host,
          'x-forwarded-proto': new URL(callerOrigin(st)).protocol.replace(':', ''),
        };
        for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
        let body: string | Buffer | undefined;
        if (r.body !== undefined)
          body =
            typeof r.body === 'string' && !(headers['content-type'] ?? '').includes('json')
              ? r.body
              : JSON.stringify(r.body);
        try {
          const res = await rawRequest(`${st.baseUrl}/v1.0${path}`, agent, {
            method: r.method.toUpperCase(),
            headers,
            ...(body !== undefined ? { body } : {}),
          });
          const out: Record<string, string> = {};
          for (const h of [
            'content-type',
            'retry-after',
            'location',
            'preference-applied',
            'odata-version',
          ]) {
            const v = res.headers[h];
            if (v !== undefined)
              out[h === 'content-type' ? 'Content-Type' : h === 'retry-after' ? 'Retry-After' : h] =
                Array.isArray(v) ? v.join(', ') : v;
          }
          const type = String(res.headers['content-type'] ?? '');
          const parsed =
            res.body.length === 0
              ? undefined
              : type.includes('json')
                ? (JSON.parse(res.body.toString('utf8')) as unknown)
                : res.body.toString('base64');
          return {
            id: r.id,
            status: res.status,
            headers: out,
            ...(parsed !== undefined ? { body: parsed } : {}),
          };
        } catch {
          return {
            id: r.id,
            status: 504,
            headers: { 'content-type': 'application/json' },
            body: { error: { code: 'GatewayTimeout', message: 'The request timed out.' } },
          };
        }
      };
      // Run in dependency order, at most PARALLEL at once.
      const pending = [...requests];
      const running = new Set<Promise<void>>();
      while (pending.length || running.size) {
        const ready = pending.filter((r) => (r.dependsOn ?? []).every((d) => responses.has(d)));
        for (const r of ready) {
          if (running.size >= PARALLEL) break;
          pending.splice(pending.indexOf(r), 1);
          const p: Promise<void> = run(r).then((resp) => {
            responses.set(r.id, resp);
            running.delete(p);
          });
          running.add(p);
        }
        if (running.size === 0 && pending.length) throw bad('Circular dependsOn in the batch.');
        await Promise.race(running);
      }
      ctx.sendJson(
        200,
        { responses: requests.map((r) => responses.get(r.id)!) },
        { ...graphHeaders(ctx), 'odata-version': '4.0' },
      );
    } catch (e) {
      sendGraphError(ctx, toGraphError(e), st.clock.now());
    }
  });
}
