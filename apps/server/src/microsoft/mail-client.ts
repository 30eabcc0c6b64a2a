import { randomUUID } from 'node:crypto';
import { graphRetryAfterSeconds } from '../metrics/registry.ts';
import type { Readable } from 'node:stream';
import { GraphApiError, GraphNetworkError, readGraphError } from './graph.ts';
import type { Admission, MailboxPacer, Priority } from './pacer.ts';
import type { MicrosoftSettings } from './settings.ts';
import { appScopeOf } from './token-claims.ts';

/** The hidden marker written on processed messages: a single-value extended property (string). */
export const MARKER_PROPERTY_ID = 'String {7d3f2f4e-8f0b-4c38-9a39-6d61696c726d} Name MailroomProcessedIn';

/** What a delta page says of a message (its `$select`); the rest is read from the MIME. */
export interface GraphMessage {
  id: string;
  subject?: string | null;
  receivedDateTime?: string;
  hasAttachments?: boolean;
  '@removed'?: { reason: string };
}
export interface GraphAttachmentMeta {
  '@odata.type': string;
  id: string;
  name?: string;
  contentType?: string;
  size?: number;
  isInline?: boolean;
  sourceUrl?: string;
}
export interface GraphFolder {
  id: string;
  displayName: string;
  parentFolderId?: string;
  childFolderCount?: number;
  totalItemCount?: number;
}
export interface DeltaPage {
  value: GraphMessage[];
  nextLink: string | undefined;
  deltaLink: string | undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A request and the reading of its answer end within this (a trickling MIME download included). */
const REQUEST_TIMEOUT_MS = 120_000;
const timedOut = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');
/**
 * Why a request is ended once its answer has been used: one object for every request, since building
 * an error per request cost more than the request's own bookkeeping. Only a reader that was still
 * reading (none should be) would see it.
 */
const ANSWER_USED = new Error('the answer has been used');

/** What a Graph call takes: a JSON body (serialised here) and, for `$batch`, how many slots it occupies. */
export interface RequestInit {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  weight?: number;
  /** How many requests Microsoft counts against the mailbox's budget (a `$batch`: each inner request). */
  count?: number;
  /**
   * False for a request with an effect that must not happen twice (send, move, create): a timeout or a
   * dropped connection may hide that it did happen, so the caller checks Outlook before trying again.
   */
  retry?: boolean;
  /** Who gets a freed slot of the mailbox first (MailboxPacer): 'normal' unless said. */
  priority?: Priority;
}

/** For the calls below that take no `RequestInit`: who gets a freed slot of the mailbox first. */
export interface CallOptions {
  priority?: Priority;
}

/** Microsoft's answer when the concurrent requests are over the limit (either scope: decision 0020). */
const namesConcurrency = (message: unknown): boolean =>
  typeof message === 'string' && /MailboxConcurrency/i.test(message);
const isConcurrencyRefusal = (err: unknown): boolean =>
  err instanceof GraphApiError && err.status === 429 && namesConcurrency(err.message);

/**
 * Graph mail calls, paced per mailbox by the MailboxPacer (4 in flight across all processes, the
 * request and upload budgets), `Retry-After` honoured for the whole mailbox, exponential backoff with
 * jitter on 429/5xx/network errors. After `maxAttempts` the error goes to the caller (a job, which
 * retries later — never a permanent failure).
 */
export class MailClient {
  private readonly s: MicrosoftSettings;
  readonly pacer: MailboxPacer;
  private readonly maxAttempts: number;
  /** The last token's app scope (decoding the JWT once per token, not per request). */
  private lastToken = '';
  private lastApp: string | undefined;
  constructor(settings: MicrosoftSettings, pacer: MailboxPacer, opts: { maxAttempts?: number } = {}) {
    this.s = settings;
    this.pacer = pacer;
    this.maxAttempts = opts.maxAttempts ?? 4;
  }

  private appOf(token: string): string | undefined {
    if (token !== this.lastToken) {
      this.lastToken = token;
      this.lastApp = appScopeOf(token) ?? undefined;
    }
    return this.lastApp;
  }

  private url(pathOrUrl: string): string {
    return pathOrUrl.startsWith('https://') ? pathOrUrl : `${this.s.graphUrl}/v1.0${pathOrUrl}`;
  }

