import { describe, expect, it } from 'vitest';
import { LearntLimit } from './learnt-limit.ts';

const MIN = 60_000;
const settings = {
  decrease: 0.5,
  documented: 4,
  confirmMs: MIN,
  quietMs: MIN,
  rememberMs: 60 * MIN,
  rememberMaxMs: 24 * 60 * MIN,
};

/** A limit on a fake clock: `at(ms)` moves it. */
function limit(max: number) {
  let now = 1_000_000;
  const l = new LearntLimit(max, settings, () => now);
  return { l, at: (ms: number) => void (now = 1_000_000 + ms) };
}

describe('LearntLimit (AIMD)', () => {
  it('a one-off refusal changes nothing; a second within the confirmation time halves the level refused', () => {
    const { l, at } = limit(4);
    expect(l.refused(4, l.epoch)).toBe(false);
    expect(l.current()).toBe(4);
    // Another two minutes later: still a one-off.
    at(2 * MIN);
    expect(l.refused(4, l.epoch)).toBe(false);
    expect(l.current()).toBe(4);
    at(2 * MIN + 1_000);
    expect(l.refused(4, l.epoch)).toBe(true);
    expect(l.current()).toBe(2);
    expect(l.learnt).toBe(true);
  });

  it('refusals of requests admitted before a decrease do not lower it again (one burst, one halving)', () => {
    const { l } = limit(Infinity);
    const epoch = l.epoch;
    // A burst of 16 where 4 were allowed: twelve 429s at once, all admitted under the old limit.
    l.refused(16, epoch);
    expect(l.refused(14, epoch)).toBe(true);
    expect(l.current()).toBe(7);
    for (let i = 0; i < 10; i++) expect(l.refused(12, epoch)).toBe(false);
    expect(l.current()).toBe(7);
    // Requests admitted under the new limit that are still refused lower it further: halved, but not
    // below Microsoft's documented 4 from above it in one step…
    expect(l.refused(6, l.epoch)).toBe(true);
    expect(l.current()).toBe(4);
    // …and halved from there if 4 is still refused.
    expect(l.refused(4, l.epoch)).toBe(true);
    expect(l.current()).toBe(2);
  });

  it('recovers by one per quiet minute, up to just below the level refused, and tries that level again after an hour', () => {
    const { l, at } = limit(Infinity);
    l.refused(3, 0);
    l.refused(3, 0);
    expect(l.current()).toBe(1);
    at(MIN);
    expect(l.current()).toBe(2);
    at(2 * MIN - 1);
    expect(l.current()).toBe(2);
    // 3 drew the refusals: not tried again while remembered (no 429 every few minutes).
    at(30 * MIN);
    expect(l.current()).toBe(2);
    // Then that level again, and one more per quiet minute (a gentle probe, not a jump).
    at(60 * MIN);
    expect(l.current()).toBe(3);
    at(62 * MIN);
    expect(l.current()).toBe(5);
  });

  it('is probing from the hour the refused level is forgotten until a probe is refused again', () => {
    const { l, at } = limit(Infinity);
    expect(l.probing).toBe(false);
    l.refused(6, 0);
    l.refused(6, 0);
    expect(l.probing).toBe(false);
    at(60 * MIN - 1);
    expect(l.probing).toBe(false);
    at(60 * MIN);
    expect(l.probing).toBe(true);
    at(63 * MIN);
    // The probe's answer, twice: the level is remembered again (twice as long).
    l.refused(6, l.epoch);
    expect(l.refused(6, l.epoch)).toBe(true);
    expect(l.probing).toBe(false);
    at(63 * MIN + 120 * MIN);
    expect(l.probing).toBe(true);
  });

  it('a probe refused at the level remembered doubles the memory, up to a day; refused higher, it starts again at an hour', () => {
    const { l, at } = limit(Infinity);
    const refusedTwice = (n: number) => {
      l.refused(n, l.epoch);
      l.refused(n, l.epoch);
    };
    // Under the per-app reading: refused at 5 in flight, so 4 (Microsoft's documented number).
    refusedTwice(5);
    expect(l.current()).toBe(4);
    at(60 * MIN);
    expect(l.current()).toBe(5);
    // The probe at 5 is refused: remembered two hours now, not one.
    refusedTwice(5);
    const t1 = 60 * MIN;
    at(t1 + 119 * MIN);
    expect(l.current()).toBe(4);
    at(t1 + 120 * MIN);
    expect(l.current()).toBe(5);
    // Confirmed again and again: 4 h, 8 h, 16 h, then a day at most.
    let t = t1 + 120 * MIN;
    for (const hours of [4, 8, 16, 24, 24]) {
      refusedTwice(5);
      at(t + hours * 60 * MIN - 1);
      expect(l.current()).toBe(4);
      t += hours * 60 * MIN;
      at(t);
      expect(l.current()).toBe(5);
    }
    // The limit moved: the probe went up to 7 before a refusal (at 8). An hour's memory again.
    at(t + 3 * MIN);
    expect(l.current()).toBe(8);
    refusedTwice(8);
    t += 3 * MIN;
    at(t + 60 * MIN - 1);
    expect(l.current()).toBeLessThanOrEqual(7);
    at(t + 60 * MIN);
    expect(l.current()).toBe(8);
  });

  it('never above its ceiling (Microsoft’s 4 per mailbox)', () => {
    const { l, at } = limit(4);
    l.refused(2, 0);
    l.refused(2, 0);
    expect(l.current()).toBe(1);
    at(500 * MIN);
    expect(l.current()).toBe(4);
  });

  it('with a floor: never learnt below it, and refusals at or below it teach nothing (the app: Microsoft’s 4)', () => {
    let now = 1_000_000;
    const app = new LearntLimit(Infinity, settings, () => now, 4);
    // Refusals whatever the concurrency (an injected storm): 4 or fewer in flight, nothing learnt.
    for (let i = 0; i < 20; i++) expect(app.refused(1 + (i % 4), app.epoch)).toBe(false);
    expect(app.learnt).toBe(false);
    // Refused at 16 in flight, twice: learnt, but 4 at the lowest however often it is refused again.
    app.refused(16, app.epoch);
    expect(app.refused(16, app.epoch)).toBe(true);
    expect(app.current()).toBe(8);
    for (let i = 0; i < 10; i++) {
      now += 1_000;
      app.refused(8, app.epoch);
      app.refused(5, app.epoch);
    }
    expect(app.current()).toBe(4);
    const mailbox = new LearntLimit(4, settings, () => now, 2);
    for (let i = 0; i < 10; i++) mailbox.refused(4, mailbox.epoch);
    expect(mailbox.current()).toBe(2);
  });
});
