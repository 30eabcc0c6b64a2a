import { describe, expect, it } from 'vitest';
import { LocalSlotLeases, MailboxPacer, SlidingCounter } from './pacer.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `n` requests of `ms` each on one mailbox and reports the most that were ever in flight together. */
async function peak(pacer: MailboxPacer, n: number, ms: number, weight = 1): Promise<number> {
  let now = 0;
  let max = 0;
  await Promise.all(
    Array.from({ length: n }, () =>
      pacer.run(
        'mbx',
        async () => {
          now += weight;
          max = Math.max(max, now);
          await tick(ms);
          now -= weight;
        },
        { weight },
      ),
    ),
  );
  return max;
}

describe('MailboxPacer', () => {
  it('never has more than 4 requests of one mailbox in flight, and uses all 4', async () => {
    const pacer = new MailboxPacer(new LocalSlotLeases());
    expect(await peak(pacer, 40, 5)).toBe(4);
    pacer.close();
  });

  it('a $batch counts as several requests in flight', async () => {
    const pacer = new MailboxPacer(new LocalSlotLeases());
    let inFlight = 0;
    let max = 0;
    const one = () =>
      pacer.run('mbx', async () => {
        inFlight++;
        max = Math.max(max, inFlight);
        await tick(5);
        inFlight--;
      });
    const batch = pacer.run(
      'mbx',
      async () => {
        inFlight += 4;
        max = Math.max(max, inFlight);
        await tick(20);
        inFlight -= 4;
      },
      { weight: 4 },
    );
    await Promise.all([one(), one(), batch, one(), one()]);
    expect(max).toBe(4);
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

describe('SlidingCounter', () => {
  it('forgets a second once the whole second has left the window (never early), and says when room comes back', () => {
    const c = new SlidingCounter(60_000);
    c.add(0, 5);
    c.add(999, 1);
    c.add(30_000, 3);
    expect(c.sum(30_000)).toBe(9);
    // The request made at 999 ms is in Microsoft's window until 60,999 ms: still counted just before.
    expect(c.sum(60_999)).toBe(9);
    expect(c.nextFreeAt(30_000)).toBe(61_000);
    expect(c.sum(61_000)).toBe(3);
    expect(c.nextFreeAt(61_000)).toBe(91_000);
    expect(c.sum(91_000)).toBe(0);
    expect(c.nextFreeAt(91_000)).toBe(91_000);
  });
});
