import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { AppError, invalidField, notFound } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { recordAudit } from '../db/repos/audit.ts';
import { createOnce } from '../db/repos/creation-keys.ts';
import { events, webhookAttempts, webhookDeliveries, webhookEndpoints } from '../db/schema/index.ts';
import type { Vault } from '../security/vault.ts';
import { assertWorkspaceInboxes } from '../inboxes/inbox-refs.ts';
import { wakeDispatchers } from './fan-out.ts';
import { newWebhookSecret } from './signing.ts';
import { checkTargetUrl, TargetRefused } from './targets.ts';

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
type Actor = { id: string; email: string } | null;

/** After a rotation the previous secret keeps signing this long, so receivers can switch without a gap. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

const secretContext = (endpointId: string) => `webhook:${endpointId}:secret`;

/** The secrets that sign now: the current one, and the previous one during a rotation's overlap. */
export function endpointSecrets(vault: Vault, e: EndpointRow, now = new Date()): string[] {
  const out = [vault.decrypt(e.secret, secretContext(e.id))];
  if (e.previousSecret && e.previousSecretUntil && e.previousSecretUntil > now)
    out.push(vault.decrypt(e.previousSecret, secretContext(e.id)));
  return out;
}

export interface EndpointInput {
  url: string;
  description?: string;
  eventTypes?: string[];
  inboxIds?: string[] | null;
}

const scoped = (workspaceId: string, id: string) =>
  and(eq(webhookEndpoints.workspaceId, workspaceId), eq(webhookEndpoints.id, id));

const ENDPOINT = { en: 'Webhook endpoint', fr: 'Point de terminaison de webhook' };

function checkUrl(url: string, allowPrivate: boolean): string {
  try {
    return checkTargetUrl(url, allowPrivate).toString();
  } catch (err) {
    if (err instanceof TargetRefused) throw invalidField('url', err.words);
    throw err;
  }
}

export async function listEndpoints(db: Db, workspaceId: string): Promise<EndpointRow[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.workspaceId, workspaceId))
    .orderBy(webhookEndpoints.createdAt);
}

export async function getEndpoint(db: Db, workspaceId: string, id: string): Promise<EndpointRow> {
  const [e] = await db.select().from(webhookEndpoints).where(scoped(workspaceId, id));
  if (!e) throw notFound(ENDPOINT);
  return e;
}

/**
 * A new endpoint and its signing secret, which the caller shows once. With an `Idempotency-Key`
 * (`key`), the same key gives the first request's endpoint and its current secret, not a second
 * endpoint (which would deliver every event twice).
 */
export async function createEndpoint(
  db: Db,
  vault: Vault,
  workspaceId: string,
  input: EndpointInput,
  actor: Actor,
  allowPrivate: boolean,
  key?: string,
): Promise<{ endpoint: EndpointRow; secret: string; replayed: boolean }> {
  const url = checkUrl(input.url, allowPrivate);
  await assertWorkspaceInboxes(db, workspaceId, input.inboxIds);
  const { row, replayed } = await db.transaction((tx) =>
    createOnce(
      tx,
      { workspaceId, key, kind: 'webhook_endpoint', request: input },
      async (id) => {
        const [e] = await tx
          .insert(webhookEndpoints)
          .values({
            id,
            workspaceId,
            url,
            description: input.description ?? '',
            eventTypes: input.eventTypes ?? [],
            inboxIds: input.inboxIds?.length ? input.inboxIds : null,
            secret: vault.encrypt(newWebhookSecret(), secretContext(id)),
          })
          .returning();
        await recordAudit(tx, {
          workspaceId,
          actor,
          action: 'webhook.created',
          target: { type: 'webhook_endpoint', id },
          details: { url, eventTypes: e!.eventTypes, inboxIds: e!.inboxIds },
        });
        return e!;
      },
      async (id) => (await tx.select().from(webhookEndpoints).where(scoped(workspaceId, id)))[0],
    ),
  );
  return { endpoint: row, secret: vault.decrypt(row.secret, secretContext(row.id)), replayed };
}

export async function updateEndpoint(
  db: Db,
  workspaceId: string,
  id: string,
  input: Partial<EndpointInput> & { enabled?: boolean },
  actor: Actor,
  allowPrivate: boolean,
): Promise<EndpointRow> {
  const url = input.url === undefined ? undefined : checkUrl(input.url, allowPrivate);
  await assertWorkspaceInboxes(db, workspaceId, input.inboxIds);
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(webhookEndpoints).where(scoped(workspaceId, id)).for('update');
    if (!before) throw notFound(ENDPOINT);
    const enabling = input.enabled === true && !before.enabled;
    const [e] = await tx
      .update(webhookEndpoints)
      .set({
        ...(url !== undefined ? { url } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.eventTypes !== undefined ? { eventTypes: input.eventTypes } : {}),
        ...(input.inboxIds !== undefined ? { inboxIds: input.inboxIds?.length ? input.inboxIds : null } : {}),
        ...(input.enabled !== undefined
          ? {
              enabled: input.enabled,
              disabledAt: input.enabled ? null : new Date(),
              disabledReason: input.enabled ? null : 'Disabled by an admin.',
            }
          : {}),
        // Enabled again: a fresh start, not "failing for days" from before.
        ...(enabling ? { failingSince: null } : {}),
        updatedAt: new Date(),
      })
      .where(eq(webhookEndpoints.id, id))
      .returning();
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: 'webhook.updated',
      target: { type: 'webhook_endpoint', id },
      details: { ...input },
    });
    return e!;
  });
}

