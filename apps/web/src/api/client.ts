import { CSRF_HEADER, api, type ErrorCode, type SessionInfo } from '@mailroom/contracts';
import { currentLocale } from '../i18n/index.ts';

/** A failed API call, carrying the stable error code and field-level details of the contract. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'network_error' | 'unknown';
  readonly details: { path: string; message: string }[];
  readonly requestId: string | undefined;

  constructor(
    status: number,
    code: ApiError['code'],
    message: string,
    details: { path: string; message: string }[] = [],
    requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.requestId = requestId;
  }

  /** True when the caller must sign in (again). */
  get needsSignIn(): boolean {
    return this.status === 401 && (this.code === 'session_expired' || this.code === 'unauthenticated');
  }

  /** Field errors keyed by the last segment of their path ("body.name" → "name"). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.details) {
      const key = d.path.split(/[./]/).filter(Boolean).pop() ?? d.path;
      out[key] ??= d.message;
    }
    return out;
  }
}

let csrfToken = '';

/** Remembered from every session read; sent back on every state-changing request. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

async function send(
  method: Method,
  path: string,
  body: unknown,
  extra: Record<string, string> = {},
): Promise<Response> {
  // The server words its messages in the language the app shows (before sign-in; after, in the
  // profile's, which the app follows): decision 0019.
  const headers: Record<string, string> = {
    accept: 'application/json',
    'accept-language': currentLocale(),
    ...extra,
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers[CSRF_HEADER] = csrfToken;
  return fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function toError(res: Response): Promise<ApiError> {
  try {
    const json = (await res.json()) as {
      error?: {
        code?: ErrorCode;
        message?: string;
        details?: { path: string; message: string }[];
        requestId?: string;
      };
    };
    if (json.error?.code) {
      return new ApiError(
        res.status,
        json.error.code,
        json.error.message ?? res.statusText,
        json.error.details,
        json.error.requestId,
      );
    }
  } catch {
    // Not JSON (a proxy error page, for instance): fall through.
  }
  return new ApiError(
    res.status,
    res.status === 503 ? 'service_unavailable' : 'unknown',
    res.statusText || `HTTP ${res.status}`,
  );
}

/** Reads the session (and with it a fresh CSRF token). */
export async function fetchSession(): Promise<SessionInfo> {
  const session = await request<SessionInfo>('GET', api.session);
  setCsrfToken(session.csrfToken);
  return session;
}

/**
 * One JSON request to the API. A `csrf_failed` answer (token rotated under us) is retried once
 * with the token of a fresh session read.
 */
export async function request<T>(
  method: Method,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<T> {
  let res: Response;
  try {
    res = await send(method, path, body, headers);
    if (res.status === 403 && method !== 'GET') {
      const err = await toError(res.clone());
      if (err.code === 'csrf_failed') {
        await fetchSession();
        res = await send(method, path, body, headers);
      }
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(0, 'network_error', e instanceof Error ? e.message : String(e));
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const http = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  /**
   * A creation sent with an `Idempotency-Key`: the caller keeps one key per form (a dialog's opening),
   * so a double click or a retry gives the thing the first request created, not a second one.
   */
  create: <T>(path: string, body: unknown, idempotencyKey: string) =>
    request<T>('POST', path, body, { 'idempotency-key': idempotencyKey }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  delete: <T = void>(path: string) => request<T>('DELETE', path),
};
