import {
  AccessTestRequest,
  AccessTestResult,
  DirectoryList,
  ErrorBody,
  FailedMessageList,
  FolderStatus,
  FolderTree,
  Mailbox,
  MailboxList,
  SetFoldersRequest,
  SetMailboxesRequest,
  TestEmailRequest,
  UpdateFolderRequest,
  type DirectoryEntry,
  type FolderDelivery,
  type MailboxAccess,
} from '@mailroom/contracts';
import { and, asc, desc, eq, gte, inArray, isNull, notInArray, sql, type SQL } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ensureDefaultInbox } from '../../inboxes/default-inbox.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { applyMailboxHealth } from '../../connectors/health-state.ts';
import { recordAudit } from '../../db/repos/audit.ts';
import {
  connectors,
  documents,
  documentTypes,
  inboxes,
  mailboxes,
  mailMessages,
  monitoredFolders,
  graphSubscriptions,
  tags,
} from '../../db/schema/index.ts';
import { classify } from '../../microsoft/classify.ts';
import { permissionsFor, validateOutflow } from '../../connectors/outflow-permissions.ts';
import { folderDelivery, pushEligibility } from '../../core/push.ts';
import { requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceItemParams, pathId } from './params.ts';

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  503: ErrorBody,
};
const MailboxParams = z.object({ workspaceId: z.string(), mailboxId: z.string() });
const FolderParams = z.object({ workspaceId: z.string(), folderId: z.string() });
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Mailboxes, folders, inboxes and documents. Admin routes change what is read; members may read
 * documents. Everything is filtered on the path's workspace after the membership check.
 */
