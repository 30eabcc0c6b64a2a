import {
  CreateInboxRequest,
  DocumentType,
  DocumentTypeList,
  ErrorBody,
  InboxList,
  InflowSettings,
  ManagedInbox,
  ManagedInboxList,
  NameRequest,
  UpdateInboxRequest,
} from '@mailroom/contracts';
import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../core/errors.ts';
import { recordAudit } from '../../db/repos/audit.ts';
import { validateOutflow } from '../../connectors/outflow-permissions.ts';
import type { Db } from '../../db/client.ts';
import {
  documentTypes,
  inboxAccess,
  inboxDocumentTypes,
  inboxes,
  memberships,
  monitoredFolders,
  tags,
  workspaces,
} from '../../db/schema/index.ts';
import { requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceItemParams, WorkspaceParams, pathId } from './params.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const invalid = (path: string, message: string) =>
  new AppError('validation_failed', 'Some fields are not valid.', { details: [{ path, message }] });

/**
 * Inboxes (with their explicit access lists, decision 0006), document types, tags and the workspace's
 * inflow settings. Reading: members; changing: admins. Everything filtered on the path's workspace.
 */
export const inboxRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;

  async function views(where: ReturnType<typeof eq>, withMembers: boolean) {
    const rows = await db.select().from(inboxes).where(where).orderBy(asc(inboxes.createdAt));
    const ids = rows.map((r) => r.id);
    const types = ids.length
      ? await db.select().from(inboxDocumentTypes).where(inArray(inboxDocumentTypes.inboxId, ids))
      : [];
    const access =
      withMembers && ids.length
        ? await db
            .select()
            .from(inboxAccess)
            .where(inArray(inboxAccess.inboxId, ids))
            .orderBy(asc(inboxAccess.grantedAt))
        : [];
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      createdAt: r.createdAt.toISOString(),
      isDefault: r.isDefault,
      archived: r.archivedAt !== null,
      documentTypeIds: types.filter((t) => t.inboxId === r.id).map((t) => t.documentTypeId),
      memberIds: access.filter((a) => a.inboxId === r.id).map((a) => a.userId),
      outflow: r.outflow,
    }));
  }
  async function managedView(id: string): Promise<ManagedInbox> {
    return (await views(eq(inboxes.id, id), true))[0]!;
  }

  app.get(
    '/api/v1/workspaces/:workspaceId/inboxes',
    {
      schema: {
        tags: ['inboxes'],
        summary: 'The inboxes the caller is on (access is explicit, admins included)',
        params: WorkspaceParams,
        response: { 200: InboxList, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'member');
      const mine = db
        .select({ id: inboxAccess.inboxId })
        .from(inboxAccess)
        .where(and(eq(inboxAccess.workspaceId, workspaceId), eq(inboxAccess.userId, session.user.id)));
      const list = await views(and(eq(inboxes.workspaceId, workspaceId), inArray(inboxes.id, mine))!, false);
      return { items: list.map(({ memberIds: _m, outflow: _o, ...i }) => i) };
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/settings/inboxes',
    {
      schema: {
        tags: ['inboxes'],
        summary: 'Every inbox with its access list (admins)',
        params: WorkspaceParams,
        response: { 200: ManagedInboxList, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'admin');
      return { items: await views(eq(inboxes.workspaceId, workspaceId), true) };
    },
  );

  /** Only people of this workspace can be on its inboxes; only its own types can be defaults. */
  async function checkRefs(workspaceId: string, memberIds?: string[], typeIds?: string[]) {
    if (memberIds?.length) {
      const found = await db
        .select({ id: memberships.userId })
        .from(memberships)
        .where(and(eq(memberships.workspaceId, workspaceId), inArray(memberships.userId, memberIds)));
      if (found.length !== new Set(memberIds).size)
        throw invalid('memberIds', 'Not a member of this workspace.');
    }
    if (typeIds?.length) {
      const found = await db
        .select({ id: documentTypes.id })
        .from(documentTypes)
        .where(and(eq(documentTypes.workspaceId, workspaceId), inArray(documentTypes.id, typeIds)));
      if (found.length !== new Set(typeIds).size) throw invalid('documentTypeIds', 'No such document type.');
    }
  }
  async function nameTaken(workspaceId: string, name: string, except?: string) {
    const [dup] = await db
      .select({ id: inboxes.id })
      .from(inboxes)
      .where(and(eq(inboxes.workspaceId, workspaceId), eq(sql`lower(${inboxes.name})`, name.toLowerCase())));
    if (dup && dup.id !== except) throw new AppError('conflict', `An inbox named "${name}" already exists.`);
  }
  async function setMembers(tx: Db, workspaceId: string, inboxId: string, memberIds: string[]) {
    await tx.delete(inboxAccess).where(eq(inboxAccess.inboxId, inboxId));
    const unique = [...new Set(memberIds)];
    if (unique.length)
      await tx.insert(inboxAccess).values(unique.map((userId) => ({ inboxId, workspaceId, userId })));
  }
  async function setTypes(tx: Db, inboxId: string, typeIds: string[]) {
    await tx.delete(inboxDocumentTypes).where(eq(inboxDocumentTypes.inboxId, inboxId));
    const unique = [...new Set(typeIds)];
    if (unique.length)
      await tx
        .insert(inboxDocumentTypes)
        .values(unique.map((documentTypeId) => ({ inboxId, documentTypeId })));
  }

  app.post(
    '/api/v1/workspaces/:workspaceId/inboxes',
    {
      schema: {
        tags: ['inboxes'],
        summary: 'Create an inbox; its creator is on its access list',
        params: WorkspaceParams,
        body: CreateInboxRequest,
        response: { 201: ManagedInbox, ...errors },
      },
    },
    async (req, reply) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      const { name, memberIds = [], documentTypeIds = [] } = req.body;
      await nameTaken(workspaceId, name);
      await checkRefs(workspaceId, memberIds, documentTypeIds);
      const id = await db.transaction(async (tx) => {
        const [r] = await tx.insert(inboxes).values({ workspaceId, name }).returning();
        await setMembers(tx, workspaceId, r!.id, [session.user.id, ...memberIds]);
        await setTypes(tx, r!.id, documentTypeIds);
        await recordAudit(tx, {
          workspaceId,
          actor: session.user,
          action: 'inbox.created',
          target: { type: 'inbox', id: r!.id },
          details: { name: r!.name },
        });
        return r!.id;
      });
      return reply.status(201).send(await managedView(id));
    },
  );

  app.patch(
    '/api/v1/workspaces/:workspaceId/inboxes/:id',
    {
      schema: {
        tags: ['inboxes'],
        summary: 'Rename, archive or restore an inbox; set its access list, default document types and outflow actions',
        params: WorkspaceItemParams,
        body: UpdateInboxRequest,
        response: { 200: ManagedInbox, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      const [inbox] = await db
        .select()
        .from(inboxes)
        .where(and(eq(inboxes.workspaceId, workspaceId), eq(inboxes.id, pathId(req.params.id))));
      if (!inbox) throw notFound('Inbox');
      const b = req.body;
      if (b.name !== undefined) await nameTaken(workspaceId, b.name, inbox.id);
      await checkRefs(workspaceId, b.memberIds, b.documentTypeIds);
      // Refused before saving when a connection feeding this inbox lacks a permission an action needs.
      const outflow = b.outflow ? await validateOutflow(db, deps.connectors.broker, b.outflow, { inboxId: inbox.id }) : undefined;
      if (b.archived === true && inbox.archivedAt === null) {
        if (inbox.isDefault) throw new AppError('conflict', 'The default inbox cannot be archived.');
        const [rules] = await db
          .select({ n: count() })
          .from(monitoredFolders)
          .where(eq(monitoredFolders.inboxId, inbox.id));
        if (rules && rules.n > 0)
          throw new AppError(
            'conflict',
            `${rules.n} monitored folder(s) still send email to this inbox. Point their rules to another inbox first.`,
          );
      }
      await db.transaction(async (tx) => {
        if (b.name !== undefined || b.archived !== undefined || outflow)
          await tx
            .update(inboxes)
            .set({
              ...(b.name !== undefined ? { name: b.name } : {}),
              ...(outflow ? { outflow } : {}),
              ...(b.archived !== undefined
                ? { archivedAt: b.archived ? (inbox.archivedAt ?? new Date()) : null }
                : {}),
            })
            .where(eq(inboxes.id, inbox.id));
        if (b.memberIds) await setMembers(tx, workspaceId, inbox.id, b.memberIds);
        if (b.documentTypeIds) await setTypes(tx, inbox.id, b.documentTypeIds);
        await recordAudit(tx, {
          workspaceId,
          actor: session.user,
          action:
            b.archived === true
              ? 'inbox.archived'
              : b.archived === false
                ? 'inbox.restored'
                : 'inbox.changed',
          target: { type: 'inbox', id: inbox.id },
          details: { name: b.name ?? inbox.name, ...(b.memberIds ? { memberIds: b.memberIds } : {}), ...(outflow ? { outflow } : {}) },
        });
      });
      return managedView(inbox.id);
    },
  );

  // ── Document types and tags: the same shape, two tables ─────────────────────────────────────────
  for (const [segment, table, label] of [
    ['document-types', documentTypes, 'document type'],
    ['tags', tags, 'tag'],
  ] as const) {
    const view = (r: { id: string; name: string; createdAt: Date }) => ({
      id: r.id,
      name: r.name,
      createdAt: r.createdAt.toISOString(),
    });
    const taken = async (workspaceId: string, name: string, except?: string) => {
      const [dup] = await db
        .select({ id: table.id })
        .from(table)
        .where(and(eq(table.workspaceId, workspaceId), eq(sql`lower(${table.name})`, name.toLowerCase())));
      if (dup && dup.id !== except)
        throw new AppError('conflict', `A ${label} named "${name}" already exists.`);
    };
    app.get(
      `/api/v1/workspaces/:workspaceId/${segment}`,
      {
        schema: {
          tags: ['inboxes'],
          params: WorkspaceParams,
          response: { 200: DocumentTypeList, ...errors },
        },
      },
      async (req) => {
        const workspaceId = pathId(req.params.workspaceId);
        await requireRole(db, req, workspaceId, 'member');
        const rows = await db
          .select()
          .from(table)
          .where(eq(table.workspaceId, workspaceId))
          .orderBy(asc(sql`lower(${table.name})`));
        return { items: rows.map(view) };
      },
    );
    app.post(
      `/api/v1/workspaces/:workspaceId/${segment}`,
      {
        schema: {
          tags: ['inboxes'],
          params: WorkspaceParams,
          body: NameRequest,
          response: { 201: DocumentType, ...errors },
        },
      },
      async (req, reply) => {
        const workspaceId = pathId(req.params.workspaceId);
        const { session } = await requireRole(db, req, workspaceId, 'admin');
        await taken(workspaceId, req.body.name);
        const [r] = await db.insert(table).values({ workspaceId, name: req.body.name }).returning();
        await recordAudit(db, {
          workspaceId,
          actor: session.user,
          action: `${segment}.created`,
          target: { type: label, id: r!.id },
          details: { name: r!.name },
        });
        return reply.status(201).send(view(r!));
      },
    );
    app.patch(
      `/api/v1/workspaces/:workspaceId/${segment}/:id`,
      {
        schema: {
          tags: ['inboxes'],
          params: WorkspaceItemParams,
          body: NameRequest,
          response: { 200: DocumentType, ...errors },
        },
      },
      async (req) => {
        const workspaceId = pathId(req.params.workspaceId);
        const { session } = await requireRole(db, req, workspaceId, 'admin');
        await taken(workspaceId, req.body.name, pathId(req.params.id));
        const [r] = await db
          .update(table)
          .set({ name: req.body.name })
          .where(and(eq(table.workspaceId, workspaceId), eq(table.id, pathId(req.params.id))))
          .returning();
        if (!r) throw notFound(label === 'tag' ? 'Tag' : 'Document type');
        await recordAudit(db, {
          workspaceId,
          actor: session.user,
          action: `${segment}.renamed`,
          target: { type: label, id: r.id },
          details: { name: r.name },
        });
        return view(r);
      },
    );
    app.delete(
      `/api/v1/workspaces/:workspaceId/${segment}/:id`,
      { schema: { tags: ['inboxes'], params: WorkspaceItemParams, response: { 204: z.null(), ...errors } } },
      async (req, reply) => {
        const workspaceId = pathId(req.params.workspaceId);
        const { session } = await requireRole(db, req, workspaceId, 'admin');
        const [r] = await db
          .delete(table)
          .where(and(eq(table.workspaceId, workspaceId), eq(table.id, pathId(req.params.id))))
          .returning();
        if (!r) throw notFound(label === 'tag' ? 'Tag' : 'Document type');
        // Documents and rules keep working: a deleted type becomes "no type" (FK), a deleted tag id is
        // dropped where it is read (tag ids are an array without a foreign key).
        await recordAudit(db, {
          workspaceId,
          actor: session.user,
          action: `${segment}.deleted`,
          target: { type: label, id: r.id },
          details: { name: r.name },
        });
        return reply.status(204).send(null);
      },
    );
  }

  app.get(
    '/api/v1/workspaces/:workspaceId/settings/inflow',
    { schema: { tags: ['inboxes'], params: WorkspaceParams, response: { 200: InflowSettings, ...errors } } },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'member');
      const [w] = await db
        .select({ d: workspaces.internalDomains })
        .from(workspaces)
        .where(eq(workspaces.id, workspaceId));
      return { internalDomains: w?.d ?? [] };
    },
  );
  app.put(
    '/api/v1/workspaces/:workspaceId/settings/inflow',
    {
      schema: {
        tags: ['inboxes'],
        params: WorkspaceParams,
        body: InflowSettings,
        response: { 200: InflowSettings, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      const internalDomains = [...new Set(req.body.internalDomains)];
      await db
        .update(workspaces)
        .set({ internalDomains, updatedAt: sql`now()` })
        .where(eq(workspaces.id, workspaceId));
      await recordAudit(db, {
        workspaceId,
        actor: session.user,
        action: 'workspace.internal_domains_set',
        target: { type: 'workspace', id: workspaceId },
        details: { internalDomains },
      });
      return { internalDomains };
    },
  );
};
