import { and, eq, inArray, isNull, lt, ne, notInArray, or, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { TokenBroker } from '../connectors/token-broker.ts';
import {
  nextSubscriptionAction,
  pushEligibility,
  RENEW_AT_FRACTION,
  SUBSCRIPTION_LIFETIME_MINUTES,
} from '../core/push-policy.ts';
import type { Db } from '../db/client.ts';
import { connectors, graphSubscriptions, mailboxes, monitoredFolders } from '../db/schema/index.ts';
import { classify } from '../microsoft/classify.ts';
import { GraphApiError } from '../microsoft/graph.ts';
import type { LifetimeContext, SubscriptionClient } from '../microsoft/subscriptions.ts';
import { randomToken, safeEqual, sha256 } from '../security/tokens.ts';
import { validDate } from '../lib/dates.ts';
import { asError } from '../lib/errors.ts';
import { withTimeout } from '../lib/with-timeout.ts';
import type { PushContext } from './deps.ts';

export const NOTIFICATION_PATH = '/api/v1/graph/notifications';
export const LIFECYCLE_PATH = '/api/v1/graph/lifecycle';

type Send = (name: string, payload: object, options: { singletonKey?: string }) => Promise<void>;
/** Many jobs of one kind in one insert: a notification POST may carry hundreds of items. */
type SendMany = (
  name: string,
  items: { payload: object; singletonKey?: string; priority?: number }[],
) => Promise<void>;

/** What `ensure` did to one folder's subscription. */
export type EnsureResult = 'created' | 'renewed' | 'none' | 'released' | 'failed';
/** Inside `ensure`: a renewal after `reauthorizationRequired` is told apart, as it needs a delta round. */
type EnsureOutcome = EnsureResult | 'reauthorized';

/** `subscription.ensure` jobs asked for by a lifecycle event run before the others (higher first). */
export const LIFECYCLE_PRIORITY = 10;

export interface PushDeps {
  db: Db;
  broker: TokenBroker;
  client: SubscriptionClient;
  logger: Logger;
  /** MAILROOM_PUSH: off means reconciliation only (e.g. a server Microsoft cannot reach). */
  enabled: boolean;
  /** The public address Microsoft posts to (known once the HTTP server listens). */
  baseUrl: () => string;
  send: Send;
  sendMany: SendMany;
  /** A subscription that could not be created is tried again after this long (the reconciliation interval). */
  retryAfterFailureMs: number;
  now?: () => Date;
}

/** One item of a notification or lifecycle POST, as far as we read it. */
export interface NotificationItem {
  subscriptionId?: unknown;
  clientState?: unknown;
  lifecycleEvent?: unknown;
}

export interface AcceptResult {
  accepted: number;
  rejected: number;
  folders: number;
}

const ELIGIBLE_SQL = sql`(${connectors.authMode} in ('organization', 'own_app') or (${connectors.authMode} = 'delegated' and lower(${connectors.accountOid}) = lower(${mailboxes.graphUserId})))`;

/**
 * Push delivery (issue 7): a Graph subscription per monitored folder, created with a random
 * clientState and the longest lifetime, renewed days before expiry, recreated when Microsoft
 * removes it, deleted when the folder stops being read. Notifications only wake the folder's delta
 * round; reconciliation keeps running, so a lost notification delays mail by minutes, never loses it.
 */
export class PushService {
  private readonly d: PushDeps;
  /** Notifications naming a subscription we do not know (forged, or deleted on our side): counted here. */
  unknownRejected = 0;
  constructor(deps: PushDeps) {
    this.d = deps;
  }

  get enabled(): boolean {
    return this.d.enabled;
  }

  private now(): Date {
    return this.d.now?.() ?? new Date();
  }

  private async pushContext(folderId: string): Promise<PushContext | undefined> {
    const row = await this.context(folderId);
    return (
      row && {
        active: row.f.active,
        authMode: row.c.authMode,
        accountOid: row.c.accountOid,
        graphUserId: row.m.graphUserId,
        subscription: row.s ?? undefined,
      }
    );
  }

  private async context(folderId: string) {
    const [row] = await this.d.db
      .select({ f: monitoredFolders, m: mailboxes, c: connectors, s: graphSubscriptions })
      .from(monitoredFolders)
      .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
      .innerJoin(connectors, eq(connectors.id, mailboxes.connectorId))
      .leftJoin(graphSubscriptions, eq(graphSubscriptions.folderId, monitoredFolders.id))
      .where(eq(monitoredFolders.id, folderId));
    return row;
  }

  /**
   * After a folder's round: asks for a subscription job when the folder has none (or needs renewal).
   * `known`: the folder as the round read it; without it, read here (four joined rows: for 10,000 idle
   * folders' reconciliation rounds, a statement each for nothing).
   */
  async afterRound(folderId: string, known?: PushContext): Promise<void> {
    if (!this.d.enabled) return;
    const row = known ?? (await this.pushContext(folderId));
    if (!row || !row.active || !pushEligibility(row.authMode, row.accountOid, row.graphUserId).push) return;
    const action = nextSubscriptionAction(row.subscription, this.now(), this.d.retryAfterFailureMs);
    if (action === 'create' || action === 'renew')
      await this.d.send('subscription.ensure', { folderId }, { singletonKey: folderId });
  }

  /**
   * Brings each folder's subscription to what it should be: created, renewed, or deleted. The job
   * that calls it runs one at a time per folder; a fetch of them runs side by side here. Transient
   * Graph trouble is that folder's error (its job retries); a named problem is recorded on the row
   * and shown, and the folder is polled meanwhile.
   *
   * The delta rounds that must follow a creation or a reauthorization are queued together, in one
   * statement: one send per folder was 20,000 of the 34,000 single inserts of the 10,000-folder
   * scale run. A failed send fails only the jobs of the folders that needed a round; their retry
   * finds the subscription in place and queues nothing, so such a round is left to reconciliation,
   * which runs regardless (as when a single send failed). Per folder, in order: what was done, or
   * the error to retry its job with.
   */
  async ensure(folderIds: string[]): Promise<(EnsureResult | Error)[]> {
    const settled = await Promise.allSettled(folderIds.map((id) => this.ensureOne(id)));
    const results = settled.map((o) => (o.status === 'fulfilled' ? o.value : asError(o.reason)));
    const needsRound = (r: EnsureOutcome | Error) => r === 'created' || r === 'reauthorized';
    const rounds = new Set(folderIds.filter((_, i) => needsRound(results[i]!)));
    let sendError: Error | undefined;
    if (rounds.size) await this.syncNowMany([...rounds]).catch((err: unknown) => (sendError = asError(err)));
    return results.map((r) =>
      sendError && needsRound(r) ? sendError : r === 'reauthorized' ? 'renewed' : r,
    );
  }

  /** One folder's `ensure`; `reauthorized` is a renewal that must be followed by a delta round. */
  private async ensureOne(folderId: string): Promise<EnsureOutcome> {
    const row = await this.context(folderId);
    if (!row) return 'none';
    const { f, m, c, s } = row;
    if (!this.d.enabled || !f.active || !pushEligibility(c.authMode, c.accountOid, m.graphUserId).push) {
      if (s) await this.releaseFolders([f.id]);
      return s ? 'released' : 'none';
    }
    const action = nextSubscriptionAction(s ?? undefined, this.now(), this.d.retryAfterFailureMs);
    if (action === 'none' || action === 'retry_later') return 'none';
    const token = await this.d.broker.graphToken(c.id);
    // Microsoft's lifetime limit is learnt per tenant (a connector not yet told its tenant: per connector).
    const lifetime = (): LifetimeContext => ({ tenant: c.tenantId ?? c.id, now: this.now() });
    if (action === 'renew' && s?.graphId) {
      try {
        const r = await this.d.client.renew(token, m.graphUserId, s.graphId, lifetime());
        await this.d.db
          .update(graphSubscriptions)
          .set({
            status: 'active',
            expiresAt: validDate(r.expirationDateTime) ?? r.expiresAt,
            renewedAt: this.now(),
            lastError: null,
            lastErrorAt: null,
          })
          .where(eq(graphSubscriptions.id, s.id));
        // Microsoft may have held notifications back while it waited for reauthorization.
        return s.status === 'reauthorize' ? 'reauthorized' : 'renewed';
      } catch (err) {
        if (!(err instanceof GraphApiError && err.status === 404))
          return this.failed(f.workspaceId, f.id, err);
        this.d.logger.info(
          { folderId: f.id, subscription: s.graphId },
          'subscription gone at renewal; recreating',
        );
      }
    }
    return this.create(token, f, m.graphUserId, lifetime());
  }

  private async create(
    token: string,
    f: typeof monitoredFolders.$inferSelect,
    mailbox: string,
    lifetime: LifetimeContext,
  ): Promise<'created' | 'failed'> {
    const clientState = randomToken();
    const base = this.d.baseUrl();
    let created;
    try {
      created = await this.d.client.create(
        token,
        mailbox,
        f.graphFolderId,
        {
          notificationUrl: `${base}${NOTIFICATION_PATH}`,
          lifecycleNotificationUrl: `${base}${LIFECYCLE_PATH}`,
          clientState,
        },
        lifetime,
      );
    } catch (err) {
      return this.failed(f.workspaceId, f.id, err);
    }
    const values = {
      graphId: created.id,
      clientStateHash: sha256(clientState),
      status: 'active' as const,
      expiresAt: validDate(created.expirationDateTime) ?? created.expiresAt,
      createdAt: this.now(),
      renewedAt: null,
      lastError: null,
      lastErrorAt: null,
    };
    await this.d.db
      .insert(graphSubscriptions)
      .values({ workspaceId: f.workspaceId, folderId: f.id, ...values })
      .onConflictDoUpdate({ target: graphSubscriptions.folderId, set: values });
    this.d.logger.info({ folderId: f.id, subscription: created.id }, 'subscription created');
    // Whatever arrived while there was no subscription is found by a delta round (queued by `ensure`).
    return 'created';
  }

  private async failed(workspaceId: string, folderId: string, err: unknown): Promise<'failed'> {
    const cls = classify(err);
    const detail = cls.kind === 'problem' ? `${cls.cause}: ${cls.detail}` : cls.detail;
    const lastError = /validation/i.test(detail)
      ? `Microsoft could not reach ${this.d.baseUrl()}${NOTIFICATION_PATH} (${detail})`
      : detail;
    const values = {
      status: 'failed' as const,
      graphId: null,
      lastError: lastError.slice(0, 1000),
      lastErrorAt: this.now(),
    };
    await this.d.db
      .insert(graphSubscriptions)
      .values({ workspaceId, folderId, ...values })
      .onConflictDoUpdate({ target: graphSubscriptions.folderId, set: values });
    this.d.logger.warn({ folderId, err: lastError }, 'subscription not created; the folder is polled');
    if (cls.kind === 'transient') throw err;
    return 'failed';
  }

  /** Deletes the folders' subscriptions at Microsoft (best effort, bounded) and here. */
  async releaseFolders(folderIds: string[]): Promise<void> {
    if (folderIds.length === 0) return;
    const rows = await this.d.db
      .select({ s: graphSubscriptions, m: mailboxes })
      .from(graphSubscriptions)
      .innerJoin(monitoredFolders, eq(monitoredFolders.id, graphSubscriptions.folderId))
      .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
      .where(inArray(graphSubscriptions.folderId, folderIds));
    await Promise.all(
      rows.map(async ({ s, m }) => {
        if (!s.graphId) return;
        try {
          const token = await this.d.broker.graphToken(m.connectorId);
          await withTimeout(this.d.client.remove(token, m.graphUserId, s.graphId), 10_000);
        } catch (err) {
          // Already gone (404), or unreachable: it expires by itself within days, and its
          // notifications are refused as unknown meanwhile.
          if (!(err instanceof GraphApiError && err.status === 404))
            this.d.logger.warn(
              { subscription: s.graphId, err: (err as Error).message },
              'subscription not deleted at Microsoft',
            );
        }
      }),
    );
    await this.d.db.delete(graphSubscriptions).where(inArray(graphSubscriptions.folderId, folderIds));
  }

  async releaseMailboxes(mailboxIds: string[]): Promise<void> {
    if (mailboxIds.length === 0) return;
    const folders = await this.d.db
      .select({ id: monitoredFolders.id })
      .from(monitoredFolders)
      .where(inArray(monitoredFolders.mailboxId, mailboxIds));
    await this.releaseFolders(folders.map((f) => f.id));
  }

  async releaseConnector(connectorId: string): Promise<void> {
    const rows = await this.d.db
      .select({ id: mailboxes.id })
      .from(mailboxes)
      .where(eq(mailboxes.connectorId, connectorId));
    await this.releaseMailboxes(rows.map((r) => r.id));
  }

  /** Forgets subscriptions Microsoft does not know (the sandbox tenant after a restart); the sweep recreates them. */
  async forgetAllBut(knownGraphIds: string[]): Promise<void> {
    await this.d.db
      .delete(graphSubscriptions)
      .where(
        knownGraphIds.length
          ? or(isNull(graphSubscriptions.graphId), notInArray(graphSubscriptions.graphId, knownGraphIds))
          : undefined,
      );
  }

  /** Checks each item's subscription and clientState; returns the folders they belong to. */
  private async verify(items: NotificationItem[]): Promise<{
    ok: { folderId: string; subscriptionRowId: string; item: NotificationItem }[];
    rejected: number;
  }> {
    const ids = [
      ...new Set(
        items
          .map((i) => i.subscriptionId)
          .filter((x): x is string => typeof x === 'string' && x.length > 0 && x.length <= 200),
      ),
    ];
    const rows = ids.length
      ? await this.d.db
          .select({
            id: graphSubscriptions.id,
            graphId: graphSubscriptions.graphId,
            folderId: graphSubscriptions.folderId,
            hash: graphSubscriptions.clientStateHash,
          })
          .from(graphSubscriptions)
          .where(inArray(graphSubscriptions.graphId, ids))
      : [];
    const byGraphId = new Map(rows.map((r) => [r.graphId!, r]));
    const ok: { folderId: string; subscriptionRowId: string; item: NotificationItem }[] = [];
    const badState = new Map<string, number>();
    let rejected = 0;
    for (const item of items) {
      const row = typeof item.subscriptionId === 'string' ? byGraphId.get(item.subscriptionId) : undefined;
      if (!row) {
        rejected++;
        this.unknownRejected++;
        continue;
      }
      // Fail closed: no stored state, or none sent, is a mismatch. Hashes have a fixed length, so the comparison is constant-time.
      if (
        !row.hash ||
        typeof item.clientState !== 'string' ||
        !safeEqual(sha256(item.clientState), row.hash)
      ) {
        rejected++;
        badState.set(row.id, (badState.get(row.id) ?? 0) + 1);
        continue;
      }
      ok.push({ folderId: row.folderId, subscriptionRowId: row.id, item });
    }
    for (const [id, n] of badState) {
      await this.d.db
        .update(graphSubscriptions)
        .set({ rejected: sql`${graphSubscriptions.rejected} + ${n}`, lastRejectedAt: this.now() })
        .where(eq(graphSubscriptions.id, id));
    }
    if (rejected)
      this.d.logger.warn(
        { rejected, unknownSubscriptions: rejected - [...badState.values()].reduce((a, b) => a + b, 0) },
        'change notifications rejected',
      );
    return { ok, rejected };
  }

  /** Change notifications: each accepted one queues its folder's delta round (coalesced per folder). */
  async acceptNotifications(items: NotificationItem[]): Promise<AcceptResult> {
    const { ok, rejected } = await this.verify(items);
    const folders = new Set(ok.map((o) => o.folderId));
    await this.syncNowMany([...folders]);
    const subs = [...new Set(ok.map((o) => o.subscriptionRowId))];
    if (subs.length) {
      // Shown as "last notification"; written at most every few seconds per subscription.
      await this.d.db
        .update(graphSubscriptions)
        .set({ lastNotificationAt: this.now() })
        .where(
          and(
            inArray(graphSubscriptions.id, subs),
            or(
              isNull(graphSubscriptions.lastNotificationAt),
              lt(graphSubscriptions.lastNotificationAt, new Date(this.now().getTime() - 5000)),
            ),
          ),
        );
    }
    return { accepted: ok.length, rejected, folders: folders.size };
  }

  /**
   * Lifecycle events: `reauthorizationRequired` renews, `subscriptionRemoved` recreates, `missed`
   * runs a delta round. Every one of them is followed by a round: `missed` at once, the other two
   * once the subscription is renewed or recreated (see `ensure`), because mail that arrives before
   * then may not be notified. A round queued now as well would only double a storm's Graph requests.
   */
  async acceptLifecycle(items: NotificationItem[]): Promise<AcceptResult> {
    const { ok, rejected } = await this.verify(items);
    // Answered within Microsoft's 3 s even for thousands of items: one update per kind of event, one
    // insert per kind of job.
    const folders = [...new Set(ok.map((o) => o.folderId))];
    const byEvent = (event: string) => ok.filter((o) => o.item.lifecycleEvent === event);
    const ensure = new Set<string>();
    for (const [event, status] of [
      ['reauthorizationRequired', 'reauthorize'],
      ['subscriptionRemoved', 'removed'],
    ] as const) {
      const items = byEvent(event);
      if (!items.length) continue;
      await this.d.db
        .update(graphSubscriptions)
        .set({ status })
        .where(
          and(
            inArray(
              graphSubscriptions.id,
              items.map((o) => o.subscriptionRowId),
            ),
            ne(graphSubscriptions.status, 'failed'),
          ),
        );
      for (const o of items) ensure.add(o.folderId);
    }
    const missed = [...new Set(byEvent('missed').map((o) => o.folderId))];
    this.d.logger.info(
      { events: ok.length, folders: folders.length, ensure: ensure.size, missed: missed.length },
      'subscription lifecycle events',
    );
    // Ahead of first-time creations and routine renewals: Microsoft is about to stop (or has
    // stopped) notifying these folders.
    await this.d.sendMany(
      'subscription.ensure',
      [...ensure].map((folderId) => ({
        payload: { folderId },
        singletonKey: folderId,
        priority: LIFECYCLE_PRIORITY,
      })),
    );
    await this.syncNowMany(missed);
    return { accepted: ok.length, rejected, folders: folders.length };
  }

  /**
   * The safety net (a cron job): subscriptions due for renewal, removed or failed ones whose retry
   * time has come, active folders that should have one and do not, and subscriptions of folders no
   * longer read. Each becomes a `subscription.ensure` job.
   */
  async sweep(limit = 2000): Promise<number> {
    const now = this.now();
    // Due once RENEW_AT_FRACTION of its lifetime (from creation or the last renewal) has passed; the
    // bound on `expires_at` alone lets the index narrow the rows first.
    const longest = SUBSCRIPTION_LIFETIME_MINUTES[0] * 60_000 * (1 - RENEW_AT_FRACTION);
    const since = sql`coalesce(${graphSubscriptions.renewedAt}, ${graphSubscriptions.createdAt})`;
    const renewalDue = and(
      lt(graphSubscriptions.expiresAt, new Date(now.getTime() + longest)),
      sql`${since} + (${graphSubscriptions.expiresAt} - ${since}) * ${sql.raw(String(RENEW_AT_FRACTION))} <= ${now.toISOString()}::timestamptz`,
    );
    const retryBefore = new Date(now.getTime() - this.d.retryAfterFailureMs);
    const due = await this.d.db
      .select({ folderId: graphSubscriptions.folderId })
      .from(graphSubscriptions)
      .innerJoin(monitoredFolders, eq(monitoredFolders.id, graphSubscriptions.folderId))
      .where(
        or(
          eq(monitoredFolders.active, false),
          and(
            ne(graphSubscriptions.status, 'failed'),
            or(isNull(graphSubscriptions.expiresAt), renewalDue, ne(graphSubscriptions.status, 'active')),
          ),
          and(eq(graphSubscriptions.status, 'failed'), lt(graphSubscriptions.lastErrorAt, retryBefore)),
        ),
      )
      .limit(limit);
    const missing = this.d.enabled
      ? await this.d.db
          .select({ folderId: monitoredFolders.id })
          .from(monitoredFolders)
          .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
          .innerJoin(connectors, eq(connectors.id, mailboxes.connectorId))
          .leftJoin(graphSubscriptions, eq(graphSubscriptions.folderId, monitoredFolders.id))
          .where(and(eq(monitoredFolders.active, true), isNull(graphSubscriptions.id), ELIGIBLE_SQL))
          .limit(limit)
      : [];
    const folderIds = [...new Set([...due, ...missing].map((r) => r.folderId))];
    await this.d.sendMany(
      'subscription.ensure',
      folderIds.map((folderId) => ({ payload: { folderId }, singletonKey: folderId })),
    );
    return folderIds.length;
  }

  private syncNowMany(folderIds: string[]): Promise<void> {
    return this.d.sendMany(
      'folder.sync',
      folderIds.map((folderId) => ({ payload: { folderId }, singletonKey: folderId })),
    );
  }
}
