import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { and, eq, inArray, like, sql } from 'drizzle-orm';
import type { SlotLeases } from '../../microsoft/slot-leases.ts';
import { rowsOf, type Db } from '../client.ts';
import { graphSlots } from '../schema/index.ts';

/** A process's leases expire this long after their last renewal (a killed worker's slots come back then). */
const LEASE_MS = 15_000;

/** Database-backed leases: one row per (mailbox, slot); a slot is free when it has no row or an expired one. */
export class DbSlotLeases implements SlotLeases {
  private readonly db: Db;
  private readonly slots: number;
  /** Host and pid first: a restarted process on this host frees what its dead predecessor held (`reclaimDead`). */
  readonly holder = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  constructor(db: Db, slots = 4) {
    this.db = db;
    this.slots = slots;
  }

  async claim(key: string): Promise<boolean> {
    // Two processes may pick the same free slot: the primary key lets one win; the loser's
    // conditional update matches nothing, so it gets no row back and tries again later.
    const res = await this.db.execute(sql`
      insert into ${graphSlots} (mailbox, slot, holder, expires_at)
      select ${key}, s, ${this.holder}, now() + make_interval(secs => ${LEASE_MS / 1000})
      from generate_series(0, ${this.slots - 1}) as s
      where not exists (
        select 1 from ${graphSlots} g where g.mailbox = ${key} and g.slot = s and g.expires_at > now()
      )
      order by s
      limit 1
      on conflict (mailbox, slot) do update
        set holder = excluded.holder, expires_at = excluded.expires_at
        where ${graphSlots.expiresAt} <= now()
      returning slot`);
    return rowsOf(res).length > 0;
  }

  async release(key: string): Promise<void> {
    await this.db
      .delete(graphSlots)
      .where(and(eq(graphSlots.mailbox, key), eq(graphSlots.holder, this.holder)));
  }

  async renew(): Promise<void> {
    await this.db
      .update(graphSlots)
      .set({ expiresAt: sql`now() + make_interval(secs => ${LEASE_MS / 1000})` })
      .where(eq(graphSlots.holder, this.holder));
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
      .filter((h) => h !== this.holder && !alive(Number(h.split(':')[1])));
    if (dead.length) await this.db.delete(graphSlots).where(inArray(graphSlots.holder, dead));
  }

  async releaseAll(): Promise<void> {
    await this.db.delete(graphSlots).where(eq(graphSlots.holder, this.holder));
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