  /**
   * One request with retries. `consume` reads the successful response while the mailbox's slot is
   * still held: Microsoft counts a request as in flight until its body has been sent, so a slot given
   * back before a download finished would let a fifth request in.
   */
  async call<T>(
    token: string,
    mailbox: string,
    pathOrUrl: string,
    init: RequestInit,
    consume: (
      res: Awaited<ReturnType<MicrosoftSettings['http']['fetch']>>,
      admission: Admission,
    ) => Promise<T>,
  ): Promise<T> {
    const body = init.body !== undefined ? JSON.stringify(init.body) : undefined;
    const app = this.appOf(token);
    for (let attempt = 1; ; attempt++) {
      let admission: Admission | undefined;
      try {
        return await this.pacer.run(
          mailbox,
          async (a) => {
            admission = a;
            // Ended once the answer has been used (see below), or after 2 minutes. One controller and
            // one timer: `AbortSignal.any` with `AbortSignal.timeout`, and an abort that built a new
            // DOMException each time, were 6 % of the CPU of a node idling with 10,000 folders.
            const done = new AbortController();
            const timer = setTimeout(() => done.abort(timedOut()), REQUEST_TIMEOUT_MS);
            timer.unref();
            let res;
            try {
              res = await this.s.http.fetch(this.url(pathOrUrl), {
                method: init.method ?? 'GET',
                headers: {
                  authorization: `Bearer ${token}`,
                  prefer: 'IdType="ImmutableId"',
                  'client-request-id': randomUUID(),
                  ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
                  ...init.headers,
                },
                ...(body !== undefined ? { body } : {}),
                signal: done.signal,
              });
            } catch (err) {
              clearTimeout(timer);
              throw new GraphNetworkError(`Microsoft Graph could not be reached: ${(err as Error).message}`);
            }
            try {
              if (!res.ok) throw await readGraphError(res);
              return await consume(res, a);
            } finally {
              // A body left unread (its reader failed: the blob store or the database went away
              // mid-download) kept the request open at Microsoft, which counts it in flight until its
              // last byte is sent, while the slot went back to the pacer: a fifth request in flight
              // (the chaos run's 429 during a PostgreSQL restart). Aborted, the connection closes now.
              // A body read to its end is not affected.
              clearTimeout(timer);
              done.abort(ANSWER_USED);
            }
          },
          {
            uploadBytes: body ? Buffer.byteLength(body) : 0,
            weight: init.weight ?? 1,
            count: init.count ?? 1,
            priority: init.priority ?? 'normal',
            ...(app !== undefined ? { app } : {}),
          },
        );
      } catch (err) {
        // Refused for concurrency though paced: the mailbox's or the app's limit is lower (AIMD).
        if (admission && isConcurrencyRefusal(err)) this.pacer.concurrencyRefused(admission);
        const retriable =
          err instanceof GraphNetworkError ||
          (err instanceof GraphApiError && (err.status === 429 || err.status >= 500));
        // A 429 was refused before anything happened: safe to repeat even when the request has an effect.
        const throttled = err instanceof GraphApiError && err.status === 429;
        if (!retriable || attempt >= (init.retry === false && !throttled ? 1 : this.maxAttempts)) throw err;
        const retryAfter = err instanceof GraphApiError ? err.retryAfterSeconds : undefined;
        // Microsoft asked for a pause: it applies to every request to this mailbox, not just this one.
        if (retryAfter !== undefined && err instanceof GraphApiError && err.status === 429) {
          this.pacer.pause(mailbox, retryAfter * 1000);
          graphRetryAfterSeconds.inc(retryAfter);
        }
        const backoff =
          retryAfter !== undefined ? retryAfter * 1000 : Math.min(30_000, 500 * 2 ** (attempt - 1));
        await sleep(backoff + Math.random() * 250);
      }
    }
  }

  /** A request whose answer does not matter beyond its status (the body is read and dropped). */
  async request(token: string, mailbox: string, pathOrUrl: string, init: RequestInit = {}): Promise<void> {
    await this.call(token, mailbox, pathOrUrl, init, (res) => res.text());
  }

  /** `inspect`: sees the answer with what the request was admitted with (`batch`: inner refusals). */
  json<T>(
    token: string,
    mailbox: string,
    pathOrUrl: string,
    init: RequestInit = {},
    inspect?: (body: T, admission: Admission) => void,
  ): Promise<T> {
    return this.call(token, mailbox, pathOrUrl, init, async (res, admission) => {
      const text = await res.text();
      const body = (text ? JSON.parse(text) : {}) as T;
      inspect?.(body, admission);
      return body;
    });
  }

