import { describe, expect, it } from 'vitest';
import { CONTENDED_BATCHES, MarkerGate } from './marker-gate.ts';

/** Writes that wait until released, counting how many are in flight at once. */
function writes() {
  let inFlight = 0;
  let peak = 0;
  const releases: (() => void)[] = [];
  const write = () =>
    new Promise<void>((resolve) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      releases.push(() => {
        inFlight--;
        resolve();
      });
    });
  return { write, releases, peak: () => peak, inFlight: () => inFlight };
}
const tick = () => new Promise((r) => setTimeout(r, 10));

describe('MarkerGate', () => {
  it('holds the markers of mailboxes still being read to one batch at a time in the process, and runs them all in turn', async () => {
    const gate = new MarkerGate(async () => true);
    const w = writes();
    const all = Promise.all(['a', 'b', 'c', 'd', 'e'].map((m) => gate.run(m, w.write)));
    await tick();
    expect(w.inFlight()).toBe(CONTENDED_BATCHES);
    while (w.releases.length) {
      w.releases.shift()!();
      await tick();
    }
    await all;
    expect(w.peak()).toBe(CONTENDED_BATCHES);
  });

  it('lets the markers of mailboxes with nothing left to read go at once, even while others wait', async () => {
    const busy = new Set(['busy1', 'busy2', 'busy3']);
    const gate = new MarkerGate(async (mailbox) => busy.has(mailbox));
    const w = writes();
    const all = Promise.all(
      ['busy1', 'busy2', 'busy3', 'idle1', 'idle2', 'idle3'].map((m) => gate.run(m, w.write)),
    );
    await tick();
    // The busy mailboxes' share and every idle one's.
    expect(w.inFlight()).toBe(CONTENDED_BATCHES + 3);
    while (w.releases.length) {
      w.releases.shift()!();
      await tick();
    }
    await all;
  });

  it('tells the write whether its mailbox is being read (then the batch goes sequential)', async () => {
    const gate = new MarkerGate(async (mailbox) => mailbox === 'busy');
    expect(await gate.run('busy', async (contended) => contended)).toBe(true);
    expect(await gate.run('idle', async (contended) => contended)).toBe(false);
  });

  it('hands back what the write returns, and its error', async () => {
    const gate = new MarkerGate(async () => true);
    expect(await gate.run('m', async () => 42)).toBe(42);
    await expect(gate.run('m', async () => Promise.reject(new Error('throttled')))).rejects.toThrow(
      'throttled',
    );
    // A failed write gives its place back.
    expect(await gate.run('m', async () => 'next')).toBe('next');
  });
});
