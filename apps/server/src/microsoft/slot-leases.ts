/** This process's slots of one key, by the database's count, and whether another process wants one. */
export interface HeldSlots {
  slots: number;
  /** Another process found them all taken a moment ago (see `graph_slots.wanted_at`). */
  wanted: boolean;
}

/**
 * Leases on a mailbox's concurrency slots — or an app's (`app:<tenant>:<app id>`, once a limit has been
 * learnt for it, decision 0020) — shared by every process (see db/schema/pacing.ts).
 */
export interface SlotLeases {
  /**
   * Leases one more slot of `key` for this process; false when the others hold them all (and then they
   * are told that this one wants one). `limit`: how many slots `key` has (a limit learnt from 429s, or
   * an app's; default Microsoft's 4 per mailbox).
   */
  claim(key: string, limit?: number): Promise<boolean>;
  /** Gives back all of this process's slots of `key`. */
  release(key: string): Promise<void>;
  /** Gives back one of this process's slots of `key` (a busy process sharing with the others). */
  releaseOne?(key: string): Promise<void>;
  /**
   * Extends this process's leases; called every second while it holds any. Returns how many slots of
   * each key this process holds now, by the database's count (the pacer corrects its own count with
   * it: a lease answer lost in a database restart must not leave it believing it holds a slot another
   * process now has) and whether another process wants one, or nothing when the leases are this
   * process's alone.
   */
  renew(): Promise<Map<string, HeldSlots> | void>;
  /**
   * How long a lease lasts after its renewal: a process whose renewals have failed for most of it stops
   * starting requests, since other processes may take its slots once they lapse. Infinite when unset.
   */
  readonly leaseMs?: number;
  /**
   * Frees at once the leases of processes known to be dead (a killed worker on this host), instead
   * of after their expiry; called every tick.
   */
  reclaimDead?(): Promise<void>;
}

/** In-process leases: the whole limit for this one process (the pacer's unit tests; the server always leases in the database). */
export class LocalSlotLeases implements SlotLeases {
  private readonly held = new Map<string, number>();
  private readonly slots: number;
  constructor(slots = 4) {
    this.slots = slots;
  }
  claim(key: string, limit = this.slots): Promise<boolean> {
    const n = this.held.get(key) ?? 0;
    if (n >= limit) return Promise.resolve(false);
    this.held.set(key, n + 1);
    return Promise.resolve(true);
  }
  release(key: string): Promise<void> {
    this.held.delete(key);
    return Promise.resolve();
  }
  releaseOne(key: string): Promise<void> {
    const n = this.held.get(key) ?? 0;
    if (n > 0) this.held.set(key, n - 1);
    return Promise.resolve();
  }
  renew(): Promise<void> {
    return Promise.resolve();
  }
}
