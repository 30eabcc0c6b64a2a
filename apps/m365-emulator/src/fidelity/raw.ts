import { createHash, randomBytes } from 'node:crypto';
import type { Emulator } from '../emulator.ts';
import { createCaFetch } from '../testing/fetch.ts';
import { EntraBrowser, type SignInOptions } from '../testing/browser.ts';
import { DEMO } from '../seed/demo.ts';

/** Plain-HTTP helpers to check the emulator's wire format exactly (no client library in between). */
export function rawClient(emu: Emulator) {
  const f = createCaFetch(emu.caPem);
  return {
    fetch: f,
    /** POSTs a token request; returns status, headers and parsed JSON body. */
    async token(tenant: string, form: Record<string, string>, headers: Record<string, string> = {}) {
      const res = await f(`${emu.url}/${tenant}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(form).toString(),
      });
      return {
        status: res.status,
        headers: res.headers,
        body: (await res.json()) as Record<string, unknown>,
      };
    },
  };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeParams {
  tenant?: string;
  clientId?: string;
  redirectUri?: string;
  scope?: string;
  challenge?: string;
  method?: string;
  state?: string;
  nonce?: string;
  prompt?: string;
  loginHint?: string;
  responseMode?: string;
}

export function authorizeUrl(emu: Emulator, p: AuthorizeParams = {}): string {
  const q = new URLSearchParams({
    client_id: p.clientId ?? DEMO.mailroomApp.clientId,
    response_type: 'code',
    redirect_uri: p.redirectUri ?? DEMO.mailroomApp.redirectUri,
    scope: p.scope ?? 'openid profile offline_access User.Read',
    state: p.state ?? 'st-1',
  });
  if (p.challenge) q.set('code_challenge', p.challenge);
  if (p.method) q.set('code_challenge_method', p.method);
  if (p.nonce) q.set('nonce', p.nonce);
  if (p.prompt) q.set('prompt', p.prompt);
  if (p.loginHint) q.set('login_hint', p.loginHint);
  if (p.responseMode) q.set('response_mode', p.responseMode);
  return `${emu.url}/${p.tenant ?? 'organizations'}/oauth2/v2.0/authorize?${q}`;
}

/** Signs in through the pages and returns the authorization code. */
export async function getCode(
  emu: Emulator,
  p: AuthorizeParams & SignInOptions & { browser?: EntraBrowser },
): Promise<string> {
  const browser = p.browser ?? new EntraBrowser(emu.caPem);
  const back = await browser.signIn(authorizeUrl(emu, p), p);
  const code = back.params.get('code');
  if (!code) throw new Error(`no code: ${back.params}`);
  return code;
}

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/;

/** Asserts Entra's token error wire shape for one AADSTS code. */
export function expectAadError(
  expect: (v: unknown) => {
    toBe(x: unknown): void;
    toEqual(x: unknown): void;
    toMatch(x: RegExp): void;
    toBeUndefined(): void;
  },
  res: { status: number; body: Record<string, unknown> },
  want: {
    status: number;
    error: string;
    code: number;
    suberror?: string;
    correlationId?: string;
    message?: RegExp;
  },
): void {
  const b = res.body;
  expect(res.status).toBe(want.status);
  expect(b.error).toBe(want.error);
  expect(b.error_codes).toEqual([want.code]);
  expect(b.error_description).toMatch(
    new RegExp(
      `^AADSTS${want.code}: .+\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: [0-9a-f-]{36}\\r\\nTimestamp: \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}Z$`,
      's',
    ),
  );
  if (want.message) expect(b.error_description).toMatch(want.message);
  expect(b.timestamp).toMatch(TIMESTAMP);
  expect(b.trace_id).toMatch(GUID);
  expect(b.correlation_id).toMatch(GUID);
  if (want.correlationId) expect(b.correlation_id).toBe(want.correlationId);
  expect(b.error_uri).toBe(`https://login.microsoftonline.com/error?code=${want.code}`);
  if (want.suberror) expect(b.suberror).toBe(want.suberror);
  else expect(b.suberror).toBeUndefined();
  expect(Object.keys(b).slice(0, 7)).toEqual([
    'error',
    'error_description',
    'error_codes',
    'timestamp',
    'trace_id',
    'correlation_id',
    'error_uri',
  ]);
}
