import type { Ctx } from '../http/context.ts';
import { graphDate } from '../util/clock.ts';

/** A Microsoft Graph failure: `{"error":{"code","message","innerError":{date, request-id, client-request-id}}}`. */
export class GraphHttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

const DIAGNOSTIC = JSON.stringify({
  ServerInfo: {
    DataCenter: 'Emulator',
    Slice: 'E',
    Ring: '0',
    ScaleUnit: '000',
    RoleInstance: 'EMU0',
    ADSiteName: 'EMU',
  },
});

/** Headers Graph sets on every response. */
export function graphHeaders(ctx: Ctx): Record<string, string> {
  const h: Record<string, string> = {
    'request-id': ctx.requestId,
    'x-ms-ags-diagnostic': DIAGNOSTIC,
  };
  h['client-request-id'] = ctx.header('client-request-id') ?? ctx.requestId;
  return h;
}

export function sendGraphError(ctx: Ctx, e: GraphHttpError, nowMs: number): void {
  const h = graphHeaders(ctx);
  ctx.sendJson(
    e.status,
    {
      error: {
        code: e.code,
        message: e.message,
        innerError: {
          date: graphDate(nowMs),
          'request-id': ctx.requestId,
          'client-request-id': h['client-request-id'],
        },
      },
    },
    { ...h, ...e.headers },
  );
}

export const GraphErrors = {
  noToken: () => new GraphHttpError(401, 'InvalidAuthenticationToken', 'Access token is empty.', wwwAuth()),
  malformedToken: () =>
    new GraphHttpError(
      401,
      'InvalidAuthenticationToken',
      'CompactToken parsing failed with error code: 80049217',
      wwwAuth(),
    ),
  badSignature: () =>
    new GraphHttpError(401, 'InvalidAuthenticationToken', 'Access token validation failure.', wwwAuth()),
  expired: () =>
    new GraphHttpError(
      401,
      'InvalidAuthenticationToken',
      'Access token has expired or is not yet valid.',
      wwwAuth(),
    ),
  badAudience: () =>
    new GraphHttpError(
      401,
      'InvalidAuthenticationToken',
      'Access token validation failure. Invalid audience.',
      wwwAuth(),
    ),
  meWithAppToken: () =>
    new GraphHttpError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.'),
  directoryDenied: () =>
    new GraphHttpError(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    ),
  accessDenied: () =>
    new GraphHttpError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.'),
  odataDisabled: () => new GraphHttpError(403, 'ErrorAccessDenied', 'Access to OData is disabled.'),
  userNotFound: (id: string) =>
    new GraphHttpError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    ),
  mailboxNotEnabled: () =>
    new GraphHttpError(
      404,
      'MailboxNotEnabledForRESTAPI',
      'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
    ),
  unsupportedQuery: (msg: string) => new GraphHttpError(400, 'Request_UnsupportedQuery', msg),
  badRequest: (msg: string) => new GraphHttpError(400, 'BadRequest', msg),
  segmentNotFound: (seg: string) =>
    new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${seg}'.`),
};

function wwwAuth(): Record<string, string> {
  return {
    'www-authenticate':
      'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
  };
}
