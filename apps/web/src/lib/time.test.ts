import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dayOf, startOfDay, startOfToday } from './time.ts';

// Node reads TZ again whenever it changes, so the browser's zone can be played here.
describe('days where the user is (Europe/Brussels)', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.TZ;
    process.env.TZ = 'Europe/Brussels';
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  it('today starts at the local midnight, not the UTC one, late in the UTC evening', () => {
    const now = new Date('2026-11-27T23:30:00Z'); // 00:30 on the 28th in Brussels
    expect(startOfToday(now)).toBe('2026-11-27T23:00:00.000Z');
    expect(dayOf(startOfToday(now))).toBe('2026-11-28');
  });

  it('a day field round-trips through its start, across a daylight-saving change', () => {
    expect(startOfDay('2026-03-29')).toBe('2026-03-28T23:00:00.000Z');
    expect(dayOf(startOfDay('2026-03-29')!)).toBe('2026-03-29');
    expect(startOfDay('2026-07-01')).toBe('2026-06-30T22:00:00.000Z');
  });

  it('refuses what is not a day', () => {
    expect(startOfDay('28/11/2026')).toBeNull();
    expect(startOfDay('1999-12-31')).toBeNull();
  });
});
