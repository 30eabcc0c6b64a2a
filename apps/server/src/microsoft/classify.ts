import type { ProblemCause } from '@mailroom/contracts';
import { withoutQuery } from '../lib/errors.ts';
import { VaultError } from '../security/vault.ts';
import { GraphApiError, GraphNetworkError } from './graph.ts';

/**
 * Every Entra ID and Graph failure becomes one of two things: *transient* (retry quietly: throttling,
 * 5xx, timeouts, network) or a named *cause* the user can act on. This is the only place that reads
 * Microsoft's error codes.
 */
export type Classified =
  | { kind: 'transient'; detail: string; retryAfterSeconds?: number | undefined }
  | { kind: 'problem'; cause: ProblemCause; detail: string };

/** AADSTS number → cause. */
const aadsts: Record<number, ProblemCause> = {
  50057: 'user_disabled',
  50034: 'user_deleted',
  50173: 'signin_revoked',
  700082: 'refresh_token_expired',
  70008: 'refresh_token_expired',
  700084: 'refresh_token_expired',
  9002313: 'refresh_token_expired', // the refresh token is not known at all any more
  65001: 'consent_withdrawn',
  700016: 'consent_withdrawn',
  500011: 'consent_withdrawn',
  7000215: 'secret_invalid',
  7000218: 'secret_invalid',
  7000222: 'secret_expired',
  700027: 'certificate_invalid',
  700024: 'certificate_invalid',
  50027: 'certificate_invalid',
  90002: 'tenant_not_found',
};

/** Entra answers that mean "try again later". */
const transientEntra = new Set([
  'temporarily_unavailable',
  'server_error',
  'network_error',
  'invalid_response',
  'request_timeout',
]);

interface EntraLike {
  errorCode?: string;
  errorMessage?: string;
  subError?: string;
  errorNo?: string;
  status?: number;
  message?: string;
}

function aadstsNumber(e: EntraLike): number | undefined {
  if (e.errorNo && /^\d+$/.test(e.errorNo)) return Number(e.errorNo);
  const m = /AADSTS(\d+)/.exec(`${e.errorMessage ?? ''} ${e.message ?? ''}`);
  return m ? Number(m[1]) : undefined;
}

/** Microsoft's words for the detail: the code and the first line of the message, no trace ids. */
function entraDetail(e: EntraLike, n: number | undefined): string {
  const msg = (e.errorMessage ?? e.message ?? '').split(/\r?\n|Trace ID:/)[0]!.trim();
  return n ? (msg.includes(`AADSTS${n}`) ? msg : `AADSTS${n}: ${msg}`) : `${e.errorCode ?? 'error'}: ${msg}`;
}

export function classify(failure: unknown): Classified {
  // A failed query (the token broker's, say) is told without its statement and parameters: the detail
  // is logged and stored as the connector's or the run's last error.
  const err = withoutQuery(failure);
  if (err instanceof GraphNetworkError) return { kind: 'transient', detail: err.message };
  // Not Microsoft's answer, but no retry brings it back either: a stored secret that the configured
  // keys do not open (another key under the same id, a tampered row). Connecting again replaces it.
  if (err instanceof VaultError)
    return { kind: 'problem', cause: 'credential_unreadable', detail: err.message };
  if (err instanceof GraphApiError) return classifyGraph(err);
  const e = (err ?? {}) as EntraLike;
  const n = aadstsNumber(e);
  if (n !== undefined && aadsts[n]) return { kind: 'problem', cause: aadsts[n], detail: entraDetail(e, n) };
  if ((e.status ?? 0) >= 500 || (e.status ?? 0) === 429 || transientEntra.has(e.errorCode ?? '')) {
    return { kind: 'transient', detail: entraDetail(e, n) };
  }
  // Any other invalid_client is a credential the tenant does not accept.
  if (e.errorCode === 'invalid_client')
    return { kind: 'problem', cause: 'secret_invalid', detail: entraDetail(e, n) };
  if (e.errorCode === 'invalid_grant' || e.errorCode === 'interaction_required') {
    return { kind: 'problem', cause: 'refresh_token_expired', detail: entraDetail(e, n) };
  }
  // An exception with no Entra fields at all is a bug or a network failure below MSAL.
  if (!e.errorCode && !n) return { kind: 'transient', detail: (err as Error)?.message ?? String(err) };
  return { kind: 'problem', cause: 'unknown', detail: entraDetail(e, n) };
}

function classifyGraph(e: GraphApiError): Classified {
  const detail = `${e.code}: ${e.message}${e.requestId ? ` (request-id ${e.requestId})` : ''}`;
  if (e.status === 429 || e.status >= 500 || e.status === 408)
    return { kind: 'transient', detail, retryAfterSeconds: e.retryAfterSeconds };
  // An expired or rejected access token: the next call gets a new one. Not a cause on its own.
  if (e.status === 401) return { kind: 'transient', detail };
  const code = e.code.toLowerCase();
  if (/access to odata is disabled/i.test(e.message))
    return { kind: 'problem', cause: 'mailbox_blocked_by_policy', detail };
  // No Exchange Online mailbox (any more): unlicensed, soft-deleted, on-premises, or the user is gone.
  if (code === 'mailboxnotenabledforrestapi' || code === 'errorinvaliduser')
    return { kind: 'problem', cause: 'mailbox_not_enabled', detail };
  if (code === 'erroraccessdenied') return { kind: 'problem', cause: 'mailbox_no_rights', detail };
  if (code === 'authorization_requestdenied') return { kind: 'problem', cause: 'consent_withdrawn', detail };
  return { kind: 'problem', cause: 'unknown', detail };
}

/**
 * A failure during sync that may mean the connection's access is gone, worth a health probe at once
 * (issue 19 §4): Entra refusing a token (invalid_grant, an AADSTS cause), or Graph answering 401 or
 * 403. Throttling, 5xx and network trouble are not: a storm of them must not turn into a probe storm.
 */
export function isAccessSignal(failure: unknown): boolean {
  const err = withoutQuery(failure);
  if (err instanceof GraphNetworkError || err instanceof VaultError) return false;
  if (err instanceof GraphApiError) return err.status === 401 || err.status === 403;
  return classify(err).kind === 'problem';
}
