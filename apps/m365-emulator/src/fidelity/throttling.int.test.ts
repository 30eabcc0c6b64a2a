import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { createCaFetch } from '../testing/fetch.ts';
import { mailroomAppToken } from './mail-helpers.ts';

/**
 * Outlook's 4 concurrent requests (issue 22 §1.2): a request holds its slot from arrival to last byte,
 * for Exchange's service time, so "parallel" requests overlap as they would on Microsoft; the limit
 * counts per app and mailbox, or per app (the other reading of Microsoft's docs), by setting.
 */
const [CLAIMS, PRODUCTION] = DEMO.contoso.sharedMailboxes;

describe('concurrency as Exchange counts it', () => {
  let emu: Emulator;
  let token: string;
  let f: ReturnType<typeof createCaFetch>;
  beforeAll(async () => {
    emu = await createEmulator({ demoMail: false });
    token = await mailroomAppToken(emu);
    f = createCaFetch(emu.caPem);
  });
  afterAll(async () => {
    await emu.close();
  });

  /** Sends the requests at once; each answer's status, code, message and Retry-After. */
  const burst = (mailboxes: string[]) =>
    Promise.all(
      mailboxes.map(async (m) => {
        const res = await f(`${emu.url}/v1.0/users/${m}/mailFolders/inbox`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = (await res.json()) as { error?: { code: string; message: string } };
        return {
          status: res.status,
          code: body.error?.code,
          message: body.error?.message,
          retryAfter: res.headers.get('retry-after'),
        };
      }),
    );
  const refused = (r: Awaited<ReturnType<typeof burst>>) => r.filter((x) => x.status === 429);

  it('Microsoft’s defaults: per app and mailbox, and no service time (tests answer at once)', async () => {
    const { config } = await emu.control.throttling();
    expect(config).toMatchObject({
      concurrency: 4,
      concurrencyScope: 'perMailbox',
      serviceTimeMinMs: 0,
      serviceTimeMaxMs: 0,
    });
  });

  it('with a service time, the 5th and 6th of six parallel requests to one mailbox are refused as Microsoft refuses them', async () => {
    await emu.control.setThrottling({ serviceTimeMinMs: 150, serviceTimeMaxMs: 200 });
    await emu.control.resetThrottlingCounters();
    try {
      const r = await burst(Array(6).fill(CLAIMS));
      expect(r.filter((x) => x.status === 200)).toHaveLength(4);
      expect(refused(r)).toEqual([
        {
          status: 429,
          code: 'ApplicationThrottled',
          message: 'Application is over its MailboxConcurrency limit.',
          retryAfter: '1',
        },
        {
          status: 429,
          code: 'ApplicationThrottled',
          message: 'Application is over its MailboxConcurrency limit.',
          retryAfter: '1',
        },
      ]);
      // Three to each of two mailboxes: per app and mailbox, nothing refused.
      expect(refused(await burst([CLAIMS, CLAIMS, CLAIMS, PRODUCTION, PRODUCTION, PRODUCTION]))).toEqual([]);
      // A request holds its slot until answered: one after the burst is admitted.
      expect((await burst([CLAIMS]))[0]!.status).toBe(200);
    } finally {
      await emu.control.setThrottling({ serviceTimeMinMs: 0, serviceTimeMaxMs: 0 });
    }
  });

  it('perApp: the four slots are the app’s, whichever mailboxes its requests read', async () => {
    await emu.control.setThrottling({
      concurrencyScope: 'perApp',
      serviceTimeMinMs: 150,
      serviceTimeMaxMs: 200,
    });
    await emu.control.resetThrottlingCounters();
    try {
      const r = await burst([CLAIMS, CLAIMS, CLAIMS, PRODUCTION, PRODUCTION, PRODUCTION]);
      expect(r.filter((x) => x.status === 200)).toHaveLength(4);
      expect(refused(r).map((x) => [x.code, x.message])).toEqual([
        ['ApplicationThrottled', 'Application is over its MailboxConcurrency limit.'],
        ['ApplicationThrottled', 'Application is over its MailboxConcurrency limit.'],
      ]);
      const bad = await f(`${emu.url}/__emulator/throttling`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ concurrencyScope: 'perTenant' }),
      });
      expect(bad.status).toBe(400);
    } finally {
      await emu.control.setThrottling({
        concurrencyScope: 'perMailbox',
        serviceTimeMinMs: 0,
        serviceTimeMaxMs: 0,
      });
    }
  });
});