export const mailRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;
  const { sync } = deps;

  async function connectorForAdmin(req: FastifyRequest, p: { workspaceId: string; id: string }) {
    const workspaceId = pathId(p.workspaceId);
    const { session } = await requireRole(db, req, workspaceId, 'admin');
    const [c] = await db
      .select()
      .from(connectors)
      .where(and(eq(connectors.workspaceId, workspaceId), eq(connectors.id, pathId(p.id))));
    if (!c) throw notFound('Connector');
    if (!c.authMode) throw new AppError('conflict', 'Connect this connector to Microsoft 365 first.');
    return { c, session, workspaceId };
  }
  async function mailboxForAdmin(req: FastifyRequest, p: { workspaceId: string; mailboxId: string }) {
    const workspaceId = pathId(p.workspaceId);
    const { session } = await requireRole(db, req, workspaceId, 'admin');
    const [m] = await db
      .select()
      .from(mailboxes)
      .where(and(eq(mailboxes.workspaceId, workspaceId), eq(mailboxes.id, pathId(p.mailboxId))));
    if (!m) throw notFound('Mailbox');
    return { m, session, workspaceId };
  }
  async function folderFor(req: FastifyRequest, p: { workspaceId: string; folderId: string }) {
    const workspaceId = pathId(p.workspaceId);
    const { session } = await requireRole(db, req, workspaceId, 'admin');
    const [f] = await db
      .select()
      .from(monitoredFolders)
      .where(and(eq(monitoredFolders.workspaceId, workspaceId), eq(monitoredFolders.id, pathId(p.folderId))));
    if (!f) throw notFound('Folder');
    return { f, session, workspaceId };
  }
  /** Graph failures in words: transient → 503 (try again), named causes → 409 with the cause. */
  async function graph<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const cls = classify(err);
      if (cls.kind === 'transient')
        throw new AppError(
          'service_unavailable',
          `Microsoft 365 did not answer in time. Try again. (${cls.detail})`,
        );
      throw new AppError('conflict', `Microsoft 365 refused: ${cls.cause} (${cls.detail})`);
    }
  }

  /** Tests read access to a mailbox: its Inbox folder. */
  async function testAccess(
    token: string,
    graphUserId: string,
  ): Promise<{ access: MailboxAccess; detail: string | null }> {
    try {
      await sync.mail.json(
        token,
        graphUserId,
        `/users/${encodeURIComponent(graphUserId)}/mailFolders/inbox?$select=id`,
      );
      return { access: 'readable', detail: null };
    } catch (err) {
      const cls = classify(err);
      if (cls.kind === 'transient') return { access: 'unknown', detail: cls.detail };
      const known: MailboxAccess[] = [
        'mailbox_blocked_by_policy',
        'mailbox_no_rights',
        'mailbox_not_enabled',
      ];
      return {
        access: known.includes(cls.cause as MailboxAccess) ? (cls.cause as MailboxAccess) : 'unknown',
        detail: cls.detail,
      };
    }
  }

  async function mailboxView(where: SQL | undefined): Promise<Mailbox[]> {
    const rows = await db.select().from(mailboxes).where(where).orderBy(asc(mailboxes.createdAt));
    if (!rows.length) return [];
    const folders = await db
      .select()
      .from(monitoredFolders)
      .where(
        inArray(
          monitoredFolders.mailboxId,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(asc(monitoredFolders.createdAt));
    const subs = folders.length
      ? await db.select().from(graphSubscriptions).where(inArray(graphSubscriptions.folderId, folders.map((f) => f.id)))
      : [];
    const owners = await db
      .select({ id: connectors.id, authMode: connectors.authMode, accountOid: connectors.accountOid })
      .from(connectors)
      .where(inArray(connectors.id, [...new Set(rows.map((r) => r.connectorId))]));
    const startOfDay = new Date();
    startOfDay.setUTCHours(0, 0, 0, 0);
    const stats = folders.length
      ? await db
          .select({
            folderId: mailMessages.folderId,
            pending: sql<number>`count(*) filter (where ${mailMessages.state} = 'pending')`.mapWith(Number),
            failed: sql<number>`count(*) filter (where ${mailMessages.state} = 'failed')`.mapWith(Number),
            total: sql<number>`count(*) filter (where ${mailMessages.state} = 'done')`.mapWith(Number),
            today:
              sql<number>`count(*) filter (where ${mailMessages.state} = 'done' and ${mailMessages.processedAt} >= ${startOfDay})`.mapWith(
                Number,
              ),
          })
          .from(mailMessages)
          .where(
            inArray(
              mailMessages.folderId,
              folders.map((f) => f.id),
            ),
          )
          .groupBy(mailMessages.folderId)
      : [];
    const filtered = folders.length
      ? await db
          .select({ folderId: mailMessages.folderId, n: sql<number>`count(*)`.mapWith(Number) })
          .from(documents)
          .innerJoin(mailMessages, eq(mailMessages.id, documents.messageId))
          .where(
            and(
              inArray(
                mailMessages.folderId,
                folders.map((f) => f.id),
              ),
              eq(documents.status, 'filtered'),
              gte(documents.createdAt, startOfDay),
            ),
          )
          .groupBy(mailMessages.folderId)
      : [];
    const permissions = await permissionsFor(db, deps.connectors.broker, rows);
    return rows.map((m) => ({
      id: m.id,
      connectorId: m.connectorId,
      graphUserId: m.graphUserId,
      address: m.address,
      displayName: m.displayName,
      kind: m.kind,
      access: m.access,
      accessDetail: m.accessDetail,
      accessCheckedAt: iso(m.accessCheckedAt),
      outflowPermissions: permissions.get(m)!,
      folders: folders
        .filter((f) => f.mailboxId === m.id)
        .map((f) => {
          const owner = owners.find((c) => c.id === m.connectorId);
          const delivery = folderDelivery({
            active: f.active,
            pushEnabled: deps.push.enabled,
            eligibility: pushEligibility(owner?.authMode ?? null, owner?.accountOid ?? null, m.graphUserId),
            subscription: subs.find((s) => s.folderId === f.id),
            pollMinutes: Math.round(deps.config.syncReconcileMs / 6000) / 10,
          });
          return folderView(
            f,
            stats.find((s) => s.folderId === f.id),
            delivery,
            filtered.find((s) => s.folderId === f.id)?.n ?? 0,
          );
        }),
    }));
  }

  app.get(
    '/api/v1/workspaces/:workspaceId/connectors/:id/directory',
    {
      schema: {
        tags: ['mailboxes'],
        summary: "The tenant's users and shared mailboxes",
        params: WorkspaceItemParams,
        querystring: z.object({ search: z.string().max(100).optional() }),
        response: { 200: DirectoryList, ...errors },
      },
    },
    async (req) => {
      const { c } = await connectorForAdmin(req, req.params);
      const token = await graph(() => deps.connectors.broker.graphToken(c.id));
      const search = req.query.search?.trim().replace(/['"]/g, '');
      const path = search
        ? `/users?$select=id,displayName,mail,userPrincipalName&$top=25&$filter=${encodeURIComponent(`startswith(displayName,'${search}') or startswith(mail,'${search}') or startswith(userPrincipalName,'${search}')`)}`
        : '/users?$select=id,displayName,mail,userPrincipalName&$top=50';
      const list = await graph(() =>
        sync.mail.json<{
          value: { id: string; displayName?: string; mail?: string | null; userPrincipalName: string }[];
        }>(token, 'directory', path),
      );
      const items: DirectoryEntry[] = await Promise.all(
        list.value.map(async (u) => {
          let kind: DirectoryEntry['kind'] = 'unknown';
          try {
            const s = await sync.mail.json<{ userPurpose?: string }>(
              token,
              u.id,
              `/users/${u.id}/mailboxSettings?$select=userPurpose`,
            );
            kind =
              s.userPurpose === 'shared'
                ? 'shared'
                : s.userPurpose === 'room' || s.userPurpose === 'equipment'
                  ? 'room'
                  : 'user';
          } catch {
            // Settings unreadable (access policy, no mailbox): the kind stays unknown.
          }
          return {
            graphUserId: u.id,
            address: u.mail ?? u.userPrincipalName,
            displayName: u.displayName ?? u.userPrincipalName,
            kind,
          };
        }),
      );
      // Delegated: the signed-in user's own mailbox first.
      items.sort(
        (a, b) =>
          Number(b.address.toLowerCase() === (c.accountUpn ?? '').toLowerCase()) -
          Number(a.address.toLowerCase() === (c.accountUpn ?? '').toLowerCase()),
      );
      return { items };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/connectors/:id/mailboxes/test',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'Test read access to mailboxes before confirming',
        params: WorkspaceItemParams,
        body: AccessTestRequest,
        response: { 200: AccessTestResult, ...errors },
      },
    },
    async (req) => {
      const { c } = await connectorForAdmin(req, req.params);
      const token = await graph(() => deps.connectors.broker.graphToken(c.id));
      const items = await Promise.all(
        req.body.graphUserIds.map(async (id) => ({ graphUserId: id, ...(await testAccess(token, id)) })),
      );
      return { items };
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/connectors/:id/mailboxes',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'Connected mailboxes with folder status',
        params: WorkspaceItemParams,
        response: { 200: MailboxList, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'member');
      // Another workspace's connector (or none) is a 404 like everywhere else, not an empty list.
      const [c] = await db
        .select({ id: connectors.id })
        .from(connectors)
        .where(and(eq(connectors.workspaceId, workspaceId), eq(connectors.id, pathId(req.params.id))));
      if (!c) throw notFound('Connector');
      return { items: await mailboxView(and(eq(mailboxes.workspaceId, workspaceId), eq(mailboxes.connectorId, c.id))) };
    },
  );

  app.put(
    '/api/v1/workspaces/:workspaceId/connectors/:id/mailboxes',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'Confirm the mailboxes this connector reads',
        params: WorkspaceItemParams,
        body: SetMailboxesRequest,
        response: { 200: MailboxList, ...errors },
      },
    },
    async (req) => {
      const { c, session, workspaceId } = await connectorForAdmin(req, req.params);
      const token = await graph(() => deps.connectors.broker.graphToken(c.id));
      const tested = await Promise.all(
        req.body.mailboxes.map(async (m) => ({ ...m, ...(await testAccess(token, m.graphUserId)) })),
      );
      const keep = tested.map((m) => m.graphUserId);
      const dropped = await db
        .select({ id: mailboxes.id })
        .from(mailboxes)
        .where(and(eq(mailboxes.connectorId, c.id), keep.length ? notInArray(mailboxes.graphUserId, keep) : undefined));
      await deps.push.releaseMailboxes(dropped.map((d) => d.id));
      await db.transaction(async (tx) => {
        await tx
          .delete(mailboxes)
          .where(
            and(
              eq(mailboxes.connectorId, c.id),
              keep.length ? notInArray(mailboxes.graphUserId, keep) : undefined,
            ),
          );
        for (const m of tested) {
          const v = {
            address: m.address,
            displayName: m.displayName,
            kind: m.kind,
            access: m.access,
            accessDetail: m.detail,
            accessCheckedAt: new Date(),
          };
          await tx
            .insert(mailboxes)
            .values({ workspaceId, connectorId: c.id, graphUserId: m.graphUserId, ...v })
            .onConflictDoUpdate({ target: [mailboxes.connectorId, mailboxes.graphUserId], set: v });
        }
        await recordAudit(tx, {
          workspaceId,
          actor: session.user,
          action: 'connector.mailboxes_set',
          target: { type: 'connector', id: c.id },
          details: { mailboxes: tested.map((m) => m.address) },
        });
      });
      await applyMailboxHealth(db, c.id);
      return { items: await mailboxView(eq(mailboxes.connectorId, c.id)) };
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/mailboxes/:mailboxId/folder-tree',
    {
      schema: {
        tags: ['mailboxes'],
        summary: "One level of the mailbox's folder tree",
        params: MailboxParams,
        querystring: z.object({ parent: z.string().max(500).optional() }),
        response: { 200: FolderTree, ...errors },
      },
    },
    async (req) => {
      const { m } = await mailboxForAdmin(req, req.params);
      const token = await graph(() => deps.connectors.broker.graphToken(m.connectorId));
      const folders = await graph(() => sync.mail.folders(token, m.graphUserId, req.query.parent));
      return {
        items: folders.map((f) => ({
          graphFolderId: f.id,
          displayName: f.displayName,
          childFolderCount: f.childFolderCount ?? 0,
          totalItemCount: f.totalItemCount ?? null,
        })),
      };
    },
  );

  app.put(
    '/api/v1/workspaces/:workspaceId/mailboxes/:mailboxId/folders',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'Set the monitored folders (and their rules) of a mailbox',
        params: MailboxParams,
        body: SetFoldersRequest,
        response: { 200: Mailbox, ...errors },
      },
    },
    async (req) => {
      const { m, session, workspaceId } = await mailboxForAdmin(req, req.params);
      const defaultInbox = await ensureDefaultInbox(db, workspaceId, session.user.id);
      const today = new Date();
      today.setUTCHours(0, 0, 0, 0);
      const keep = req.body.folders.map((f) => f.graphFolderId);
      const dropped = await db
        .select({ id: monitoredFolders.id })
        .from(monitoredFolders)
        .where(and(eq(monitoredFolders.mailboxId, m.id), keep.length ? notInArray(monitoredFolders.graphFolderId, keep) : undefined));
      await deps.push.releaseFolders(dropped.map((d) => d.id));
      await db.transaction(async (tx) => {
        await tx
          .delete(monitoredFolders)
          .where(
            and(
              eq(monitoredFolders.mailboxId, m.id),
              keep.length ? notInArray(monitoredFolders.graphFolderId, keep) : undefined,
            ),
          );
        // Each inbox named is checked once, however many folders go to it.
        for (const inboxId of new Set(req.body.folders.map((f) => f.inboxId ?? defaultInbox.id))) await assertInbox(tx, workspaceId, inboxId);
        for (const f of req.body.folders) {
          const inboxId = f.inboxId ?? defaultInbox.id;
          await tx
            .insert(monitoredFolders)
            .values({
              workspaceId,
              mailboxId: m.id,
              graphFolderId: f.graphFolderId,
              displayName: f.displayName,
              inboxId,
              processFrom: f.processFrom ? new Date(f.processFrom) : today,
              active: f.active ?? false,
            })
            .onConflictDoUpdate({
              target: [monitoredFolders.mailboxId, monitoredFolders.graphFolderId],
              set: {
                displayName: f.displayName,
                ...(f.inboxId ? { inboxId } : {}),
                ...(f.processFrom ? { processFrom: new Date(f.processFrom) } : {}),
                ...(f.active !== undefined ? { active: f.active } : {}),
              },
            });
        }
        await recordAudit(tx, {
          workspaceId,
          actor: session.user,
          action: 'mailbox.folders_set',
          target: { type: 'mailbox', id: m.id },
          details: { address: m.address, folders: req.body.folders.map((f) => f.displayName) },
        });
      });
      await queueActive(eq(monitoredFolders.mailboxId, m.id));
      await releaseInactive(eq(monitoredFolders.mailboxId, m.id));
      return (await mailboxView(eq(mailboxes.id, m.id)))[0]!;
    },
  );

  app.patch(
    '/api/v1/workspaces/:workspaceId/folders/:folderId',
    {
      schema: {
        tags: ['mailboxes'],
        summary: "Change a folder's rule (inbox, filtering, type, tags, metadata, outflow, start date, active): new mail only",
        params: FolderParams,
        body: UpdateFolderRequest,
        response: { 200: FolderStatus, ...errors },
      },
    },
    async (req) => {
      const { f, session, workspaceId } = await folderFor(req, req.params);
      if (req.body.inboxId) await assertInbox(db, workspaceId, req.body.inboxId);
      await assertRuleRefs(db, workspaceId, req.body);
      const b = req.body;
      // Refused before saving when the connection lacks a permission an action needs.
      const outflow = b.outflow ? await validateOutflow(db, deps.connectors.broker, b.outflow, { folderId: f.id }) : undefined;
      const [u] = await db
        .update(monitoredFolders)
        .set({
          ...(req.body.inboxId ? { inboxId: req.body.inboxId } : {}),
          // The rest of the rule applies to mail ingested from now on (documents keep what they got).
          ...(b.filterInflow !== undefined ? { filterInflow: b.filterInflow } : {}),
          ...(b.documentTypeId !== undefined ? { documentTypeId: b.documentTypeId } : {}),
          ...(b.tagIds ? { tagIds: [...new Set(b.tagIds)] } : {}),
          ...(b.metadata ? { metadata: b.metadata } : {}),
          // Outflow actions apply to document events from now on (runs already planned keep theirs).
          ...(outflow ? { outflow } : {}),
          // A new start date starts a new round from that date (recorded messages are not repeated).
          ...(req.body.processFrom
            ? { processFrom: new Date(req.body.processFrom), cursor: null, cursorKind: null }
            : {}),
          ...(req.body.active !== undefined ? { active: req.body.active } : {}),
        })
        .where(eq(monitoredFolders.id, f.id))
        .returning();
      await recordAudit(db, {
        workspaceId,
        actor: session.user,
        action: 'folder.rule_changed',
        target: { type: 'folder', id: f.id },
        details: { ...req.body },
      });
      await queueActive(eq(monitoredFolders.id, f.id));
      await releaseInactive(eq(monitoredFolders.id, f.id));
      const view = (await mailboxView(eq(mailboxes.id, f.mailboxId)))[0]?.folders.find((x) => x.id === u?.id);
      if (!view) throw notFound('Folder');
      return view;
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/folders/:folderId/sync',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'Sync now',
        params: FolderParams,
        response: { 202: z.object({ queued: z.boolean() }), ...errors },
      },
    },
    async (req, reply) => {
      const { f } = await folderFor(req, req.params);
      if (!f.active) throw new AppError('conflict', 'This folder is not active: activate its rule first.');
      await deps.send('folder.sync', { folderId: f.id }, { singletonKey: f.id });
      return reply.status(202).send({ queued: true });
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/folders/:folderId/failed',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'Messages that could not be processed, with the reason',
        params: FolderParams,
        response: { 200: FailedMessageList, ...errors },
      },
    },
    async (req) => {
      const { f } = await folderFor(req, req.params);
      const rows = await db
        .select()
        .from(mailMessages)
        .where(and(eq(mailMessages.folderId, f.id), eq(mailMessages.state, 'failed')))
        .orderBy(desc(mailMessages.createdAt))
        .limit(200);
      return {
        items: rows.map((r) => ({
          id: r.id,
          subject: r.subject,
          receivedAt: iso(r.receivedAt),
          attempts: r.attempts,
          lastError: r.lastError,
        })),
      };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/messages/:id/retry',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'Process a failed message again',
        params: WorkspaceItemParams,
        response: { 202: z.object({ queued: z.boolean() }), ...errors },
      },
    },
    async (req, reply) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'admin');
      const [msg] = await db
        .select()
        .from(mailMessages)
        .where(and(eq(mailMessages.workspaceId, workspaceId), eq(mailMessages.id, pathId(req.params.id))));
      if (!msg) throw notFound('Message');
      await sync.retry(msg.id);
      return reply.status(202).send({ queued: true });
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/connectors/:id/sandbox/test-email',
    {
      schema: {
        tags: ['sandbox'],
        summary: "Sandbox: deliver a generated email now into a mailbox this connector reads (admins)",
        params: WorkspaceItemParams,
        body: TestEmailRequest,
        response: { 202: z.object({ subject: z.string() }), ...errors },
      },
    },
    async (req, reply) => {
      // Admins of the workspace only, through a connector of theirs that is connected to the sandbox
      // tenant (outside sandbox mode every Microsoft call goes to Microsoft: there is no such route).
      if (!deps.sandbox) throw notFound('Sandbox');
      const { c } = await connectorForAdmin(req, req.params);
      const [target] = await db
        .select({ id: mailboxes.id })
        .from(mailboxes)
        .where(and(eq(mailboxes.connectorId, c.id), sql`lower(${mailboxes.address}) = ${req.body.address.toLowerCase()}`));
      if (!target)
        throw new AppError('validation_failed', 'Some fields are not valid.', {
          details: [{ path: 'address', message: 'Choose one of the mailboxes this connector reads.' }],
        });
      const from =
        req.body.sender === 'internal'
          ? { name: 'Lynne Robbins', address: 'lynne.robbins@contoso-insurance.com' }
          : { name: 'Jan Peeters', address: 'jan.peeters@example.be' };
      const delivered = await deps.sandbox.control.deliverGenerated(req.body.address, {
        from,
        ...(req.body.attachments ? { pdfs: 1, jpegs: 1 } : { pdfs: 0, jpegs: 0 }),
      });
      return reply.status(202).send({ subject: delivered.subject });
    },
  );

  async function queueActive(where: SQL) {
    const rows = await db
      .select({ id: monitoredFolders.id })
      .from(monitoredFolders)
      .where(and(where, eq(monitoredFolders.active, true)));
    // One statement for a mailbox's hundred folders, not a round trip each.
    await deps.sendMany('folder.sync', rows.map((r) => ({ payload: { folderId: r.id }, singletonKey: r.id })));
  }

  /** A folder that is no longer read keeps no push subscription. */
  async function releaseInactive(where: SQL) {
    const rows = await db
      .select({ id: monitoredFolders.id })
      .from(monitoredFolders)
      .innerJoin(graphSubscriptions, eq(graphSubscriptions.folderId, monitoredFolders.id))
      .where(and(where, eq(monitoredFolders.active, false)));
    await deps.push.releaseFolders(rows.map((r) => r.id));
  }
};

