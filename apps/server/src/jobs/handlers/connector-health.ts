import { and, eq, isNotNull, isNull, lt, or } from 'drizzle-orm';
import { dueSecretWarning } from '../../core/connector-health.ts';
import { recordAudit } from '../../db/repos/audit.ts';
import { recordEvent } from '../../db/repos/events.ts';
import { connectors } from '../../db/schema/index.ts';
import type { connectorHealth, connectorSetup } from '../catalog.ts';
import type { JobContext, JobHandler, PayloadOf } from '../handler-types.ts';

export const runConnectorSetup: JobHandler<PayloadOf<typeof connectorSetup>> = async (
  { connectorId },
  ctx,
) => {
  await ctx.connectors.runSetup(connectorId);
};

/** One probe, then the next one is queued: each connection carries its own probe chain. */
export const runConnectorHealth: JobHandler<PayloadOf<typeof connectorHealth>> = async (
  { connectorId },
  ctx,
) => {
  const row = await ctx.connectors.probe(connectorId);
  if (!row?.authMode) return;
  // The connection works: its quiet mailboxes are read too, so a mailbox-level cause shows within a
  // probe interval (a failure here must not break the chain: the next probe tries again).
  // (Not while the connection itself is refused: a mailbox-level loss still has a working connection.)
  const connectionWorks = !row.problemCause || row.problemCause.startsWith('mailbox_');
  if (row.status !== 'connecting' && connectionWorks)
    await ctx.sync
      .checkQuietMailboxes(connectorId, ctx.healthIntervalMs)
      .catch((err: unknown) =>
        ctx.logger.warn({ connectorId, err }, 'mailbox checks failed; the next probe tries again'),
      );
  await scheduleProbe(ctx, connectorId);
};

async function scheduleProbe(ctx: JobContext, connectorId: string): Promise<void> {
  await ctx.send(
    'connector.health',
    { connectorId },
    { singletonKey: connectorId, startAfterSeconds: Math.max(1, Math.round(ctx.healthIntervalMs / 1000)) },
  );
}

/** Restarts lost probe chains and sends secret expiry warnings (30, 14, 7, 1 days before). */
export const runConnectorHealthSweep: JobHandler = async (_payload, ctx) => {
  const now = ctx.now();
  const interval = ctx.healthIntervalMs;
  const overdue = await ctx.db
    .select({ id: connectors.id })
    .from(connectors)
    .where(
      and(
        isNotNull(connectors.authMode),
        or(isNull(connectors.nextCheckAt), lt(connectors.nextCheckAt, new Date(now.getTime() - interval))),
      ),
    );
  for (const c of overdue) await scheduleProbe(ctx, c.id);

  const withSecrets = await ctx.db
    .select()
    .from(connectors)
    .where(and(eq(connectors.authMode, 'own_app'), isNotNull(connectors.secretExpiresAt)));
  for (const c of withSecrets) {
    const due = dueSecretWarning(c.secretExpiresAt!, now, c.secretWarnedDays);
    if (due === null) continue;
    await ctx.db.transaction(async (tx) => {
      await tx.update(connectors).set({ secretWarnedDays: due }).where(eq(connectors.id, c.id));
      const details = { name: c.name, daysLeft: due, expiresAt: c.secretExpiresAt!.toISOString() };
      await recordEvent(tx, {
        workspaceId: c.workspaceId,
        type: 'connector.secret_expiring',
        subject: { type: 'connector', id: c.id },
        payload: { connectorId: c.id, ...details },
      });
      await recordAudit(tx, {
        workspaceId: c.workspaceId,
        actor: null,
        action: 'connector.secret_expiring',
        target: { type: 'connector', id: c.id },
        details,
      });
    });
    ctx.logger.warn({ connectorId: c.id, daysLeft: due }, 'client secret expires soon');
  }
  if (overdue.length) ctx.logger.info({ restarted: overdue.length }, 'restarted overdue connector probes');
};
