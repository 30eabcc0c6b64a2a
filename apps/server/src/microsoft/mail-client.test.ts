import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GraphApiError } from './graph.ts';
import { createMicrosoftHttp } from './http.ts';
import { MailClient } from './mail-client.ts';
import { MailboxPacer } from './pacer.ts';
import { LocalSlotLeases } from './slot-leases.ts';
import type { MicrosoftSettings } from './settings.ts';
import { appScopeOf } from './token-claims.ts';

/** A Graph that answers every `$batch` request 200 and records each batch's requests (id ← dependsOn). */
function fakeGraph() {
  const batches: string[][] = [];
  const fetch = vi.fn(async (_url: string, init: { body?: string }) => {
    const { requests } = JSON.parse(init.body ?? '{}') as {
      requests: { id: string; dependsOn?: string[] }[];
    };
    batches.push(requests.map((r) => (r.dependsOn ? `${r.id}←${r.dependsOn.join(',')}` : r.id)));
    const text = JSON.stringify({ responses: requests.map((r) => ({ id: r.id, status: 200 })) });
    return { ok: true, status: 200, headers: new Headers(), text: async () => text };
  });
  const settings = { graphUrl: 'https://graph.test', http: { fetch } } as unknown as MicrosoftSettings;
  return { settings, batches };
}

const pacers: MailboxPacer[] = [];
afterEach(() => {
  for (const p of pacers.splice(0)) p.close();
});

/** A pacer whose `run` records the slots each request asked for. */
function pacerWithWeights() {
  const pacer = new MailboxPacer(new LocalSlotLeases());
  pacers.push(pacer);
  const weights: number[] = [];
  const run = pacer.run.bind(pacer);
  vi.spyOn(pacer, 'run').mockImplementation((key, fn, opts) => {
    weights.push(opts?.weight ?? 1);
    return run(key, fn, opts);
  });
  return { pacer, weights };
}

