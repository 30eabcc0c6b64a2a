import { describe, expect, it } from 'vitest';
import { classify, isAccessSignal } from './classify.ts';
import { GraphApiError, GraphNetworkError } from './graph.ts';
import { VaultError } from '../security/vault.ts';

const entra = (errorCode: string, errorNo: string, message: string, subError = '') => ({
  errorCode,
  errorNo,
  errorMessage: message,
  subError,
});

describe('classify', () => {
  it('names the Entra causes by AADSTS number', () => {
    const cases: [object, string][] = [
      [entra('invalid_grant', '50057', 'AADSTS50057: The user account is disabled.'), 'user_disabled'],
      [
        entra('invalid_grant', '50034', 'AADSTS50034: The user account {EUII Hidden} does not exist'),
        'user_deleted',
      ],
      [
        entra(
          'invalid_grant',
          '50173',
          'AADSTS50173: The provided grant has expired due to it being revoked',
        ),
        'signin_revoked',
      ],
      [
        entra(
          'invalid_grant',
          '700082',
          'AADSTS700082: The refresh token has expired due to inactivity.',
          'bad_token',
        ),
        'refresh_token_expired',
      ],
      [
        entra('invalid_grant', '65001', 'AADSTS65001: not consented', 'consent_required'),
        'consent_withdrawn',
      ],
      [entra('unauthorized_client', '700016', 'AADSTS700016: Application not found'), 'consent_withdrawn'],
      [
        entra('invalid_client', '7000215', 'AADSTS7000215: Invalid client secret provided.'),
        'secret_invalid',
      ],
      [
        entra('invalid_client', '7000222', 'AADSTS7000222: The provided client secret keys are expired.'),
        'secret_expired',
      ],
      [entra('invalid_client', '700027', 'AADSTS700027: certificate not registered'), 'certificate_invalid'],
    ];
    for (const [err, cause] of cases) expect(classify(err)).toMatchObject({ kind: 'problem', cause });
    // The number is also found in the message when errorNo is absent.
    expect(
      classify({ errorCode: 'invalid_grant', errorMessage: 'AADSTS50173: revoked\r\nTrace ID: x' }),
    ).toEqual({
      kind: 'problem',
      cause: 'signin_revoked',
      detail: 'AADSTS50173: revoked',
    });
  });

  it('treats throttling, 5xx, 401 and the network as transient', () => {
    expect(classify(new GraphApiError(429, 'ApplicationThrottled', 'MailboxConcurrency', 'r', 2))).toEqual({
      kind: 'transient',
      detail: 'ApplicationThrottled: MailboxConcurrency (request-id r)',
      retryAfterSeconds: 2,
    });
    expect(classify(new GraphApiError(503, 'ServiceUnavailable', 'busy')).kind).toBe('transient');
    expect(classify(new GraphApiError(401, 'InvalidAuthenticationToken', 'expired')).kind).toBe('transient');
    expect(classify(new GraphNetworkError('ECONNRESET')).kind).toBe('transient');
    expect(classify({ errorCode: 'temporarily_unavailable', errorMessage: 'later' }).kind).toBe('transient');
    expect(classify(new TypeError('fetch failed')).kind).toBe('transient');
  });

  it('names a stored secret that does not decrypt, instead of calling it transient', () => {
    const err = new VaultError(
      "the stored client secret cannot be decrypted with this server's encryption keys",
    );
    expect(classify(err)).toEqual({ kind: 'problem', cause: 'credential_unreadable', detail: err.message });
  });

  it('names mailbox-level Graph causes', () => {
    expect(
      classify(new GraphApiError(403, 'ErrorAccessDenied', 'Access to OData is disabled.')),
    ).toMatchObject({ cause: 'mailbox_blocked_by_policy' });
    expect(
      classify(
        new GraphApiError(
          403,
          'ExtensionError',
          'Operation: Create; Exception: [Status Code: Forbidden; Reason: Access to OData is disabled.]',
        ),
      ),
    ).toMatchObject({ cause: 'mailbox_blocked_by_policy' });
    expect(
      classify(
        new GraphApiError(
          404,
          'MailboxNotEnabledForRESTAPI',
          'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
        ),
      ),
    ).toMatchObject({ cause: 'mailbox_not_enabled' });
    expect(
      classify(
        new GraphApiError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.'),
      ),
    ).toMatchObject({ cause: 'mailbox_no_rights' });
  });
});

describe('isAccessSignal', () => {
  const graph = (status: number, code: string) => new GraphApiError(status, code, 'msg');
  it('a refused token, a 401 or a 403 is a signal', () => {
    expect(
      isAccessSignal(entra('invalid_grant', '50057', 'AADSTS50057: The user account is disabled.')),
    ).toBe(true);
    expect(isAccessSignal(graph(401, 'InvalidAuthenticationToken'))).toBe(true);
    expect(isAccessSignal(graph(403, 'ErrorAccessDenied'))).toBe(true);
  });
  it('throttling, outages and the network are not', () => {
    expect(isAccessSignal(graph(429, 'ApplicationThrottled'))).toBe(false);
    expect(isAccessSignal(graph(503, 'ServiceUnavailable'))).toBe(false);
    expect(isAccessSignal(new GraphNetworkError('socket hang up'))).toBe(false);
    expect(isAccessSignal(entra('temporarily_unavailable', '', 'try later'))).toBe(false);
    expect(isAccessSignal(graph(404, 'ErrorItemNotFound'))).toBe(false);
  });
});
