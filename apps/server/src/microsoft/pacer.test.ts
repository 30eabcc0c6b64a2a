import { describe, expect, it } from 'vitest';
import {
  MailboxPacer,
  type Admission,
  type AdmissionWait,
  type LimitLowered,
  type Priority,
} from './pacer.ts';
import { LocalSlotLeases } from './slot-leases.ts';
import { InFlight } from '../../test/in-flight.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `n` requests of `ms` each on one mailbox and reports the most that were ever in flight together. */
async function peak(pacer: MailboxPacer, n: number, ms: number, weight = 1): Promise<number> {
  const seen = new InFlight();
  await Promise.all(Array.from({ length: n }, () => seen.run(pacer, 'mbx', ms, weight)));
  return seen.max;
}

describe('MailboxPacer', () => {
  it('never has more than 4 requests of one mailbox in flight, and uses all 4', async () => {
    const pacer = new MailboxPacer(new LocalSlotLeases());
    expect(await peak(pacer, 40, 5)).toBe(4);
    pacer.close();
  });

  it('tells of a request that waited over a second for its slot, and why; not of the others', async () => {
    const slow: AdmissionWait[] = [];
    const pacer = new MailboxPacer(new LocalSlotLeases(), {}, { onSlowAdmission: (w) => slow.push(w) });
    await Promise.all(Array.from({ length: 5 }, () => pacer.run('mbx', () => tick(1_100))));
    // The fifth waited for one of the four to end; the four went at once.
    expect(slow).toHaveLength(1);
    expect(slow[0]).toMatchObject({ key: 'mbx', held: 4 });
    expect(slow[0]!.waitedMs).toBeGreaterThan(1_000);
    expect(slow[0]!.reasons.busy).toBeGreaterThan(1_000);
    pacer.close();
  });

  it('a $batch counts as several requests in flight', async () => {
    const pacer = new MailboxPacer(new LocalSlotLeases());
    const seen = new InFlight();
    const one = () => seen.run(pacer, 'mbx', 5);
    const batch = seen.run(pacer, 'mbx', 20, 4);
    await Promise.all([one(), one(), batch, one(), one()]);
    expect(seen.max).toBe(4);
    pacer.close();
  });

  it("counts each of a $batch's inner requests against the budget, as Microsoft does", async () => {
    const pacer = new MailboxPacer(new LocalSlotLeases(), { requests: 30, windowMs: 60_000 });
    await pacer.run('mbx', async () => undefined, { weight: 4, count: 20 });
    expect(pacer.stats('mbx').requestsInWindow).toBe(20);
    // 20 more would make 40 of 30: the second batch waits; a single request still fits.
    let started = false;
    void pacer.run('mbx', async () => void (started = true), { weight: 4, count: 20 });
    await pacer.run('mbx', async () => undefined);
    await tick(100);
    expect(started).toBe(false);
    expect(pacer.stats('mbx').requestsInWindow).toBe(21);
    pacer.close();
  });

  it('keeps to the request budget of the window: over it, requests wait', async () => {
    const pacer = new MailboxPacer(new LocalSlotLeases(), { requests: 10, windowMs: 2_000 });
    await peak(pacer, 10, 1);
    expect(pacer.stats('mbx').requestsInWindow).toBe(10);
    // The 11th waits until the first ones have left the window; it has not started while they are in it.
    let started = false;
    const eleventh = pacer.run('mbx', async () => {
      started = true;
    });
    await tick(50);
    expect(started).toBe(false);
    await eleventh;
    expect(started).toBe(true);
    pacer.close();
  });

  it('alone on a mailbox, a process gets the whole budget even if it held one slot when the budget ran short', async () => {
    // One request at a time holds one slot: a quarter of the budget. Before, the fifth request slept
    // until the window slid (here a minute; in production up to ten) instead of leasing free slots.
    const pacer = new MailboxPacer(new LocalSlotLeases(), { requests: 8, windowMs: 60_000 });
    for (let i = 0; i < 8; i++) await pacer.run('mbx', async () => undefined);
    expect(pacer.stats('mbx')).toMatchObject({ held: 4, requestsInWindow: 8 });
    // The whole budget is used: the next one waits.
    let started = false;
    void pacer.run('mbx', async () => {
      started = true;
    });
    await tick(100);
    expect(started).toBe(false);
    pacer.close();
  });

  it('shares the budget with another process that holds slots of the same mailbox', async () => {
    const shared = new LocalSlotLeases();
    const other = new MailboxPacer(shared, { requests: 8, windowMs: 60_000 });
    const mine = new MailboxPacer(shared, { requests: 8, windowMs: 60_000 });
    // The other process holds three slots (three requests in flight).
    const release: (() => void)[] = [];
    const held = [0, 1, 2].map(() => other.run('mbx', () => new Promise<void>((r) => release.push(r))));
    await tick(20);
    // This one gets the last slot, so a quarter of the budget: 2 requests, then it waits.
    let done = 0;
    const runs = [0, 1, 2].map(() => mine.run('mbx', async () => void done++));
    // (A request that finds every slot taken looks again after 250 ms at the latest.)
    for (let i = 0; i < 300 && done < 2; i++) await tick(10);
    expect(done).toBe(2);
    // …and the third stays held back (its share of the budget is used).
    await tick(300);
    expect(done).toBe(2);
    expect(mine.stats('mbx').held).toBe(1);
    for (const r of release) r();
    await Promise.all(held);
    other.close();
    mine.close();
    void runs;
  });

  it('a pause (Retry-After) holds back every request to that mailbox, not others', async () => {
    const pacer = new MailboxPacer(new LocalSlotLeases());
    pacer.pause('mbx', 300);
    const order: string[] = [];
    const paused = pacer.run('mbx', async () => void order.push('mbx'));
    await pacer.run('other', async () => void order.push('other'));
    await paused;
    expect(order).toEqual(['other', 'mbx']);
    pacer.close();
  });

  it('a failing request gives its slot back', async () => {
    const pacer = new MailboxPacer(new LocalSlotLeases());
    for (let i = 0; i < 10; i++)
      await expect(pacer.run('mbx', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    // Slots come back a few milliseconds after a request ends (Microsoft may still count it).
    for (let i = 0; i < 100 && pacer.stats('mbx').active > 0; i++) await tick(10);
    expect(pacer.stats('mbx').active).toBe(0);
    pacer.close();
  });
});

/** Requests held open until released by the test; what each was admitted with, and how many run at once. */
function gate(pacer: MailboxPacer) {
  const open: { key: string; admission: Admission; done: () => void }[] = [];
  const started: string[] = [];
  const inFlight = new Map<string, number>();
  let appInFlight = 0;
  let appPeak = 0;
  const start = (key: string, opts: { app?: string; priority?: Priority } = {}, label = key) =>
    pacer.run(
      key,
      (admission) =>
        new Promise<string>((resolve) => {
          started.push(label);
          inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
          appPeak = Math.max(appPeak, ++appInFlight);
          open.push({
            key,
            admission,
            done: () => {
              inFlight.set(key, inFlight.get(key)! - 1);
              appInFlight--;
              resolve(label);
            },
          });
        }),
      opts,
    );
  return { open, started, inFlight, start, peak: () => appPeak };
}

/** Waits (a few ms at a time, on slots coming back RELEASE_GRACE_MS after a request) until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await tick(5);
  expect(cond()).toBe(true);
}

describe('MailboxPacer learns concurrency limits from 429s (AIMD)', () => {
  const APP = 'tenant-1:app-1';

  it('a refusal while the app had requests in flight on other mailboxes is blamed on the app: its limit is learnt and enforced across mailboxes, the mailboxes keep 4', async () => {
    let now = 0;
    const lowered: LimitLowered[] = [];
    const pacer = new MailboxPacer(
      new LocalSlotLeases(),
      {},
      { clock: () => now, onLimitLowered: (l) => lowered.push(l) },
    );
    const g = gate(pacer);
    // Three mailboxes, 2 requests each: 6 in flight for the app, 2 on each mailbox (below its 4).
    const first = ['a', 'b', 'c'].flatMap((m) => [g.start(m, { app: APP }), g.start(m, { app: APP })]);
    await until(() => g.open.length === 6);
    const last = g.open[5]!.admission;
    expect(last).toMatchObject({ mailboxInFlight: 2, appInFlight: 6 });
    // The first, admitted alone, has seen the app's 6 while in flight (what a parallel `$batch`'s
    // inner refusals are judged by: they reach Microsoft over its whole life).
    expect(g.open[0]!.admission).toMatchObject({ mailboxInFlight: 1, appInFlight: 1, appPeak: 6 });
    // Microsoft refuses it, and again (a one-off would change nothing): 6 is too many, and the app is
    // never learnt below Microsoft's documented 4 (the per-app reading).
    expect(pacer.concurrencyRefused(last)).toBe('app');
    expect(pacer.limitOf(`app:${APP}`)).toBe(Infinity);
    expect(lowered).toEqual([]);
    expect(pacer.concurrencyRefused(last)).toBe('app');
    expect(pacer.limitOf(`app:${APP}`)).toBe(4);
    // Told once, for the operator's log: which scope, at how many in flight, and the limit now.
    expect(lowered).toEqual([{ key: `app:${APP}`, scope: 'app', inFlight: 6, limit: 4 }]);
    expect(pacer.limitOf('a')).toBe(4);
    for (const r of g.open.splice(0)) r.done();
    await Promise.all(first);

    // From now on the app has at most 4 in flight across its mailboxes.
    const before = g.peak();
    const next = ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'a', 'b', 'b', 'c', 'c'].map((m) =>
      g.start(m, { app: APP }),
    );
    let served = 0;
    let peak = 0;
    while (served < 12) {
      await until(() => g.open.length > 0);
      await tick(20);
      peak = Math.max(peak, g.open.length);
      served += g.open.length;
      for (const r of g.open.splice(0)) r.done();
    }
    await Promise.all(next);
    expect(before).toBe(6);
    expect(peak).toBe(4);
    // A quiet minute later: one more.
    now += 60_000;
    expect(pacer.limitOf(`app:${APP}`)).toBe(5);
    pacer.close();
  });

  it('a refusal while the mailbox was alone lowers that mailbox, not the app; it recovers slowly to 4 and never above', async () => {
    let now = 0;
    const pacer = new MailboxPacer(new LocalSlotLeases(), {}, { clock: () => now });
    const g = gate(pacer);
    const four = [0, 1, 2, 3].map(() => g.start('a', { app: APP }));
    await until(() => g.open.length === 4);
    expect(g.open[3]!.admission).toMatchObject({ mailboxInFlight: 4, appInFlight: 4 });
    expect(pacer.concurrencyRefused(g.open[3]!.admission)).toBe('mailbox');
    expect(pacer.concurrencyRefused(g.open[3]!.admission)).toBe('mailbox');
    expect(pacer.limitOf('a')).toBe(2);
    expect(pacer.limitOf(`app:${APP}`)).toBe(Infinity);
    for (const r of g.open.splice(0)) r.done();
    await Promise.all(four);

    // Now 2 at a time on that mailbox; another mailbox of the app still gets 4.
    const more = [0, 1, 2, 3].map(() => g.start('a', { app: APP }));
    const other = [0, 1, 2, 3].map(() => g.start('b', { app: APP }));
    await until(() => g.inFlight.get('a') === 2 && g.inFlight.get('b') === 4);
    await tick(50);
    expect(g.inFlight.get('a')).toBe(2);
    for (const r of g.open.splice(0)) r.done();
    await until(() => g.open.length === 2);
    for (const r of g.open.splice(0)) r.done();
    await Promise.all([...more, ...other]);

    now += 60_000;
    expect(pacer.limitOf('a')).toBe(3);
    // The level refused (4) is not tried again for an hour; then it is, and never above Microsoft's 4.
    now += 30 * 60_000;
    expect(pacer.limitOf('a')).toBe(3);
    now += 60 * 60_000;
    expect(pacer.limitOf('a')).toBe(4);
    pacer.close();
  });
});

describe('MailboxPacer priorities', () => {
  it('a freed slot goes to high before normal before low, FIFO within a class; low never jumps a waiting high', async () => {
    const pacer = new MailboxPacer(new LocalSlotLeases());
    const g = gate(pacer);
    const all = [0, 1, 2, 3].map((i) => g.start('mbx', {}, `holder${i}`));
    await until(() => g.open.length === 4);
    for (const [priority, label] of [
      ['low', 'low1'],
      ['normal', 'normal1'],
      ['high', 'high1'],
      ['low', 'low2'],
      ['high', 'high2'],
      ['normal', 'normal2'],
    ] as const)
      all.push(g.start('mbx', { priority }, label));
    await tick(20);
    // Free one slot at a time: each goes to the best waiting request.
    for (let served = 4; served < 10; served++) {
      g.open.shift()!.done();
      await until(() => g.started.length === served + 1);
      expect(g.open.length).toBe(4);
    }
    for (const r of g.open.splice(0)) r.done();
    await Promise.all(all);
    expect(g.started.slice(4)).toEqual(['high1', 'high2', 'normal1', 'normal2', 'low1', 'low2']);
    pacer.close();
  });

  it('a low request does not take a free slot while a high one of the mailbox waits (here: for the budget)', async () => {
    const pacer = new MailboxPacer(new LocalSlotLeases(), { requests: 2, windowMs: 60_000 });
    const g = gate(pacer);
    // The budget has room for one more request: a high $batch of 2 waits for it, and the low single
    // request that would fit must leave it be.
    const first = g.start('mbx', {}, 'first');
    await until(() => g.started.length === 1);
    const high = pacer.run('mbx', async () => 'batch', { priority: 'high', weight: 2, count: 2 });
    await tick(20);
    const low = g.start('mbx', { priority: 'low' }, 'low');
    await tick(300);
    expect(g.started).toEqual(['first']);
    g.open.shift()!.done();
    await first;
    pacer.close();
    void high;
    void low;
  });
});
