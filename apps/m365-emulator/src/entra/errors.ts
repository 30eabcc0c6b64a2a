import { aadTimestamp } from '../util/clock.ts';
import { newGuid } from '../util/ids.ts';

/** An Entra ID (AADSTS) failure, answered with Microsoft's token-endpoint wire shape. */
export class AadstsError extends Error {
  readonly status: number;
  readonly error: string;
  readonly code: number;
  readonly suberror: string | undefined;

  constructor(status: number, error: string, code: number, message: string, suberror?: string) {
    super(message);
    this.status = status;
    this.error = error;
    this.code = code;
    this.suberror = suberror;
  }

  /** `AADSTSnnnn: message` (without the trace lines). */
  get aadstsMessage(): string {
    return `AADSTS${this.code}: ${this.message}`;
  }
}

export interface AadErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
}

/** The JSON body Entra returns for a failed token request (field order as on the wire). */
export function aadErrorBody(
  e: AadstsError,
  correlationId: string,
  nowMs: number,
  traceId = newGuid(),
): AadErrorBody {
  const ts = aadTimestamp(nowMs);
  const body: AadErrorBody = {
    error: e.error,
    error_description: `${e.aadstsMessage}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${ts}`,
    error_codes: [e.code],
    timestamp: ts,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${e.code}`,
  };
  if (e.suberror) body.suberror = e.suberror;
  return body;
}

/** .NET TimeSpan format Entra uses in AADSTS700082 ("90.00:00:00"). */
export function timeSpan(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const rest = seconds % 86400;
  const hh = String(Math.floor(rest / 3600)).padStart(2, '0');
  const mm = String(Math.floor((rest % 3600) / 60)).padStart(2, '0');
  const ss = String(Math.floor(rest % 60)).padStart(2, '0');
  return d > 0 ? `${d}.${hh}:${mm}:${ss}` : `${hh}:${mm}:${ss}`;
}

/** The failures the emulator produces, with Microsoft's codes and messages. */
export const Aadsts = {
  tenantNotFound: (t: string) =>
    new AadstsError(
      400,
      'invalid_request',
      90002,
      `Tenant '${t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  appNotFound: (appId: string, tenantName: string) =>
    new AadstsError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${appId}' was not found in the directory '${tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  notMultiTenant: (appId: string, name: string) =>
    new AadstsError(
      400,
      'invalid_request',
      50194,
      `Application '${appId}'(${name}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`,
    ),
  grantOnCommon: () =>
    new AadstsError(
      400,
      'invalid_request',
      9001023,
      'The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.',
    ),
  missingCredential: () =>
    new AadstsError(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
  publicClientCredential: () =>
    new AadstsError(
      401,
      'invalid_client',
      700025,
      "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    ),
  wrongSecret: (appId: string) =>
    new AadstsError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
    ),
  expiredSecret: (appId: string) =>
    new AadstsError(
      401,
      'invalid_client',
      7000222,
      `The provided client secret keys for app '${appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    ),
  assertionKeyNotFound: (appId: string, thumb: string) =>
    new AadstsError(
      401,
      'invalid_client',
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumb}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${appId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/${appId}']`,
    ),
  assertionSignature: () =>
    new AadstsError(401, 'invalid_client', 700027, 'Client assertion failed signature validation.'),
  assertionTime: () =>
    new AadstsError(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.'),
  assertionInvalid: (why: string) =>
    new AadstsError(401, 'invalid_client', 50027, `JWT token is invalid or malformed. ${why}`),
  malformed: () =>
    new AadstsError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.'),
  missingParam: (name: string) =>
    new AadstsError(
      400,
      'invalid_request',
      900144,
      `The request body must contain the following parameter: '${name}'.`,
    ),
  unsupportedGrant: (g: string) =>
    new AadstsError(
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${g}'.`,
    ),
  codeExpired: () =>
    new AadstsError(
      400,
      'invalid_grant',
      70008,
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
    ),
  codeRedeemed: () =>
    new AadstsError(
      400,
      'invalid_grant',
      54005,
      'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
    ),
  pkceMismatch: () =>
    new AadstsError(
      400,
      'invalid_grant',
      501481,
      'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
    ),
  replyMismatch: (got: string, want: string) =>
    new AadstsError(
      400,
      'invalid_grant',
      500112,
      `The reply address '${got}' does not match the reply address '${want}' provided when requesting Authorization code.`,
    ),
  redirectNotRegistered: (uri: string, appId: string) =>
    new AadstsError(
      400,
      'invalid_request',
      50011,
      `The redirect URI '${uri}' specified in the request does not match the redirect URIs configured for the application '${appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
    ),
  grantClientMismatch: () =>
    new AadstsError(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.'),
  revoked: (issuedMs: string, validFrom: string) =>
    new AadstsError(
      400,
      'invalid_grant',
      50173,
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${issuedMs}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${validFrom}'.`,
    ),
  refreshIdle: (issued: string, idle: string) =>
    new AadstsError(
      400,
      'invalid_grant',
      700082,
      `The refresh token has expired due to inactivity. The token was issued on ${issued} and was inactive for ${idle}.`,
      'bad_token',
    ),
  consentRequired: (appId: string, name: string) =>
    new AadstsError(
      400,
      'invalid_grant',
      65001,
      `The user or administrator has not consented to use the application with ID '${appId}' named '${name}'. Send an interactive authorization request for this user and resource.`,
      'consent_required',
    ),
  wrongPassword: () =>
    new AadstsError(
      400,
      'invalid_grant',
      50126,
      'Error validating credentials due to invalid username or password.',
    ),
  userDisabled: () => new AadstsError(400, 'invalid_grant', 50057, 'The user account is disabled.'),
  userNotFound: (tenantName: string) =>
    new AadstsError(
      400,
      'invalid_grant',
      50034,
      `The user account {EUII Hidden} does not exist in the ${tenantName} directory. To sign into this application, the account must be added to the directory.`,
    ),
  userNotInTenant: (upn: string, tenantName: string, appId: string, appName: string) =>
    new AadstsError(
      400,
      'invalid_grant',
      50020,
      `User account '${upn}' from identity provider 'live.com' does not exist in tenant '${tenantName}' and cannot access the application '${appId}'(${appName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
    ),
  invalidScope: (scope: string) =>
    new AadstsError(
      400,
      'invalid_scope',
      70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
    ),
  clientCredentialsScope: (scope: string) =>
    new AadstsError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  multipleResources: () =>
    new AadstsError(
      400,
      'invalid_request',
      28000,
      'Provided value for the input parameter scope is not valid because it contains more than one resource. Scope openid profile offline_access is not valid.',
    ),
  resourceNotFound: (res: string, tenantName: string) =>
    new AadstsError(
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${res} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
  noSession: () =>
    new AadstsError(
      400,
      'login_required',
      50058,
      'A silent sign-in request was sent but no user is signed in.',
    ),
  declined: () => new AadstsError(400, 'access_denied', 65004, 'User declined to consent to access the app.'),
  needAdminApproval: (appName: string) =>
    new AadstsError(
      400,
      'access_denied',
      90094,
      `The grant requires admin permission. ${appName} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.`,
    ),
  unsupportedResponseType: (t: string) =>
    new AadstsError(
      400,
      'unsupported_response_type',
      700054,
      `response_type '${t}' is not enabled for the application.`,
    ),
};
