import { describe, expect, it } from 'vitest';
import { blocksReading, dueSecretWarning, nextHealth, type HealthState } from './connector-health.ts';

const t0 = new Date('2026-01-01T10:00:00Z');
const at = (min: number) => new Date(t0.getTime() + min * 60_000);
const connected: HealthState = {
  status: 'connected',
  problemCause: null,
  problemDetail: null,
  problemSince: null,
  transientSince: null,
  transientDetail: null,
};

describe('connector health', () => {
  it('loses access on a named cause once, and recovers once', () => {
    const lost = nextHealth(connected, {
      kind: 'problem',
      at: at(0),
      cause: 'signin_revoked',
      detail: 'AADSTS50173',
    });
    expect(lost.state.status).toBe('access_lost');
    expect(lost.event).toBe('connector.access_lost');
    const again = nextHealth(lost.state, {
      kind: 'problem',
      at: at(5),
      cause: 'signin_revoked',
      detail: 'AADSTS50173',
    });
    expect(again.event).toBeNull();
    expect(again.state.problemSince).toEqual(at(0));
    const back = nextHealth(again.state, { kind: 'ok', at: at(10) });
    expect(back.state).toEqual(connected);
    expect(back.event).toBe('connector.recovered');
  });

  it('keeps transient trouble quiet until it lasts, then shows degraded, never access lost', () => {
    let s = connected;
    for (const m of [0, 5, 10]) {
      const r = nextHealth(s, { kind: 'transient', at: at(m), detail: '429' });
      expect(r.state.status).toBe('connected');
      expect(r.event).toBeNull();
      s = r.state;
    }
    const lasting = nextHealth(s, { kind: 'transient', at: at(15), detail: '503' });
    expect(lasting.state.status).toBe('degraded');
    expect(lasting.state.problemCause).toBe('microsoft_unavailable');
    expect(lasting.event).toBeNull();
    expect(nextHealth(lasting.state, { kind: 'ok', at: at(16) }).state.status).toBe('connected');
  });

  it('does not call a lost connection back by a timeout', () => {
    const lost = nextHealth(connected, {
      kind: 'problem',
      at: at(0),
      cause: 'consent_withdrawn',
      detail: '65001',
    }).state;
    const r = nextHealth(lost, { kind: 'transient', at: at(60), detail: 'timeout' });
    expect(r.state.status).toBe('access_lost');
    expect(r.state.problemCause).toBe('consent_withdrawn');
  });
});

describe('secret expiry warnings', () => {
  const expires = new Date('2026-03-01T00:00:00Z');
  const daysBefore = (d: number) => new Date(expires.getTime() - d * 86_400_000);
  it('warns at 30, 14, 7 and 1 day(s), each once', () => {
    expect(dueSecretWarning(expires, daysBefore(40), null)).toBeNull();
    expect(dueSecretWarning(expires, daysBefore(29), null)).toBe(30);
    expect(dueSecretWarning(expires, daysBefore(20), 30)).toBeNull();
    expect(dueSecretWarning(expires, daysBefore(13), 30)).toBe(14);
    expect(dueSecretWarning(expires, daysBefore(3), 14)).toBe(7);
    expect(dueSecretWarning(expires, daysBefore(0.5), 7)).toBe(1);
    expect(dueSecretWarning(expires, daysBefore(-1), 1)).toBeNull();
  });
});

describe('blocksReading', () => {
  it('a connector-level loss blocks its mailboxes; a mailbox-level cause or an outage does not', () => {
    expect(blocksReading({ status: 'access_lost', problemCause: 'user_disabled' })).toBe(true);
    expect(blocksReading({ status: 'access_lost', problemCause: 'mailbox_no_rights' })).toBe(false);
    expect(blocksReading({ status: 'degraded', problemCause: 'microsoft_unavailable' })).toBe(false);
    expect(blocksReading({ status: 'connected', problemCause: null })).toBe(false);
  });
});