  /** A folder's children (the root's when `parentId` is undefined), all pages. */
  async folders(token: string, mailbox: string, parentId?: string): Promise<GraphFolder[]> {
    const base = `/users/${encodeURIComponent(mailbox)}/mailFolders`;
    let next: string | undefined = parentId
      ? `${base}/${encodeURIComponent(parentId)}/childFolders?$top=100`
      : `${base}?$top=100`;
    const out: GraphFolder[] = [];
    while (next) {
      const page: { value: GraphFolder[]; '@odata.nextLink'?: string } = await this.json(
        token,
        mailbox,
        next,
      );
      out.push(...page.value);
      next = page['@odata.nextLink'];
    }
    return out;
  }

  /** The first delta request of a round: messages received since `from`, 100 per page. */
  deltaStart(mailbox: string, folderId: string, from: Date): string {
    const q = new URLSearchParams({
      // hasAttachments: attachments are listed only for messages that have some.
      $select: 'id,subject,receivedDateTime,hasAttachments',
      $filter: `receivedDateTime ge ${from.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
    });
    return `/users/${encodeURIComponent(mailbox)}/mailFolders/${encodeURIComponent(folderId)}/messages/delta?${q.toString()}`;
  }

  async deltaPage(token: string, mailbox: string, url: string, opts: CallOptions = {}): Promise<DeltaPage> {
    const body = await this.json<{
      value: GraphMessage[];
      '@odata.nextLink'?: string;
      '@odata.deltaLink'?: string;
    }>(token, mailbox, url, {
      headers: { prefer: 'IdType="ImmutableId", odata.maxpagesize=100' },
      ...opts,
    });
    return {
      value: body.value ?? [],
      nextLink: body['@odata.nextLink'],
      deltaLink: body['@odata.deltaLink'],
    };
  }

  attachments(
    token: string,
    mailbox: string,
    id: string,
    opts: CallOptions = {},
  ): Promise<{ value: GraphAttachmentMeta[] }> {
    return this.json(
      token,
      mailbox,
      `/users/${encodeURIComponent(mailbox)}/messages/${encodeURIComponent(id)}/attachments?$select=id,name,contentType,size,isInline`,
      opts,
    );
  }

  /**
   * A body stream (the MIME of a message, or an attachment's bytes), not buffered here, handed to
   * `use` with the announced length when there is one (a cut connection then shows as a short body).
   */
  stream<T>(
    token: string,
    mailbox: string,
    path: string,
    use: (body: Readable, length: number | undefined) => Promise<T>,
    opts: CallOptions = {},
  ): Promise<T> {
    return this.call(token, mailbox, path, opts, async (res) => {
      const header = res.headers.get('content-length');
      const length = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
      const { body } = res;
      try {
        return await use(body, length);
      } finally {
        // Unread (its reader failed first), the stream is ended here: the request is closed (see `call`).
        body.destroy();
      }
    });
  }

  mimePath(mailbox: string, id: string): string {
    return `/users/${encodeURIComponent(mailbox)}/messages/${encodeURIComponent(id)}/$value`;
  }
  attachmentPath(mailbox: string, id: string, attachmentId: string): string {
    return `/users/${encodeURIComponent(mailbox)}/messages/${encodeURIComponent(id)}/attachments/${encodeURIComponent(attachmentId)}/$value`;
  }

  /**
   * `POST /$batch` (≤ 20 requests), counted as each inner request against the mailbox's budget; each
   * has its own status (and may be 429 on its own). Low priority unless said: batches carry markers,
   * a courtesy that must not hold the slots while reads wait.
   *
   * Parallel, Outlook runs up to 4 of the requests at once, so the batch takes as many of the
   * mailbox's slots. `sequential` chains them with `dependsOn` (reference §4): Outlook runs one at a
   * time, the batch takes one slot for longer, and a request that fails (404 included) leaves those
   * after it unrun, answered 424 — the caller sends those again. A batch is sequential when asked,
   * and also once a lower limit has been learnt for the mailbox or the app (decision 0020): parallel,
   * it would run 4 at Microsoft whatever our pacer allows (the chaos run's 429s), or need 4 of the
   * app's slots at once and wait for the whole app to fall idle.
   */
  async batch(
    token: string,
    mailbox: string,
    requests: BatchRequest[],
    opts: CallOptions & { sequential?: boolean } = {},
  ): Promise<BatchResponse[]> {
    const app = this.appOf(token);
    const appLimited = app !== undefined && Number.isFinite(this.pacer.limitOf(`app:${app}`));
    const sequential =
      requests.length > 1 && (opts.sequential || appLimited || this.pacer.limitOf(mailbox) < 4);
    const sent = sequential
      ? requests.map((r, i) => (i ? { ...r, dependsOn: [requests[i - 1]!.id] } : r))
      : requests;
    const r = await this.json<{ responses?: BatchResponse[] }>(
      token,
      mailbox,
      '/$batch',
      {
        method: 'POST',
        body: { requests: sent },
        weight: sequential ? 1 : Math.min(4, requests.length),
        count: requests.length,
        priority: opts.priority ?? 'low',
      },
      (answer, admission) => this.heedInnerRefusals(mailbox, answer.responses ?? [], admission, sequential),
    );
    return r.responses ?? [];
  }

  /**
   * Inner refusals that teach the pacer (reference §4: each inner request is throttled on its own).
   * - **Parallel:** refused for concurrency in a quarter or more of its requests is an overload (an
   *   overload refuses most of a batch). Unreported, a per-app limit went unlearnt while only marker
   *   batches ran, and parallel batches on several mailboxes drew 241 refusals in one burst (the
   *   per-app backfill's marker drain). Fewer are left to the caller's retry: under the chaos run's
   *   storm (5 % of requests refused in Microsoft's concurrency words) a stray 429 lands in most
   *   batches of twenty, and reporting each teaches the app's scope a limit from noise.
   * - **Sequential:** one request at a time, stopped at the first refusal; a lone refusal among up
   *   to 20 requests is as likely the storm's noise as an overload. Reported only as a probe's answer:
   *   while the app's limit is tried again above the level Microsoft refused (its memory lapsed,
   *   learnt-limit.ts), and with more of the app's requests in flight than on this mailbox (the app is
   *   blamed, never the mailbox). Unreported, once the app's limit was learnt (every batch then
   *   sequential) and its memory lapsed an hour later, the probe's refusals never reached the pacer:
   *   the limit rose by one a minute while only markers ran, and the per-app backfill's 429s came
   *   back at the hour, 184 in all. Reported whenever the app ran elsewhere, the chaos run's delivery
   *   p95 went from 33 s to 186 s (one run each, a shared machine): its strays likely taught the app.
   * Either way the report is judged by the most of the app's requests in flight during the batch's
   * life, and the mailbox waits the inner `Retry-After`.
   */
  private heedInnerRefusals(
    mailbox: string,
    responses: BatchResponse[],
    admission: Admission,
    sequential: boolean,
  ): void {
    let refusals = 0;
    let pauseSeconds = 0;
    for (const r of responses) {
      if (r.status !== 429) continue;
      const message = (r.body as { error?: { message?: unknown } } | undefined)?.error?.message;
      if (!namesConcurrency(message)) continue;
      refusals++;
      const header = Object.entries(r.headers ?? {}).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
      const seconds = Number(header);
      if (Number.isFinite(seconds) && seconds > 0) pauseSeconds = Math.max(pauseSeconds, seconds);
    }
    const overload = sequential
      ? refusals > 0 &&
        admission.app !== undefined &&
        admission.appPeak > admission.mailboxInFlight &&
        this.pacer.appProbing(admission.app)
      : refusals >= Math.max(2, Math.ceil(responses.length / 4));
    if (!overload) return;
    this.pacer.concurrencyRefused({ ...admission, appInFlight: admission.appPeak });
    if (pauseSeconds) {
      this.pacer.pause(mailbox, pauseSeconds * 1000);
      graphRetryAfterSeconds.inc(pauseSeconds);
    }
  }

  /**
   * Writes the hidden marker on up to 20 messages in one `$batch` (idempotent: the same value twice
   * changes nothing). Returns each message id's status; `sequential` (see `batch`): 424 for those
   * left unrun after a failure.
   */
  async writeMarkers(
    token: string,
    mailbox: string,
    items: { id: string; value: string }[],
    opts: CallOptions & { sequential?: boolean } = {},
  ): Promise<Map<string, number>> {
    const responses = await this.batch(
      token,
      mailbox,
      items.map((m, i) => ({
        id: String(i),
        method: 'PATCH',
        url: `/users/${encodeURIComponent(mailbox)}/messages/${encodeURIComponent(m.id)}`,
        headers: { 'content-type': 'application/json', prefer: 'IdType="ImmutableId"' },
        body: { singleValueExtendedProperties: [{ id: MARKER_PROPERTY_ID, value: m.value }] },
      })),
      { ...opts, priority: opts.priority ?? 'low' },
    );
    const out = new Map<string, number>();
    for (const r of responses) {
      const item = items[Number(r.id)];
      if (item) out.set(item.id, r.status);
    }
    return out;
  }
}

export interface BatchRequest {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Ids of requests of the same batch that must succeed first (else this one is answered 424). */
  dependsOn?: string[];
}
export interface BatchResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}
