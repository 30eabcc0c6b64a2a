import { randomUUID } from 'node:crypto';
import type { MicrosoftSettings } from './settings.ts';

/** A Graph error answer: `{ error: { code, message, innerError: { request-id, date } } }`. */
export class GraphApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  constructor(status: number, code: string, message: string, requestId?: string, retryAfterSeconds?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A failure before Graph answered (DNS, refused, reset, timeout). */
export class GraphNetworkError extends Error {}

/**
 * GET a Graph v1.0 path with a bearer token. Immutable ids are asked for on every call (ids must not
 * change when Outlook rules move mail).
 */
export async function graphGet<T>(
  settings: MicrosoftSettings,
  token: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<T> {
  const url = path.startsWith('https://') ? path : `${settings.graphUrl}/v1.0${path}`;
  let res;
  try {
    res = await settings.http.fetch(url, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        prefer: 'IdType="ImmutableId"',
        'client-request-id': randomUUID(),
        ...headers,
      },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new GraphNetworkError(`Microsoft Graph could not be reached: ${(err as Error).message}`);
  }
  if (res.ok) return (await res.json()) as T;
  throw await readGraphError(res);
}

/** Reads a failed Graph response into a GraphApiError (code, message, request id, Retry-After). */
export async function readGraphError(res: {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}): Promise<GraphApiError> {
  const text = await res.text();
  let code = `HTTP${res.status}`;
  let message = text.slice(0, 300);
  let requestId = res.headers.get('request-id') ?? undefined;
  try {
    const body = JSON.parse(text) as {
      error?: { code?: string; message?: string; innerError?: Record<string, string> };
    };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
    requestId = body.error?.innerError?.['request-id'] ?? requestId;
  } catch {
    // Not JSON (a proxy's error page): keep the status and the start of the text.
  }
  const retryAfter = Number(res.headers.get('retry-after'));
  return new GraphApiError(
    res.status,
    code,
    message,
    requestId,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}

/** Follows `@odata.nextLink` to the end, counting items (for the directory size). */
export async function graphCount(
  settings: MicrosoftSettings,
  token: string,
  path: string,
  maxPages = 50,
): Promise<{ count: number; complete: boolean }> {
  let next: string | undefined = path;
  let count = 0;
  for (let page = 0; next && page < maxPages; page++) {
    const body: { value: unknown[]; '@odata.nextLink'?: string } = await graphGet(settings, token, next);
    count += body.value.length;
    next = body['@odata.nextLink'];
  }
  return { count, complete: !next };
}
