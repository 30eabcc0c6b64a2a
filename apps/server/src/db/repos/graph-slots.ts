import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { and, eq, inArray, like, lt, sql } from 'drizzle-orm';
import type { HeldSlots, SlotLeases } from '../../microsoft/slot-leases.ts';
import { isAlive } from '../../process-identity.ts';
import { rowsOf, type Db } from '../client.ts';
import { graphSlots } from '../schema/index.ts';

/**
 * A process's leases expire this long after their last renewal (a killed worker's slots on another
 * host come back then; on this host at once, see `reclaimDead`). The pacer renews every second.
 */
const LEASE_MS = 15_000;
/** A process that found a mailbox's slots all taken is counted as wanting one for this long (it asks again every 250 ms). */
const WANTED_MS = 2_000;
/** Expired rows are reused by the next lease of their mailbox; the housekeeping deletes those left this long. */
export const EXPIRED_SLOT_KEEP_MS = 60_000;

/**
 * Database-backed leases: one row per (mailbox, slot); a slot is free when it has no row or an expired one.
 * An app's slots are rows too, under the key `app:<tenant>:<app id>` (decision 0020).
 */
export class DbSlotLeases implements SlotLeases {
  private readonly db: Db;
  private readonly slots: number;
  private readonly leaseSeconds: number;
  readonly leaseMs: number;
  /** Host and pid first: a restarted process on this host frees what its dead predecessor held (`reclaimDead`). */
  readonly holder = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  /** `leaseMs`: tests shorten it to see a lease expire. */
  constructor(db: Db, slots = 4, opts: { leaseMs?: number } = {}) {
    this.db = db;
    this.slots = slots;
    this.leaseMs = opts.leaseMs ?? LEASE_MS;
    this.leaseSeconds = this.leaseMs / 1000;
  }

  async claim(key: string, limit = this.slots): Promise<boolean> {
    if (!Number.isFinite(limit) || limit < 1) throw new Error(`graph_slots: no finite limit for ${key}`);
    // Only slots below `limit`: a process that has learnt a lower limit than the others leases fewer;
    // rows above it held by others run out with their requests (decision 0020).
    // Two processes may pick the same free slot: the primary key lets one win; the loser's
    // conditional update matches nothing, so it gets no row back and tries again later.
    // None free: the holders' rows say that this process wants one, in the same statement; each holder
    // reads it at its next renewal and gives back what it does not use.
    const res = await this.db.execute(sql`
      with leased as (
        insert into ${graphSlots} (mailbox, slot, holder, expires_at)
        select ${key}, s, ${this.holder}, now() + make_interval(secs => ${this.leaseSeconds})
        from generate_series(0, ${Math.max(1, Math.floor(limit)) - 1}) as s
        where not exists (
          select 1 from ${graphSlots} g where g.mailbox = ${key} and g.slot = s and g.expires_at > now()
        )
        order by s
        limit 1
        on conflict (mailbox, slot) do update
          set holder = excluded.holder, expires_at = excluded.expires_at, wanted_at = null
          where ${graphSlots.expiresAt} <= now()
        returning slot
      ), wanted as (
        update ${graphSlots} set wanted_at = now()
         where mailbox = ${key} and holder <> ${this.holder} and expires_at > now()
           and not exists (select 1 from leased)
      )
      select slot from leased`);
    return rowsOf(res).length > 0;
  }

  async release(key: string): Promise<void> {
    await this.db
      .delete(graphSlots)
      .where(and(eq(graphSlots.mailbox, key), eq(graphSlots.holder, this.holder)));
  }

  async releaseOne(key: string): Promise<void> {
    await this.db.execute(sql`
      delete from ${graphSlots}
       where (mailbox, slot) in (
         select mailbox, slot from ${graphSlots}
          where mailbox = ${key} and holder = ${this.holder}
          order by slot desc limit 1)`);
  }

  async renew(): Promise<Map<string, HeldSlots>> {
    const rows = await this.db
      .update(graphSlots)
      .set({ expiresAt: sql`now() + make_interval(secs => ${this.leaseSeconds})` })
      .where(eq(graphSlots.holder, this.holder))
      .returning({
        key: graphSlots.mailbox,
        wanted: sql<boolean>`coalesce(${graphSlots.wantedAt} > now() - make_interval(secs => ${WANTED_MS / 1000}), false)`,
      });
    const held = new Map<string, HeldSlots>();
    for (const { key, wanted } of rows) {
      const h = held.get(key) ?? { slots: 0, wanted: false };
      h.slots++;
      h.wanted ||= wanted === true;
      held.set(key, h);
    }
    return held;
  }

  /** At start: leases held by processes of this host that no longer run are freed at once, not after expiry. */
  async reclaimDead(): Promise<void> {
    const host = os.hostname();
    const rows = await this.db
      .selectDistinct({ holder: graphSlots.holder })
      .from(graphSlots)
      .where(like(graphSlots.holder, `${host}:%`));
    const dead = rows
      .map((r) => r.holder)
      .filter((h) => h !== this.holder && !isAlive(Number(h.split(':')[1])));
    if (dead.length) await this.db.delete(graphSlots).where(inArray(graphSlots.holder, dead));
  }

  async releaseAll(): Promise<void> {
    await this.db.delete(graphSlots).where(eq(graphSlots.holder, this.holder));
  }
}

/** Housekeeping: slot rows expired for a while (mailboxes no process uses any more) are deleted. */
export async function deleteExpiredSlots(db: Db, now: Date): Promise<number> {
  const rows = await db
    .delete(graphSlots)
    .where(lt(graphSlots.expiresAt, new Date(now.getTime() - EXPIRED_SLOT_KEEP_MS)))
    .returning({ slot: graphSlots.slot });
  return rows.length;
}