export async function deleteEndpoint(db: Db, workspaceId: string, id: string, actor: Actor): Promise<void> {
  await db.transaction(async (tx) => {
    const [e] = await tx.delete(webhookEndpoints).where(scoped(workspaceId, id)).returning();
    if (!e) throw notFound(ENDPOINT);
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: 'webhook.deleted',
      target: { type: 'webhook_endpoint', id },
      details: { url: e.url },
    });
  });
}

/** A new secret signs from now on; the old one signs beside it for a day. The new one is shown once. */
export async function rotateSecret(
  db: Db,
  vault: Vault,
  workspaceId: string,
  id: string,
  actor: Actor,
): Promise<{ endpoint: EndpointRow; secret: string }> {
  const secret = newWebhookSecret();
  const endpoint = await db.transaction(async (tx) => {
    const [before] = await tx.select().from(webhookEndpoints).where(scoped(workspaceId, id)).for('update');
    if (!before) throw notFound(ENDPOINT);
    const [e] = await tx
      .update(webhookEndpoints)
      .set({
        secret: vault.encrypt(secret, secretContext(id)),
        previousSecret: before.secret,
        previousSecretUntil: new Date(Date.now() + ROTATION_OVERLAP_MS),
        updatedAt: new Date(),
      })
      .where(eq(webhookEndpoints.id, id))
      .returning();
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: 'webhook.secret_rotated',
      target: { type: 'webhook_endpoint', id },
      details: { previousSignsUntil: e!.previousSecretUntil!.toISOString() },
    });
    return e!;
  });
  return { endpoint, secret };
}

/** "Send test event": an event for this endpoint only, through the same queue, signing and log. */
export async function sendTestEvent(db: Db, workspaceId: string, id: string, actor: Actor): Promise<string> {
  const e = await getEndpoint(db, workspaceId, id);
  if (!e.enabled)
    throw new AppError('conflict', {
      en: 'This endpoint is disabled: enable it first, then send a test event.',
      fr: 'Ce point de terminaison est désactivé : activez-le d’abord, puis envoyez un événement de test.',
    });
  return db.transaction(async (tx) => {
    const [ev] = await tx
      .insert(events)
      .values({
        workspaceId,
        type: 'webhook.test',
        subjectType: 'webhook_endpoint',
        subjectId: e.id,
        payload: { endpointId: e.id, message: 'A test event from Mailroom.', sentBy: actor?.email ?? null },
      })
      .returning({ id: events.id });
    const [d] = await tx
      .insert(webhookDeliveries)
      .values({ workspaceId, endpointId: e.id, eventId: ev!.id, eventType: 'webhook.test' })
      .returning({ id: webhookDeliveries.id });
    await wakeDispatchers(tx);
    return d!.id;
  });
}

/** Sends a delivery again now, with the same `webhook-id`, whatever its state. */
export async function redeliver(
  db: Db,
  workspaceId: string,
  deliveryId: string,
  actor: Actor,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [d] = await tx
      .update(webhookDeliveries)
      .set({ state: 'pending', nextAttemptAt: new Date(), attempts: 0, deliveredAt: null })
      .where(and(eq(webhookDeliveries.workspaceId, workspaceId), eq(webhookDeliveries.id, deliveryId)))
      .returning();
    if (!d) throw notFound({ en: 'Delivery', fr: 'Livraison' });
    await wakeDispatchers(tx);
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: 'webhook.redelivered',
      target: { type: 'webhook_delivery', id: deliveryId },
      details: { endpointId: d.endpointId, eventId: d.eventId, eventType: d.eventType },
    });
  });
}

/** An endpoint's deliveries, newest first, each with its attempts (the delivery log). */
export async function listDeliveries(
  db: Db,
  workspaceId: string,
  endpointId: string,
  page: { after?: { at: Date; id: string } | undefined; limit: number },
) {
  await getEndpoint(db, workspaceId, endpointId);
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId),
        page.after
          ? sql`(${webhookDeliveries.createdAt}, ${webhookDeliveries.id}) < (${page.after.at}, ${page.after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(page.limit + 1);
  const list = rows.slice(0, page.limit);
  const attempts = list.length
    ? await db
        .select()
        .from(webhookAttempts)
        .where(
          inArray(
            webhookAttempts.deliveryId,
            list.map((d) => d.id),
          ),
        )
        .orderBy(desc(webhookAttempts.at))
    : [];
  return {
    deliveries: list.map((d) => ({ ...d, log: attempts.filter((a) => a.deliveryId === d.id) })),
    more: rows.length > page.limit,
  };
}

/** The webhook deliveries of one document's events (the document page shows them). */
export async function deliveriesOfDocument(db: Db, workspaceId: string, documentId: string) {
  return db
    .select({ delivery: webhookDeliveries, url: webhookEndpoints.url })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(and(eq(webhookDeliveries.workspaceId, workspaceId), eq(webhookDeliveries.documentId, documentId)))
    .orderBy(desc(webhookDeliveries.createdAt));
}