/** The rule's document type and tags must be this workspace's. */
async function assertRuleRefs(
  db: HttpDeps['database']['db'],
  workspaceId: string,
  b: { documentTypeId?: string | null; tagIds?: string[] },
) {
  const bad = (path: string, message: string) =>
    new AppError('validation_failed', 'Some fields are not valid.', { details: [{ path, message }] });
  if (b.documentTypeId) {
    const [t] = await db
      .select({ id: documentTypes.id })
      .from(documentTypes)
      .where(and(eq(documentTypes.workspaceId, workspaceId), eq(documentTypes.id, b.documentTypeId)));
    if (!t) throw bad('documentTypeId', 'No such document type.');
  }
  const ids = [...new Set(b.tagIds ?? [])];
  if (ids.length) {
    const found = await db
      .select({ id: tags.id })
      .from(tags)
      .where(and(eq(tags.workspaceId, workspaceId), inArray(tags.id, ids)));
    if (found.length !== ids.length) throw bad('tagIds', 'No such tag.');
  }
}

async function assertInbox(db: HttpDeps['database']['db'], workspaceId: string, inboxId: string) {
  // An archived inbox is offered to no rule.
  const [i] = await db
    .select({ id: inboxes.id })
    .from(inboxes)
    .where(and(eq(inboxes.workspaceId, workspaceId), eq(inboxes.id, inboxId), isNull(inboxes.archivedAt)));
  if (!i)
    throw new AppError('validation_failed', 'Some fields are not valid.', {
      details: [{ path: 'inboxId', message: 'No such inbox in this workspace.' }],
    });
}

function folderView(
  f: typeof monitoredFolders.$inferSelect,
  s: { pending: number; failed: number; total: number; today: number } | undefined,
  delivery: FolderDelivery,
  filteredToday: number,
): FolderStatus {
  return {
    id: f.id,
    graphFolderId: f.graphFolderId,
    displayName: f.displayName,
    inboxId: f.inboxId,
    processFrom: f.processFrom.toISOString(),
    active: f.active,
    filterInflow: f.filterInflow,
    documentTypeId: f.documentTypeId,
    tagIds: f.tagIds,
    metadata: f.metadata,
    outflow: f.outflow,
    filteredToday,
    lastSyncAt: f.lastSyncAt ? f.lastSyncAt.toISOString() : null,
    lastError: f.lastError,
    processedToday: s?.today ?? 0,
    processedTotal: s?.total ?? 0,
    pending: s?.pending ?? 0,
    failed: s?.failed ?? 0,
    delivery,
  };
}