describe('MailClient.batch', () => {
  const requests = Array.from({ length: 7 }, (_, i) => ({
    id: String(i),
    method: 'GET',
    url: `/me/messages/${i}`,
  }));
  const chained = ['0', '1←0', '2←1', '3←2', '4←3', '5←4', '6←5'];

  it('sends one parallel $batch on 4 slots while the mailbox may have 4 in flight (Outlook runs 4 of it at once)', async () => {
    const { settings, batches } = fakeGraph();
    const { pacer, weights } = pacerWithWeights();
    const out = await new MailClient(settings, pacer).batch('t', 'mb', requests);
    expect(batches).toEqual([['0', '1', '2', '3', '4', '5', '6']]);
    expect(weights).toEqual([4]);
    expect(out.map((r) => r.id)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
  });

  it('sequential: one $batch chained by dependsOn, on one slot (Outlook runs one at a time)', async () => {
    const { settings, batches } = fakeGraph();
    const { pacer, weights } = pacerWithWeights();
    await new MailClient(settings, pacer).batch('t', 'mb', requests, { sequential: true });
    expect(batches).toEqual([chained]);
    expect(weights).toEqual([1]);
  });

  it('a mailbox whose learnt limit is 2 gets a sequential batch, never 4 at once at Microsoft', async () => {
    const { settings, batches } = fakeGraph();
    const { pacer, weights } = pacerWithWeights();
    vi.spyOn(pacer, 'limitOf').mockReturnValue(2);
    const out = await new MailClient(settings, pacer).batch('t', 'mb', requests);
    expect(batches).toEqual([chained]);
    expect(weights).toEqual([1]);
    expect(out.map((r) => r.id)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
  });
});

describe('MailClient.batch under an app limit', () => {
  it('once a limit is learnt for the app, a batch is sequential (it needs one of the app’s slots, not 4 at once)', async () => {
    const { settings, batches } = fakeGraph();
    const { pacer, weights } = pacerWithWeights();
    // An app-only token of app `a1` in tenant `t1` (the pacer's app scope), and a learnt app limit.
    const token = `x.${Buffer.from(JSON.stringify({ tid: 't1', appid: 'a1' })).toString('base64url')}.y`;
    // The mailbox keeps Microsoft's 4; the app has a learnt limit (finite: without one it is Infinity).
    vi.spyOn(pacer, 'limitOf').mockReturnValue(4);
    const requests = ['0', '1', '2'].map((id) => ({ id, method: 'GET', url: `/me/messages/${id}` }));
    await new MailClient(settings, pacer).batch(token, 'mb', requests);
    expect(batches).toEqual([['0', '1←0', '2←1']]);
    expect(weights).toEqual([1]);
  });
});

describe('MailClient.batch: refusals inside a batch', () => {
  /** A Graph that refuses the batch's requests `refused` as Outlook does (429, MailboxConcurrency, Retry-After 1). */
  function refusingGraph(refused: Set<string>, beforeAnswer: () => Promise<void> = async () => {}) {
    const fetch = vi.fn(async (_url: string, init: { body?: string }) => {
      await beforeAnswer();
      const { requests } = JSON.parse(init.body ?? '{}') as { requests: { id: string }[] };
      const responses = requests.map((r) =>
        refused.has(r.id)
          ? {
              id: r.id,
              status: 429,
              headers: { 'Retry-After': '1' },
              body: {
                error: {
                  code: 'ApplicationThrottled',
                  message: 'Application is over its MailboxConcurrency limit.',
                },
              },
            }
          : { id: r.id, status: 200 },
      );
      const text = JSON.stringify({ responses });
      return { ok: true, status: 200, headers: new Headers(), text: async () => text };
    });
    return { graphUrl: 'https://graph.test', http: { fetch } } as unknown as MicrosoftSettings;
  }
  const twenty = Array.from({ length: 20 }, (_, i) => ({
    id: String(i),
    method: 'PATCH',
    url: `/me/messages/${i}`,
  }));
  const spied = () => {
    const pacer = new MailboxPacer(new LocalSlotLeases());
    pacers.push(pacer);
    return {
      pacer,
      pause: vi.spyOn(pacer, 'pause'),
      refused: vi.spyOn(pacer, 'concurrencyRefused'),
    };
  };

  it('a stray refusal in a parallel batch is left to the caller’s retry: no report, no pause', async () => {
    const { pacer, pause, refused } = spied();
    const out = await new MailClient(refusingGraph(new Set(['7', '12'])), pacer).batch('t', 'mb', twenty);
    expect(out.filter((r) => r.status === 429)).toHaveLength(2);
    expect(refused).not.toHaveBeenCalled();
    expect(pause).not.toHaveBeenCalled();
  });

  it('a parallel batch refused in a quarter or more is one refusal, judged by the most in flight during it', async () => {
    const { pacer, pause, refused } = spied();
    const ids = new Set(['1', '4', '6', '9', '15']);
    // An app-only token, and a request of the same app on another mailbox admitted while the batch runs.
    const token = `x.${Buffer.from(JSON.stringify({ tid: 't1', appid: 'a1' })).toString('base64url')}.y`;
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    const another = async () => {
      await new Promise<void>((admitted) => {
        void pacer.run('mb2', () => (admitted(), held), { app: appScopeOf(token)! });
      });
    };
    await new MailClient(refusingGraph(ids, another), pacer).batch(token, 'mb', twenty);
    release();
    expect(refused).toHaveBeenCalledTimes(1);
    // Admitted with the app's 4 (its own slots), refused with 5 in flight: judged by the 5.
    expect(refused.mock.calls[0]![0]).toMatchObject({ mailboxInFlight: 4, appInFlight: 5, appPeak: 5 });
    // And the mailbox waits the second Microsoft asked for.
    expect(pause).toHaveBeenCalledWith('mb', 1000);
  });

  it('a sequential batch’s refusal, alone on the app, is left to the caller’s retry', async () => {
    const { pacer, pause, refused } = spied();
    const token = `x.${Buffer.from(JSON.stringify({ tid: 't1', appid: 'a1' })).toString('base64url')}.y`;
    await new MailClient(refusingGraph(new Set(['3'])), pacer).batch(token, 'mb', twenty, {
      sequential: true,
    });
    expect(refused).not.toHaveBeenCalled();
    expect(pause).not.toHaveBeenCalled();
  });

  /** A sequential batch refused in its fourth request while four of the app's requests ran on other mailboxes. */
  async function sequentialBesideOthers(pacer: MailboxPacer) {
    const token = `x.${Buffer.from(JSON.stringify({ tid: 't1', appid: 'a1' })).toString('base64url')}.y`;
    const app = appScopeOf(token)!;
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    const others = async () => {
      for (const m of ['mb2', 'mb3', 'mb4', 'mb5'])
        await new Promise<void>((admitted) => {
          void pacer.run(m, () => (admitted(), held), { app });
        });
    };
    await new MailClient(refusingGraph(new Set(['3']), others), pacer).batch(token, 'mb', twenty, {
      sequential: true,
    });
    release();
  }

  it('a sequential batch’s refusal while the app ran elsewhere and its limit is not probed: left to the retry (the storm’s noise)', async () => {
    const { pacer, pause, refused } = spied();
    await sequentialBesideOthers(pacer);
    expect(refused).not.toHaveBeenCalled();
    expect(pause).not.toHaveBeenCalled();
  });

  it('a sequential batch’s refusal while the app ran elsewhere and its limit is probed: reported, blamed on the app', async () => {
    const { pacer, pause, refused } = spied();
    vi.spyOn(pacer, 'appProbing').mockReturnValue(true);
    await sequentialBesideOthers(pacer);
    expect(refused).toHaveBeenCalledTimes(1);
    expect(refused.mock.calls[0]![0]).toMatchObject({ mailboxInFlight: 1, appInFlight: 5, appPeak: 5 });
    expect(refused).toHaveReturnedWith('app');
    expect(pause).toHaveBeenCalledWith('mb', 1000);
  });
});

/** A MailClient on real HTTP to a local server standing in for Graph; `close` ends both. */
async function clientOf(server: Server) {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const http = createMicrosoftHttp();
  const pacer = new MailboxPacer(new LocalSlotLeases());
  pacers.push(pacer);
  const graphUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const mail = new MailClient({ graphUrl, http } as unknown as MicrosoftSettings, pacer);
  const close = async () => {
    await http.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return { mail, close };
}

describe('MailClient.stream', () => {
  it('a download its reader gives up on is closed at once, not left open at Microsoft while its slot is reused', async () => {
    // A Graph that sends 8 MB of MIME and says when the request ends: finished, or closed early.
    let ended: (how: string) => void = () => undefined;
    const end = new Promise<string>((r) => (ended = r));
    const server = createServer((_req, res: ServerResponse) => {
      res.once('finish', () => ended('finished'));
      res.once('close', () => ended(res.writableFinished ? 'finished' : 'closed early'));
      res.writeHead(200, { 'content-type': 'message/rfc822', 'content-length': String(8 * 2 ** 20) });
      res.end(Buffer.alloc(8 * 2 ** 20, 97));
    });
    const { mail, close } = await clientOf(server);
    try {
      // The reader fails before it reads (its database went away). (A reader that fails while it
      // iterates or pipes the body destroys it, and that closes the request too.)
      const read = mail.stream('t', 'mb', '/users/mb/messages/1/$value', () =>
        Promise.reject(new Error('the blob store is unreachable')),
      );
      await expect(read).rejects.toThrow('the blob store is unreachable');
      // Before, the body stayed unread and the request open at the server for as long as the client lived.
      const how = await Promise.race([end, new Promise((r) => setTimeout(() => r('still open'), 10_000))]);
      expect(how).toBe('closed early');
    } finally {
      await close();
    }
  });
});

describe('MailClient requests', () => {
  it('a redirect is an error with its status, never a second request to where it points (decision 0025)', async () => {
    const paths: string[] = [];
    const server = createServer((req, res: ServerResponse) => {
      paths.push(req.url ?? '');
      if (req.url?.startsWith('/elsewhere')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ value: [], '@odata.deltaLink': '/elsewhere?$deltatoken=x' }));
        return;
      }
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
    });
    const { mail, close } = await clientOf(server);
    try {
      const page = mail.deltaPage('t', 'mb', '/users/mb/mailFolders/inbox/messages/delta');
      await expect(page).rejects.toBeInstanceOf(GraphApiError);
      await expect(page).rejects.toMatchObject({ status: 302 });
      expect(paths).toEqual(['/v1.0/users/mb/mailFolders/inbox/messages/delta']);
    } finally {
      await close();
    }
  });
});
