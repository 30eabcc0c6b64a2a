import { setTimeout as delay } from 'node:timers/promises';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { rowsOf, type Db } from '../db/client.ts';
import { recordAudit } from '../db/repos/audit.ts';
import { recordEvent } from '../db/repos/events.ts';
import { intArray, uuidArray } from '../db/sql-arrays.ts';
import { events, webhookAttempts, webhookDeliveries, webhookEndpoints } from '../db/schema/index.ts';
import { asError } from '../lib/errors.ts';
import type { Vault } from '../security/vault.ts';
import { webhookDeliveries as deliveryAttempts, webhookDeliverySeconds } from '../metrics/registry.ts';
import { nextAttemptDelayMs } from './retry-schedule.ts';
import type { SendOutcome, WebhookSender } from './sender.ts';
import { endpointSecrets } from './endpoints.ts';
import { signedHeaders } from './signing.ts';

export interface DispatcherDeps {
  db: Db;
  vault: Vault;
  sender: Pick<WebhookSender, 'send'>;
  logger: Logger;
  /** The first retry's wait; the schedule scales from it (retry-schedule.ts). */
  firstRetryMs: number;
  /** An endpoint whose every delivery failed for this long is disabled. */
  disableAfterMs: number;
  /** While deliveries are in flight, how often a dispatcher with nothing claimable looks again (250 ms). */
  pollMs?: number;
  /**
   * How often an idle dispatcher looks for due deliveries (default 5 s): new ones wake it at once
   * (`wake`, on the NOTIFY of the transaction that queued them); this is for retries coming due.
   */
  idlePollMs?: number;
  /** Deliveries in flight at once in this process (default 64: bench/README.md, "webhooks"). */
  concurrency?: number;
  /**
   * Deliveries in flight at once to one endpoint, in this process (default 32): a slow or hanging
   * receiver (10 s each) holds at most this many slots, and the others' deliveries still go out.
   */
  perEndpoint?: number;
}

/** An idle dispatcher's look for retries come due; new deliveries wake it (`wake`). */
const IDLE_POLL_MS = 5_000;

/** A claimed delivery is someone's for this long: a worker killed mid-send frees it then (and it is sent again, same webhook-id). */
const LEASE_SECONDS = 60;

type Delivery = typeof webhookDeliveries.$inferSelect;
type Endpoint = typeof webhookEndpoints.$inferSelect;
/** A claimed delivery with what its send needs; `event` is null if the event no longer exists. */
type Claimed = { delivery: Delivery; endpoint: Endpoint; event: typeof events.$inferSelect | null };

/**
 * Sends due webhook deliveries (decision 0010). The deliveries table is the queue: a worker claims
 * due rows with `FOR UPDATE SKIP LOCKED` and a lease, so any number of worker processes share the
 * work and none sends a delivery another is sending. Each attempt is logged; a success ends it; a
 * failure waits per the retry schedule (exponential, jittered, over more than 24 h), then fails.
 */
export class WebhookDispatcher {
  private readonly d: DispatcherDeps;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private roundInProgress = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAt = 0;
  private wokenDuringRound = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** Deliveries in flight per endpoint in this process (what `perEndpoint` is counted against). */
  private readonly busy = new Map<string, number>();

