import { newGuid } from '../util/ids.ts';
import { DEFAULT_QUIRKS, type Quirks } from './quirks.ts';

/**
 * Fault injection (control API): make Graph misbehave the ways it does in production, on
 * demand and reproducibly (probabilities use a seeded generator).
 */
export type FaultAction =
  /** An error answer: 429 with Retry-After, 503 with/without Retry-After, 504, anything. */
  | { kind: 'status'; status: number; code?: string; message?: string; retryAfterSeconds?: number }
  /** Hold the request (and its throttling slot) before answering normally. */
  | { kind: 'delay'; ms: number }
  /** Close the connection without answering. */
  | { kind: 'drop' }
  /** Answer with a full Content-Length but only half of the body, then close. */
  | { kind: 'truncate' }
  /** Delta only: the round started by this request replays every message of the folder (as Exchange sometimes does). */
  | { kind: 'deltaReplay' }
  /** Do the request (send, move, …), then close the connection without answering: the effect happened, the client never heard. */
  | { kind: 'dropAfter' };

export interface FaultRuleInput {
  /** Regular expression (case-insensitive) tested against the path and query, e.g. `/messages/delta`. */
  path: string;
  method?: string;
  action: FaultAction;
  /** Apply this many times, then the rule is spent (default: unlimited). */
  count?: number;
  /** Chance of applying to each matching request (default 1). */
  probability?: number;
  /** Let this many matching requests through first. */
  skip?: number;
}

export interface FaultRule extends FaultRuleInput {
  id: string;
  hits: number;
  seen: number;
}

export type NotificationFaultKind = 'drop' | 'duplicate' | 'delay' | 'reorder' | 'moveAfterNotify';

export interface NotificationFaultInput {
  kind: NotificationFaultKind;
  count?: number;
  probability?: number;
  /** delay: how long to hold the notification. */
  delayMs?: number;
  /** moveAfterNotify: where the "Outlook rule" moves the message (well-known name or display name; default archive). */
  destination?: string;
}

export interface NotificationFault extends NotificationFaultInput {
  id: string;
  hits: number;
}

/** mulberry32: a small seeded PRNG so a fault run can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  rules: FaultRule[] = [];
  notificationRules: NotificationFault[] = [];
  /** Graph's own misbehaviours, opt-in (`quirks.ts`). */
  quirks: Quirks = { ...DEFAULT_QUIRKS };
  private random = seededRandom(1);

  /** A draw of the seeded generator (for quirks that apply to a share of cases). */
  chance(rate: number): boolean {
    return rate > 0 && this.random() < rate;
  }

  setSeed(seed: number): void {
    this.random = seededRandom(seed);
  }

  add(input: FaultRuleInput): FaultRule {
    new RegExp(input.path, 'i'); // throws on a bad pattern
    const r: FaultRule = { ...input, id: newGuid(), hits: 0, seen: 0 };
    this.rules.push(r);
    return r;
  }

  addNotificationFault(input: NotificationFaultInput): NotificationFault {
    const r: NotificationFault = { ...input, id: newGuid(), hits: 0 };
    this.notificationRules.push(r);
    return r;
  }

  remove(id: string): boolean {
    const before = this.rules.length + this.notificationRules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    this.notificationRules = this.notificationRules.filter((r) => r.id !== id);
    return this.rules.length + this.notificationRules.length !== before;
  }

  clear(): void {
    this.rules = [];
    this.notificationRules = [];
    this.quirks = { ...DEFAULT_QUIRKS };
  }

  /** The first rule that fires for this request (and counts it), if any. */
  match(method: string, pathAndQuery: string): FaultAction | undefined {
    if (this.rules.length === 0) return undefined;
    for (const r of this.rules) {
      if (r.count !== undefined && r.hits >= r.count) continue;
      if (r.method && r.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!new RegExp(r.path, 'i').test(pathAndQuery)) continue;
      r.seen++;
      if (r.skip && r.seen <= r.skip) continue;
      if (r.probability !== undefined && this.random() >= r.probability) continue;
      r.hits++;
      return r.action;
    }
    return undefined;
  }

  /** The notification faults that fire for one notification. */
  matchNotification(): NotificationFault[] {
    const out: NotificationFault[] = [];
    for (const r of this.notificationRules) {
      if (r.count !== undefined && r.hits >= r.count) continue;
      if (r.probability !== undefined && this.random() >= r.probability) continue;
      r.hits++;
      out.push(r);
    }
    return out;
  }
}
