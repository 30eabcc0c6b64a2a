import type { ProblemCause } from '@mailroom/contracts';
import { and, eq, isNull } from 'drizzle-orm';
import {
  nextHealth,
  type HealthEvent,
  type HealthState,
  type Observation,
} from '../core/connector-health.ts';
import type { Db } from '../db/client.ts';
import { recordAudit } from '../db/repos/audit.ts';
import { recordEvent } from '../db/repos/events.ts';
import { connectors, mailboxes } from '../db/schema/index.ts';
import type { ConnectorRow } from './token-broker.ts';

/**
 * Feeds one observation (a probe, a real call) into a connector's health state machine, under a row
 * lock, and records the transition: stored state, audit entry and outbox event, in one transaction.
 */
export async function applyObservation(
  db: Db,
  connectorId: string,
  obs: Observation,
  opts: { transientAlarmMs: number; checked?: boolean; completesSetup?: boolean },
): Promise<ConnectorRow | undefined> {
  return db.transaction(async (tx) => {
    const [c] = await tx.select().from(connectors).where(eq(connectors.id, connectorId)).for('update');
    // Disconnected meanwhile: nothing to say about its health.
    if (!c || !c.authMode) return c;
    const prev: HealthState = {
      status: c.status,
      problemCause: c.problemCause as ProblemCause | null,
      problemDetail: c.problemDetail,
      problemSince: c.problemSince,
      transientSince: c.transientSince,
      transientDetail: c.transientDetail,
    };
    // While the setup runs, a good probe says nothing new: the setup itself ends `connecting`.
    // Nor does it clear a mailbox-level problem: only that mailbox working again does.
    const mailboxProblem = c.problemCause?.startsWith('mailbox_') ?? false;
    if (
      obs.kind === 'ok' &&
      ((c.status === 'connecting' && c.setup?.state === 'running' && !opts.completesSetup) || mailboxProblem)
    ) {
      const [same] = await tx
        .update(connectors)
        .set({ lastCheckedAt: obs.at, lastSuccessAt: obs.at })
        .where(eq(connectors.id, connectorId))
        .returning();
      return same;
    }
    const { state, event } = nextHealth(prev, obs, opts);
    const [updated] = await tx
      .update(connectors)
      .set({
        ...state,
        problemMailbox: null,
        ...(state.status !== c.status ? { statusChangedAt: obs.at } : {}),
        ...(opts.checked ? { lastCheckedAt: obs.at } : {}),
        ...(obs.kind === 'ok' ? { lastSuccessAt: obs.at } : {}),
      })
      .where(eq(connectors.id, connectorId))
      .returning();
    if (event) await recordTransition(tx, c, event, state.status, state.problemCause, state.problemDetail);
    return updated;
  });
}

const MAILBOX_CAUSES = ['mailbox_blocked_by_policy', 'mailbox_no_rights', 'mailbox_not_enabled'] as const;

/**
 * Mailbox-level health: some mailboxes unreadable → `degraded` (naming the first one), all of them →
 * `access lost`; all readable again → `connected`. A connector-level cause (token, consent, secret)
 * takes precedence and is left alone.
 */
export async function applyMailboxHealth(db: Db, connectorId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [c] = await tx.select().from(connectors).where(eq(connectors.id, connectorId)).for('update');
    if (!c?.authMode || c.status === 'connecting' || c.status === 'not_connected') return;
    const connectorLevel =
      c.problemCause !== null &&
      !c.problemCause.startsWith('mailbox_') &&
      c.problemCause !== 'microsoft_unavailable';
    if (connectorLevel) return;
    // A copy switched off by migration 0012 is not read: its access says nothing (decision 0015).
    const mbs = await tx
      .select()
      .from(mailboxes)
      .where(and(eq(mailboxes.connectorId, connectorId), isNull(mailboxes.disabledAt)));
    const failing = mbs.filter((m) => (MAILBOX_CAUSES as readonly string[]).includes(m.access));
    const now = new Date();
    let next: Partial<typeof connectors.$inferInsert> & { status: ConnectorRow['status'] };
    if (failing.length === 0) {
      if (!c.problemCause?.startsWith('mailbox_')) return;
      next = {
        status: 'connected',
        problemCause: null,
        problemDetail: null,
        problemSince: null,
        problemMailbox: null,
      };
    } else {
      const first = failing[0]!;
      next = {
        status: failing.length === mbs.length ? 'access_lost' : 'degraded',
        problemCause: first.access,
        problemDetail: first.accessDetail ?? '',
        problemSince:
          c.problemCause === first.access && c.problemMailbox === first.address ? c.problemSince : now,
        problemMailbox: first.address,
      };
    }
    if (
      next.status === c.status &&
      next.problemCause === c.problemCause &&
      next.problemMailbox === c.problemMailbox
    )
      return;
    await tx
      .update(connectors)
      .set({ ...next, ...(next.status !== c.status ? { statusChangedAt: now } : {}) })
      .where(eq(connectors.id, connectorId));
    const event: HealthEvent | null =
      next.status === 'access_lost' && c.status !== 'access_lost'
        ? 'connector.access_lost'
        : c.status === 'access_lost' && next.status !== 'access_lost'
          ? 'connector.recovered'
          : null;
    if (event)
      await recordTransition(
        tx,
        c,
        event,
        next.status,
        (next.problemCause ?? null) as ProblemCause | null,
        next.problemDetail ?? null,
      );
  });
}

/** A health transition's audit entry and outbox event (for webhooks), in the caller's transaction. */
async function recordTransition(
  tx: Db,
  c: ConnectorRow,
  event: HealthEvent,
  status: string,
  cause: ProblemCause | null,
  detail: string | null,
) {
  const payload = {
    connectorId: c.id,
    connectorName: c.name,
    status,
    cause,
    detail,
    tenantId: c.tenantId,
    tenantName: c.tenantName,
    account: c.accountUpn,
  };
  await recordEvent(tx, {
    workspaceId: c.workspaceId,
    type: event,
    subject: { type: 'connector', id: c.id },
    payload,
  });
  await recordAudit(tx, {
    workspaceId: c.workspaceId,
    actor: null,
    action: event,
    target: { type: 'connector', id: c.id },
    details: { name: c.name, cause, detail },
  });
}
