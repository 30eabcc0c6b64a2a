import type { ConnectorStatus, ProblemCause } from '@mailroom/contracts';

/**
 * The connector health state machine (product spec §2): `connected` → `degraded` → `access lost` and
 * back. Pure: given the stored state and one observation, it returns the next state and the event to
 * record, if any. Every probe and every real call feeds it.
 */
export interface HealthState {
  status: ConnectorStatus;
  problemCause: ProblemCause | null;
  problemDetail: string | null;
  problemSince: Date | null;
  transientSince: Date | null;
  transientDetail: string | null;
}

export type Observation =
  | { kind: 'ok'; at: Date }
  | { kind: 'transient'; at: Date; detail: string }
  | { kind: 'problem'; at: Date; cause: ProblemCause; detail: string };

export type HealthEvent = 'connector.access_lost' | 'connector.recovered';

/** Throttling, timeouts and 5xx are retried quietly; only when they last this long are they shown. */
export const DEFAULT_TRANSIENT_ALARM_MS = 15 * 60_000;

export function nextHealth(
  prev: HealthState,
  obs: Observation,
  opts: { transientAlarmMs: number } = { transientAlarmMs: DEFAULT_TRANSIENT_ALARM_MS },
): { state: HealthState; event: HealthEvent | null } {
  switch (obs.kind) {
    case 'ok':
      return {
        state: {
          status: 'connected',
          problemCause: null,
          problemDetail: null,
          problemSince: null,
          transientSince: null,
          transientDetail: null,
        },
        event: prev.status === 'access_lost' ? 'connector.recovered' : null,
      };
    case 'problem': {
      const same = prev.status === 'access_lost' && prev.problemCause === obs.cause;
      return {
        state: {
          status: 'access_lost',
          problemCause: obs.cause,
          problemDetail: obs.detail,
          problemSince: same ? prev.problemSince : obs.at,
          transientSince: null,
          transientDetail: null,
        },
        event: prev.status === 'access_lost' ? null : 'connector.access_lost',
      };
    }
    case 'transient': {
      const since = prev.transientSince ?? obs.at;
      // Lost access stays lost: a timeout proves nothing either way.
      if (prev.status === 'access_lost')
        return { state: { ...prev, transientSince: since, transientDetail: obs.detail }, event: null };
      const lasting = obs.at.getTime() - since.getTime() >= opts.transientAlarmMs;
      if (!lasting)
        return { state: { ...prev, transientSince: since, transientDetail: obs.detail }, event: null };
      return {
        state: {
          status: 'degraded',
          problemCause: 'microsoft_unavailable',
          problemDetail: obs.detail,
          problemSince: prev.problemCause === 'microsoft_unavailable' ? prev.problemSince : obs.at,
          transientSince: since,
          transientDetail: obs.detail,
        },
        event: null,
      };
    }
  }
}

/** Secret expiry warnings go out 30, 14, 7 and 1 day(s) before. Returns the threshold now due, if any. */
export const SECRET_WARNING_DAYS = [30, 14, 7, 1] as const;

export function dueSecretWarning(
  expiresAt: Date,
  now: Date,
  alreadyWarnedDays: number | null,
): number | null {
  const daysLeft = (expiresAt.getTime() - now.getTime()) / 86_400_000;
  if (daysLeft <= 0) return null;
  const due = SECRET_WARNING_DAYS.filter((d) => daysLeft <= d).at(-1);
  if (due === undefined) return null;
  return alreadyWarnedDays === null || due < alreadyWarnedDays ? due : null;
}

/**
 * Whether a connector's state stops its mailboxes from being read: it has lost access for a reason of
 * its own (sign-in, consent, secret, tenant). A mailbox-level cause concerns one mailbox (its access
 * says so), and a degraded connector (Microsoft slow or failing) keeps trying.
 */
export function blocksReading(c: { status: ConnectorStatus; problemCause: string | null }): boolean {
  return c.status === 'access_lost' && c.problemCause !== null && !c.problemCause.startsWith('mailbox_');
}