  constructor(deps: DispatcherDeps) {
    this.d = deps;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops claiming and waits for the deliveries in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.running;
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Deliveries were queued (a NOTIFY from their transaction, in any process): an idle dispatcher
   * looks at once, one in a round looks again right after it (issue 22 §3: polling every 250 ms was
   * most of an idle process's queries after the job queue's).
   */
  wake(): void {
    if (this.stopped) return;
    if (this.roundInProgress) {
      this.wokenDuringRound = true;
      return;
    }
    clearTimeout(this.timer);
    this.schedule(0);
  }

  /** A `wake` in `ms` (the earliest asked for is kept; a later retry is the idle poll's). */
  private wakeIn(ms: number): void {
    const at = Date.now() + ms;
    if (this.retryTimer && this.retryAt <= at) return;
    clearTimeout(this.retryTimer);
    this.retryAt = at;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.wake();
    }, ms).unref();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.roundInProgress = true;
      this.wokenDuringRound = false;
      this.running = this.round()
        .finally(() => (this.roundInProgress = false))
        .then((claimed) =>
          this.schedule(claimed || this.wokenDuringRound ? 0 : (this.d.idlePollMs ?? IDLE_POLL_MS)),
        )
        .catch((err: unknown) => {
          this.d.logger.warn({ err: asError(err) }, 'webhook dispatch round failed; trying again shortly');
          this.schedule(2000);
        });
    }, ms);
    this.timer.unref();
  }

  /** One claim-and-send round; answers how many it claimed. Public for tests and the bench. */
  async round(): Promise<number> {
    const room = (this.d.concurrency ?? 64) - this.inFlight.size;
    if (room <= 0) {
      await Promise.race(this.inFlight);
      return 1;
    }
    const claimed = await this.claim(room);
    for (const c of claimed) {
      const endpointId = c.endpoint.id;
      this.busy.set(endpointId, (this.busy.get(endpointId) ?? 0) + 1);
      const p = this.deliver(c)
        .catch((err: unknown) =>
          this.d.logger.warn(
            { deliveryId: c.delivery.id, err: asError(err) },
            'webhook delivery could not be recorded; its lease will bring it back',
          ),
        )
        .finally(() => {
          this.inFlight.delete(p);
          const n = (this.busy.get(endpointId) ?? 1) - 1;
          if (n > 0) this.busy.set(endpointId, n);
          else this.busy.delete(endpointId);
        });
      this.inFlight.add(p);
    }
    // Nothing claimable while deliveries are in flight (their endpoints at their limits): go again as
    // soon as one ends — a fast receiver's slot is free in milliseconds — or after the poll interval,
    // for other endpoints' deliveries that become due (a hanging one's slot can take 10 s).
    if (!claimed.length && this.inFlight.size) {
      await Promise.race([Promise.race(this.inFlight), delay(this.d.pollMs ?? 250)]);
      return 1;
    }
    return claimed.length;
  }

  /**
   * Claims up to `limit` due deliveries, oldest first, but no more per endpoint than its free slots
   * (`perEndpoint` less what this process is sending it): per enabled endpoint, its oldest due
   * deliveries through the (endpoint, next attempt) index, a few rows each however long a backlog is;
   * then the lock on the chosen ones.
   */
  private async claim(limit: number): Promise<Claimed[]> {
    const perEndpoint = this.d.perEndpoint ?? 32;
    const busyIds = [...this.busy.keys()];
    const busyCounts = busyIds.map((id) => this.busy.get(id)!);
    const res = await this.d.db.execute(sql`
      update webhook_deliveries d
         set next_attempt_at = now() + make_interval(secs => ${LEASE_SECONDS}), attempts = d.attempts + 1, last_attempt_at = now()
        from (select x.id from webhook_deliveries x
               where x.id in (
                 select due.id
                   from webhook_endpoints w
                   left join unnest(${uuidArray(busyIds)}, ${intArray(busyCounts)}) as b(endpoint_id, n)
                     on b.endpoint_id = w.id
                   cross join lateral (
                     select y.id from webhook_deliveries y
                      where y.endpoint_id = w.id and y.state = 'pending' and y.next_attempt_at <= now()
                      order by y.next_attempt_at
                      limit greatest(0, ${perEndpoint} - coalesce(b.n, 0))) due
                  where w.enabled)
               order by x.next_attempt_at
               limit ${limit}
               for update of x skip locked) c
       where d.id = c.id
      returning d.id`);
    const ids = rowsOf<{ id: string }>(res).map((r) => r.id);
    if (!ids.length) return [];
    // Each delivery's endpoint and event, for the whole claim in one statement (not one per delivery).
    return this.d.db
      .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints, event: events })
      .from(webhookDeliveries)
      .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
      .leftJoin(events, eq(events.id, webhookDeliveries.eventId))
      .where(inArray(webhookDeliveries.id, ids));
  }

  private async deliver({ delivery: c, endpoint, event }: Claimed): Promise<void> {
    // (A deleted endpoint takes its deliveries with it; a missing event fails the delivery.)
    if (!event) {
      await this.d.db
        .update(webhookDeliveries)
        .set({ state: 'failed', lastError: 'the event or the endpoint no longer exists' })
        .where(eq(webhookDeliveries.id, c.id));
      return;
    }
    const body = JSON.stringify({
      type: event.type,
      timestamp: event.createdAt.toISOString(),
      data: event.payload,
    });
    const headers = signedHeaders(
      endpointSecrets(this.d.vault, endpoint),
      `msg_${event.id}`,
      Math.floor(Date.now() / 1000),
      body,
    );
    const outcome = await this.d.sender.send(endpoint.url, headers, body);
    await this.record(c, endpoint, body, outcome);
  }

  private async record(c: Delivery, endpoint: Endpoint, body: string, outcome: SendOutcome): Promise<void> {
    const now = new Date();
    const retryIn = outcome.ok ? null : nextAttemptDelayMs(c.attempts, this.d.firstRetryMs);
    if (outcome.ok && !endpoint.failingSince) {
      // The usual case, a healthy endpoint's success: the attempt and the delivery's new state in one
      // statement — as atomic as the transaction below, one round trip instead of four.
      await this.d.db.execute(sql`
        with attempt as (
          insert into webhook_attempts (delivery_id, endpoint_id, status, duration_ms, excerpt, request_body)
          values (${c.id}, ${c.endpointId}, ${outcome.status}, ${outcome.durationMs}, ${outcome.excerpt}, ${body}))
        update webhook_deliveries
           set last_status = ${outcome.status}, last_error = null, state = 'succeeded', delivered_at = ${now.toISOString()}::timestamptz
         where id = ${c.id} and state = 'pending'`);
    } else
      await this.d.db.transaction(async (tx) => {
        await tx.insert(webhookAttempts).values({
          deliveryId: c.id,
          endpointId: c.endpointId,
          status: outcome.status,
          durationMs: outcome.durationMs,
          excerpt: outcome.excerpt,
          requestBody: body,
        });
        await tx
          .update(webhookDeliveries)
          .set({
            lastStatus: outcome.status,
            lastError: outcome.ok ? null : outcome.excerpt.slice(0, 500),
            ...(outcome.ok
              ? { state: 'succeeded' as const, deliveredAt: now }
              : retryIn === null
                ? { state: 'failed' as const }
                : { nextAttemptAt: new Date(now.getTime() + retryIn) }),
          })
          .where(and(eq(webhookDeliveries.id, c.id), eq(webhookDeliveries.state, 'pending')));
        if (outcome.ok) {
          if (endpoint.failingSince)
            await tx
              .update(webhookEndpoints)
              .set({ failingSince: null })
              .where(eq(webhookEndpoints.id, endpoint.id));
          return;
        }
        const since = endpoint.failingSince ?? now;
        if (!endpoint.failingSince)
          await tx
            .update(webhookEndpoints)
            .set({ failingSince: now })
            .where(and(eq(webhookEndpoints.id, endpoint.id), sql`failing_since is null`));
        if (now.getTime() - since.getTime() >= this.d.disableAfterMs)
          await disableEndpoint(tx, endpoint, since);
      });
    // This process knows when its retry is due: it looks then rather than at its next idle poll.
    if (retryIn !== null) this.wakeIn(retryIn);
    deliveryAttempts.inc({ outcome: outcome.ok ? 'success' : retryIn === null ? 'failed' : 'failure' });
    webhookDeliverySeconds.observe(outcome.durationMs / 1000);
    if (!outcome.ok)
      this.d.logger.info(
        {
          deliveryId: c.id,
          endpointId: c.endpointId,
          status: outcome.status,
          attempt: c.attempts,
          retryInMs: retryIn,
        },
        'webhook delivery failed',
      );
  }
}

