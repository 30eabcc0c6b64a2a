/**
 * Leases on a mailbox's concurrency slots — or an app's (`app:<tenant>:<app id>`, once a limit has been
 * learnt for it, decision 0020) — shared by every process (see db/schema/pacing.ts).
 */
export interface SlotLeases {
  /**
   * Leases one more slot of `key` for this process; false when the others hold them all. `limit`: how
   * many slots `key` has (a limit learnt from 429s, or an app's; default Microsoft's 4 per mailbox).
   */
  claim(key: string, limit?: number): Promise<boolean>;
  /** Gives back all of this process's slots of `key`. */
  release(key: string): Promise<void>;
  /** Gives back one of this process's slots of `key` (a busy process sharing with the others). */
  releaseOne?(key: string): Promise<void>;
  /** Extends this process's leases; called every few seconds while it holds any. */
  renew(): Promise<void>;
  /**
   * Frees at once the leases of processes known to be dead (a killed worker on this host), instead
   * of after their expiry; called every tick.
   */
  reclaimDead?(): Promise<void>;
}
