import type { ProblemCause } from '@mailroom/contracts';
import { eq } from 'drizzle-orm';
import { nextHealth, type HealthState, type Observation } from '../core/connector-health.ts';
import type { Db } from '../db/client.ts';
import { recordAudit } from '../db/repos/audit.ts';
import { recordEvent } from '../db/repos/events.ts';
import { connectors } from '../db/schema/index.ts';
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
    if (obs.kind === 'ok' && c.status === 'connecting' && c.setup?.state === 'running' && !opts.completesSetup) {
      const [same] = await tx.update(connectors).set({ lastCheckedAt: obs.at, lastSuccessAt: obs.at }).where(eq(connectors.id, connectorId)).returning();
      return same;
    }
    const { state, event } = nextHealth(prev, obs, opts);
    const [updated] = await tx
      .update(connectors)
      .set({
        ...state,
        ...(state.status !== c.status ? { statusChangedAt: obs.at } : {}),
        ...(opts.checked ? { lastCheckedAt: obs.at } : {}),
        ...(obs.kind === 'ok' ? { lastSuccessAt: obs.at } : {}),
      })
      .where(eq(connectors.id, connectorId))
      .returning();
    if (event) {
      const payload = {
        connectorId: c.id,
        connectorName: c.name,
        status: state.status,
        cause: state.problemCause,
        detail: state.problemDetail,
        tenantId: c.tenantId,
        tenantName: c.tenantName,
        account: c.accountUpn,
      };
      await recordEvent(tx, { workspaceId: c.workspaceId, type: event, subject: { type: 'connector', id: c.id }, payload });
      await recordAudit(tx, {
        workspaceId: c.workspaceId,
        actor: null,
        action: event,
        target: { type: 'connector', id: c.id },
        details: { name: c.name, cause: state.problemCause, detail: state.problemDetail },
      });
    }
    return updated;
  });
}
