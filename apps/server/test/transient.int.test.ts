import { api, type Connector } from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '../src/db/schema/index.ts';
import { newConnector, waitFor } from './connect-helpers.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';

/**
 * Throttling and outages are not access loss: a 429 storm and 503s are retried quietly, show as
 * `degraded` only once they last (3 s here instead of 15 min), and never as `access lost`.
 */
let app: TestApp;
let admin: Client;
let ws: string;

beforeAll(async () => {
  app = await startTestApp({
    CONNECTOR_HEALTH_INTERVAL_SECONDS: '1',
    CONNECTOR_TRANSIENT_ALARM_MINUTES: '0.05',
  });
  ({ client: admin, workspaceId: ws } = await setUp(app));
});
afterAll(async () => {
  await app?.close();
});

describe('transient faults', () => {
  it('a 429 storm then 503s: degraded after a while, never access lost; back to connected after', async () => {
    const control = app.server.sandbox!.control;
    const id = await newConnector(admin, ws, 'Throttled');
    await admin.post(api.connectOwnApp(ws, id), {
      tenant: DEMO.contoso.domain,
      clientId: DEMO.customerApp.clientId,
      clientSecret: DEMO.customerApp.clientSecret,
      secretExpiresAt: '2099-12-31',
    });
    await waitFor(admin, ws, id, (c) => c.status === 'connected', 'connected');

    const storm = await control.addFault({
      path: '/organization',
      action: {
        kind: 'status',
        status: 429,
        code: 'ApplicationThrottled',
        message: 'Application is over its MailboxConcurrency limit.',
        retryAfterSeconds: 1,
      },
    });
    const seen = new Set<string>();
    const first = await admin.post<Connector>(api.checkConnector(ws, id));
    seen.add(first.body.status);
    expect(first.body.status).toBe('connected');
    const degraded = await waitFor(
      admin,
      ws,
      id,
      (c) => {
        seen.add(c.status);
        return c.status === 'degraded';
      },
      'degraded',
    );
    expect(degraded.problem).toMatchObject({ cause: 'microsoft_unavailable' });
    expect(degraded.problem?.detail).toMatch(/ApplicationThrottled/);
    await control.removeFault(storm.id);

    const outage = await control.addFault({
      path: '/organization',
      action: { kind: 'status', status: 503, code: 'ServiceUnavailable', message: 'Service unavailable' },
      count: 5,
    });
    for (let i = 0; i < 5; i++)
      seen.add((await admin.post<Connector>(api.checkConnector(ws, id))).body.status);
    await control.removeFault(outage.id).catch(() => undefined);
    await waitFor(
      admin,
      ws,
      id,
      (c) => {
        seen.add(c.status);
        return c.status === 'connected';
      },
      'connected again',
    );

    expect(seen.has('access_lost')).toBe(false);
    const types = (
      await app.server.database.db
        .select()
        .from(events)
        .where(and(eq(events.subjectId, id)))
    ).map((e) => e.type);
    expect(types).not.toContain('connector.access_lost');
  });
});