/** Failing for days: disabled, with an in-app notice (the endpoint's reason) and an event. */
async function disableEndpoint(
  tx: Db,
  endpoint: typeof webhookEndpoints.$inferSelect,
  since: Date,
): Promise<void> {
  const reason = `Every delivery failed since ${since.toISOString()}; Mailroom stopped sending. Fix the receiver, then enable the endpoint again.`;
  const [done] = await tx
    .update(webhookEndpoints)
    .set({ enabled: false, disabledAt: new Date(), disabledReason: reason, updatedAt: new Date() })
    .where(and(eq(webhookEndpoints.id, endpoint.id), eq(webhookEndpoints.enabled, true)))
    .returning({ id: webhookEndpoints.id });
  if (!done) return;
  const details = { endpointId: endpoint.id, url: endpoint.url, failingSince: since.toISOString() };
  await recordEvent(tx, {
    workspaceId: endpoint.workspaceId,
    type: 'webhook.endpoint_disabled',
    subject: { type: 'webhook_endpoint', id: endpoint.id },
    payload: details,
  });
  await recordAudit(tx, {
    workspaceId: endpoint.workspaceId,
    actor: null,
    action: 'webhook.endpoint_disabled',
    target: { type: 'webhook_endpoint', id: endpoint.id },
    details,
  });
}
