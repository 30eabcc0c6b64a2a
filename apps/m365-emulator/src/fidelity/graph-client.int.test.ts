import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationHandler,
  Client,
  GraphError,
  PageIterator,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
  type PageCollection,
} from '@microsoft/microsoft-graph-client';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { caHttpMessageHandler } from '../testing/graph-client.ts';
import { mailroomMsal, msalApp, signInWithMsal } from './helpers.ts';

const C = DEMO.contoso;
const M = DEMO.mailroomApp;

describe('@microsoft/microsoft-graph-client against the emulator', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await createEmulator();
    await emu.control.grantConsent(C.tenantId, M.clientId); // Mailroom admin-consented in Contoso
  });
  afterAll(() => emu.close());

  /** An unchanged Graph client: default middleware, with only the final HTTP handler trusting the CA. */
  const graph = (token: string) => {
    const auth = new AuthenticationHandler({ getAccessToken: async () => token });
    const retry = new RetryHandler(new RetryHandlerOptions());
    const telemetry = new TelemetryHandler();
    auth.setNext(retry);
    retry.setNext(telemetry);
    telemetry.setNext(caHttpMessageHandler(emu.caPem));
    return Client.initWithMiddleware({
      middleware: auth,
      baseUrl: `${emu.url}/`,
      customHosts: new Set([new URL(emu.url).hostname]),
    });
  };
  const appToken = async (clientId: string, secret: string) =>
    (await msalApp(emu, { clientId, clientSecret: secret }, C.tenantId).acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    }))!.accessToken;
  const userToken = async (username: string, scopes: string[]) =>
    (await signInWithMsal(emu, mailroomMsal(emu), { username, password: C.password, scopes })).accessToken;

  it('GET /me with a delegated token', async () => {
    const me = (await graph(await userToken(C.handlers[0], ['User.Read']))
      .api('/me')
      .get()) as Record<string, unknown>;
    expect(me).toMatchObject({
      userPrincipalName: C.handlers[0],
      displayName: 'Alex Wilber',
      mail: C.handlers[0],
      jobTitle: 'Claims Handler',
    });
    expect(me['@odata.context']).toBe(`${emu.url}/v1.0/$metadata#users/$entity`);
    expect(Object.keys(me)).toEqual(
      expect.arrayContaining([
        'businessPhones',
        'givenName',
        'surname',
        'id',
        'officeLocation',
        'preferredLanguage',
        'mobilePhone',
      ]),
    );
  });

  it('GET /me with an app-only token → 400 BadRequest as a GraphError with code and request id', async () => {
    const err = (await graph(await appToken(M.clientId, M.clientSecret))
      .api('/me')
      .get()
      .catch((e: unknown) => e)) as GraphError;
    expect(err).toBeInstanceOf(GraphError);
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('BadRequest');
    expect(err.message).toBe('/me request is only valid with delegated authentication flow.');
    expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(err.date).toBeInstanceOf(Date);
  });

  it('pages through /users with PageIterator ($top, @odata.nextLink) and counts the Graph calls', async () => {
    const client = graph(await appToken(M.clientId, M.clientSecret));
    const since = emu.state.log.lastSeq();
    const first = (await client
      .api('/users')
      .top(2)
      .select('id,displayName,userPrincipalName')
      .get()) as PageCollection;
    expect(first['@odata.nextLink']).toMatch(new RegExp(`^${emu.url}/v1\\.0/users\\?\\$skiptoken=`));
    const seen: string[] = [];
    const it = new PageIterator(client, first, (u: { userPrincipalName: string; displayName: string }) => {
      expect(Object.keys(u).sort()).toEqual(['displayName', 'id', 'userPrincipalName']);
      seen.push(u.userPrincipalName);
      return true;
    });
    await it.iterate();
    const expected = emu.state.dir.listUsers(C.tenantId).map((u) => u.userPrincipalName);
    expect(seen).toEqual(expected);
    const graphCalls = (await emu.control.requests({ since, area: 'graph' })).length;
    expect(graphCalls).toBe(Math.ceil(expected.length / 2));
  });

  it('$filter on mail / userPrincipalName / startswith, and $search with ConsistencyLevel', async () => {
    const client = graph(await appToken(M.clientId, M.clientSecret));
    const byMail = (await client.api('/users').filter(`mail eq '${C.sharedMailboxes[0]}'`).get()) as {
      value: { userPrincipalName: string }[];
    };
    expect(byMail.value.map((u) => u.userPrincipalName)).toEqual([C.sharedMailboxes[0]]);
    const byUpn = (await client
      .api('/users')
      .filter(`userPrincipalName eq '${C.admin.toUpperCase()}'`)
      .get()) as { value: unknown[] };
    expect(byUpn.value).toHaveLength(1);
    const starts = (await client
      .api('/users')
      .filter("startswith(displayName,'l') or startswith(mail,'prod')")
      .select('displayName')
      .get()) as { value: { displayName: string }[] };
    expect(starts.value.map((u) => u.displayName).sort()).toEqual(['Lynne Robbins', 'Production']);
    const searched = (await client
      .api('/users')
      .header('ConsistencyLevel', 'eventual')
      .search('"displayName:claims"')
      .count(true)
      .get()) as { value: { displayName: string }[]; '@odata.count': number };
    expect(searched.value.map((u) => u.displayName)).toEqual(['Claims']);
    expect(searched['@odata.count']).toBe(1);
    const err = (await client
      .api('/users')
      .search('"displayName:claims"')
      .get()
      .catch((e: unknown) => e)) as GraphError;
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('Request_UnsupportedQuery');
  });

  it('403 (missing permission) and 404 (unknown user) arrive as GraphError with code and request id', async () => {
    const delegated = graph(await userToken(C.handlers[1], ['User.Read']));
    const denied = (await delegated
      .api('/users')
      .get()
      .catch((e: unknown) => e)) as GraphError;
    expect(denied).toBeInstanceOf(GraphError);
    expect(denied.statusCode).toBe(403);
    expect(denied.code).toBe('Authorization_RequestDenied');
    expect(denied.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const app = graph(await appToken(M.clientId, M.clientSecret));
    const missing = (await app
      .api('/users/nobody@contoso-insurance.com')
      .get()
      .catch((e: unknown) => e)) as GraphError;
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('Request_ResourceNotFound');
    expect(missing.requestId).toBe((missing.headers as Headers | undefined)?.get('request-id'));
  });

  it('mailboxSettings tells shared mailboxes apart; access policies, FullAccess and missing mailboxes are enforced', async () => {
    const mailroom = graph(await appToken(M.clientId, M.clientSecret));
    const claims = (await mailroom.api(`/users/${C.sharedMailboxes[0]}/mailboxSettings`).get()) as {
      userPurpose: string;
    };
    expect(claims.userPurpose).toBe('shared');
    expect(
      ((await mailroom.api(`/users/${C.room}/mailboxSettings`).get()) as { userPurpose: string }).userPurpose,
    ).toBe('room');
    const noMailbox = (await mailroom
      .api(`/users/${C.noMailboxUser}/mailboxSettings`)
      .get()
      .catch((e: unknown) => e)) as GraphError;
    expect([noMailbox.statusCode, noMailbox.code]).toEqual([404, 'MailboxNotEnabledForRESTAPI']);
    // The customer's own app is restricted to the "Mailroom Mailboxes" group by an Application Access Policy.
    const customer = graph(await appToken(DEMO.customerApp.clientId, DEMO.customerApp.clientSecret));
    expect(
      (
        (await customer.api(`/users/${C.sharedMailboxes[1]}/mailboxSettings`).get()) as {
          userPurpose: string;
        }
      ).userPurpose,
    ).toBe('shared');
    const blocked = (await customer
      .api(`/users/${C.handlers[0]}/mailboxSettings`)
      .get()
      .catch((e: unknown) => e)) as GraphError;
    expect([blocked.statusCode, blocked.code, blocked.message]).toEqual([
      403,
      'ErrorAccessDenied',
      'Access to OData is disabled.',
    ]);
    // Delegated: a handler with FullAccess reads the shared mailbox; the admin without it cannot.
    const handler = graph(await userToken(C.handlers[0], ['MailboxSettings.Read']));
    expect(
      ((await handler.api(`/users/${C.sharedMailboxes[0]}/mailboxSettings`).get()) as { userPurpose: string })
        .userPurpose,
    ).toBe('shared');
    const admin = graph(await userToken(C.admin, ['MailboxSettings.Read']));
    const denied = (await admin
      .api(`/users/${C.sharedMailboxes[0]}/mailboxSettings`)
      .get()
      .catch((e: unknown) => e)) as GraphError;
    expect([denied.statusCode, denied.code]).toEqual([403, 'ErrorAccessDenied']);
  });

  it('GET /organization gives the tenant name and verified domains', async () => {
    const org = (await graph(await userToken(C.admin, ['User.Read']))
      .api('/organization')
      .get()) as {
      value: {
        id: string;
        displayName: string;
        verifiedDomains: { name: string; isDefault: boolean; isInitial: boolean }[];
      }[];
    };
    expect(org.value[0]).toMatchObject({ id: C.tenantId, displayName: C.name });
    expect(org.value[0]!.verifiedDomains).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: C.domain, isDefault: true, isInitial: false }),
        expect.objectContaining({ name: C.initialDomain, isDefault: false, isInitial: true }),
      ]),
    );
  });

  it('bearer validation: expired token and wrong audience → 401 InvalidAuthenticationToken', async () => {
    const emu2 = await createEmulator();
    try {
      const cca = msalApp(
        emu2,
        { clientId: DEMO.customerApp.clientId, clientSecret: DEMO.customerApp.clientSecret },
        C.tenantId,
      );
      const token = (await cca.acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
      }))!.accessToken;
      const id = (
        await signInWithMsal(emu2, mailroomMsal(emu2), {
          username: C.admin,
          password: C.password,
          scopes: ['User.Read'],
          consentForOrganization: true,
        })
      ).idToken;
      const client = (t: string) => {
        const auth = new AuthenticationHandler({ getAccessToken: async () => t });
        auth.setNext(caHttpMessageHandler(emu2.caPem));
        return Client.initWithMiddleware({
          middleware: auth,
          baseUrl: `${emu2.url}/`,
          customHosts: new Set(['localhost']),
        });
      };
      const aud = (await client(id)
        .api('/organization')
        .get()
        .catch((e: unknown) => e)) as GraphError;
      expect([aud.statusCode, aud.code, aud.message]).toEqual([
        401,
        'InvalidAuthenticationToken',
        'Access token validation failure. Invalid audience.',
      ]);
      // Past the longest access-token lifetime (Entra: 60–90 minutes).
      await emu2.control.advanceClock(5400);
      const expired = (await client(token)
        .api('/users')
        .get()
        .catch((e: unknown) => e)) as GraphError;
      expect([expired.statusCode, expired.code, expired.message]).toEqual([
        401,
        'InvalidAuthenticationToken',
        'Access token has expired or is not yet valid.',
      ]);
    } finally {
      await emu2.close();
    }
  });
});
