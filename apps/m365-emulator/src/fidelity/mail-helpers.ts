import {
  AuthenticationHandler,
  Client,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
  type GraphError,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import type { Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { caHttpMessageHandler } from '../testing/graph-client.ts';
import { mailroomMsal, msalApp, signInWithMsal } from './helpers.ts';

const C = DEMO.contoso;

/** An unchanged Graph client (default middleware; only the final HTTP handler trusts the CA). Retries off unless asked. */
export function graphClient(emu: Emulator, token: string, opts: { retries?: number } = {}): Client {
  const auth = new AuthenticationHandler({ getAccessToken: async () => token });
  const chain: Middleware[] = [auth];
  if (opts.retries) chain.push(new RetryHandler(new RetryHandlerOptions(0, opts.retries)));
  chain.push(new TelemetryHandler(), caHttpMessageHandler(emu.caPem));
  for (let i = 0; i < chain.length - 1; i++) chain[i]!.setNext!(chain[i + 1]!);
  return Client.initWithMiddleware({
    middleware: auth,
    baseUrl: `${emu.url}/`,
    customHosts: new Set([new URL(emu.url).hostname]),
  });
}

export async function mailroomAppToken(emu: Emulator): Promise<string> {
  await emu.control.grantConsent(C.tenantId, DEMO.mailroomApp.clientId);
  return (await msalApp(
    emu,
    { clientId: DEMO.mailroomApp.clientId, clientSecret: DEMO.mailroomApp.clientSecret },
    C.tenantId,
  ).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))!.accessToken;
}

export async function customerAppToken(emu: Emulator): Promise<string> {
  return (await msalApp(
    emu,
    { clientId: DEMO.customerApp.clientId, clientSecret: DEMO.customerApp.clientSecret },
    C.tenantId,
  ).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))!.accessToken;
}

export async function delegatedToken(emu: Emulator, username: string, scopes: string[]): Promise<string> {
  return (
    await signInWithMsal(emu, mailroomMsal(emu), {
      username,
      password: C.password,
      scopes,
      consentForOrganization: username === C.admin,
    })
  ).accessToken;
}

export const IMMUTABLE = { Prefer: 'IdType="ImmutableId"' };

/** The GraphError a Graph call fails with; a call that succeeds fails the test. */
export const fail = (p: Promise<unknown>): Promise<GraphError> =>
  p.then(
    () => {
      throw new Error('expected a GraphError');
    },
    (e: unknown) => e as GraphError,
  );
