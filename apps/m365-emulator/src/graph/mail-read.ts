import type { Router } from '../http/router.ts';
import type { Ctx } from '../http/context.ts';
import type { EmulatorState } from '../state.ts';
import { GraphErrors, GraphHttpError, graphHeaders } from './errors.ts';
import { HANDLED, mailRoute, type GraphCall } from './pipeline.ts';
import { findAttachment, findFolder, findMessage } from '../mail/lookup.ts';
import {
  attachmentResource,
  folderResource,
  graphTime,
  messageResource,
  parseMessageSelect,
} from '../mail/render.ts';
import { checkFilterWithOrderby, evalMessageFilter, parseMessageFilter } from '../mail/filter.ts';
import { extendedPropertyKey } from '../mail/store.ts';
import { messageFromMime, mimeOf } from '../mail/mime.ts';
import { messageInitFromJson } from '../mail/json-message.ts';
import type { MailFolder, Message } from '../mail/model.ts';
import { callerOrigin } from '../http/origin.ts';

/** `$top` for folders and messages: 1–1000 (default 10), as Outlook enforces. */
function topOf(ctx: Ctx, def = 10, max = 1000): number {
  const raw = ctx.query.get('$top');
  if (raw === null) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new GraphHttpError(400, 'BadRequest', `Invalid value '${raw}' for $top query option found.`);
  return Math.min(n, max);
}

function skipOf(ctx: Ctx): number {
  const raw = ctx.query.get('$skip');
  if (raw === null) return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new GraphHttpError(400, 'BadRequest', `Invalid value '${raw}' for $skip query option found.`);
  return n;
}

/** The same request with another `$skip` (Graph's nextLink for mail lists). */
function nextLink(st: EmulatorState, ctx: Ctx, skip: number): string {
  const q = new URLSearchParams(ctx.url.search);
  q.set('$skip', String(skip));
  return `${callerOrigin(st)}${ctx.url.pathname}?${q.toString().replace(/%24/g, '$')}`;
}

/** The properties `attachments($select=…)` may name: `microsoft.graph.attachment`'s own. */
const ATTACHMENT_PROPS = ['id', 'name', 'contentType', 'size', 'isInline', 'lastModifiedDateTime'];
/** A derived type's property needs its cast (`microsoft.graph.fileAttachment/contentBytes`), as in OData. */
const FILE_ATTACHMENT_PROPS = ['contentId', 'contentLocation', 'contentBytes'];

/**
 * The nested options of `$expand=attachments(…)`: `$select` only. The expanded collection is typed as
 * the base `microsoft.graph.attachment`, so `contentBytes` alone is "not found" as on Graph; null = all.
 */
function attachmentSelect(options: string | undefined): string[] | null {
  if (options === undefined || options.trim() === '') return null;
  let select: string[] | null = null;
  for (const opt of options.split(';')) {
    const m = /^\s*\$select\s*=\s*(.+?)\s*$/i.exec(opt);
    if (!m)
      throw new GraphHttpError(
        400,
        'BadRequest',
        `Parsing OData Select and Expand failed: Query option '${opt.trim()}' is not supported in attachments(…).`,
      );
    select = m[1]!.split(',').map((raw) => {
      const p = raw.trim();
      const cast = /^microsoft\.graph\.fileAttachment\/(\w+)$/i.exec(p);
      const known = cast
        ? FILE_ATTACHMENT_PROPS.find((x) => x.toLowerCase() === cast[1]!.toLowerCase())
        : ATTACHMENT_PROPS.find((x) => x.toLowerCase() === p.toLowerCase());
      if (!known)
        throw new GraphHttpError(
          400,
          'BadRequest',
          `Parsing OData Select and Expand failed: Could not find a property named '${cast ? cast[1] : p}' on type '${cast ? 'microsoft.graph.fileAttachment' : 'microsoft.graph.attachment'}'.`,
        );
      return known;
    });
  }
  return select;
}

/** An attachment with only the selected properties (and its type and id, which Graph always sends). */
export function selectAttachment(
  full: Record<string, unknown>,
  select: string[] | null,
): Record<string, unknown> {
  if (!select) return full;
  const out: Record<string, unknown> = { '@odata.type': full['@odata.type'], id: full.id };
  for (const p of select) if (p in full) out[p] = full[p];
  return out;
}

export interface Expand {
  ext?: (id: string) => boolean;
  /** `$expand=attachments`, with the nested `$select` (null: every property). */
  attachments?: { select: string[] | null };
}

/** `$expand=singleValueExtendedProperties($filter=id eq '…')` and `$expand=attachments[($select=…)]`. */
export function parseExpand(raw: string | null): Expand {
  if (!raw) return {};
  const out: Expand = {};
  for (const part of raw.split(/,(?![^(]*\))/)) {
    const m = /^\s*singleValueExtendedProperties(?:\(\s*\$filter\s*=\s*(.+)\))?\s*$/i.exec(part);
    if (m) {
      const f = m[1];
      if (!f) {
        out.ext = () => true;
        continue;
      }
      const ids = [...f.matchAll(/id\s+eq\s+'((?:[^']|'')*)'/gi)].map((x) =>
        extendedPropertyKey(x[1]!.replace(/''/g, "'")),
      );
      if (ids.length === 0) throw new GraphHttpError(400, 'BadRequest', `Invalid $expand filter '${f}'.`);
      out.ext = (id) => ids.includes(extendedPropertyKey(id));
      continue;
    }
    const att = /^\s*attachments\s*(?:\((.*)\))?\s*$/i.exec(part);
    if (att) {
      out.attachments = { select: attachmentSelect(att[1]) };
      continue;
    }
    throw new GraphHttpError(
      400,
      'BadRequest',
      `Parsing OData Select and Expand failed: Could not find a property named '${part.trim()}' on type 'microsoft.graph.message'.`,
    );
  }
  return out;
}

export function renderMessage(
  st: EmulatorState,
  call: GraphCall,
  msg: Message,
  select: string[] | null,
  expand: Expand,
): Record<string, unknown> {
  if (call.render.basic && (expand.ext || expand.attachments)) throw GraphErrors.accessDenied();
  const r = messageResource(st.mail, call.mailbox, msg, call.render, select);
  if (expand.ext) {
    const eps = [...msg.extended.values()].filter((e) => expand.ext!(e.id));
    if (eps.length) r.singleValueExtendedProperties = eps.map((e) => ({ ...e }));
  }
  if (expand.attachments) {
    const select = expand.attachments.select;
    r.attachments = msg.attachments.map((a) =>
      selectAttachment(attachmentResource(st.mail, call.mailbox, msg, a, true), select),
    );
  }
  return r;
}

function orderMessages(list: Message[], orderby: string | null): Message[] {
  const spec = (orderby ?? 'receivedDateTime desc').trim().split(/\s+/);
  const field = (spec[0] ?? '').toLowerCase();
  const sign = (spec[1] ?? 'asc').toLowerCase() === 'desc' ? -1 : 1;
  const key: Record<string, (m: Message) => number | string> = {
    receiveddatetime: (m) => m.receivedMs,
    sentdatetime: (m) => m.sentMs,
    lastmodifieddatetime: (m) => m.lastModifiedMs,
    createddatetime: (m) => m.createdMs,
    subject: (m) => m.subject.toLowerCase(),
  };
  const k = key[field];
  if (!k)
    throw new GraphHttpError(
      400,
      'ErrorInvalidProperty',
      `The property '${spec[0]}' does not support sorting.`,
    );
  return list.sort((a, b) => {
    const x = k(a);
    const y = k(b);
    return (x < y ? -1 : x > y ? 1 : 0) * sign || (a.no - b.no) * sign;
  });
}

/** The message inside an item attachment (MIME, or the JSON it was created from). */
async function attachedItem(content: Buffer): Promise<Record<string, unknown>> {
  const text = content.subarray(0, 1).toString();
  const init =
    text === '{' ? messageInitFromJson(JSON.parse(content.toString('utf8'))) : await messageFromMime(content);
  return {
    '@odata.type': '#microsoft.graph.message',
    subject: init.subject ?? '',
    body: init.body ?? { contentType: 'text', content: '' },
    from: init.from ?? null,
    sender: init.sender ?? init.from ?? null,
    toRecipients: init.toRecipients ?? [],
    ccRecipients: init.ccRecipients ?? [],
    internetMessageId: init.internetMessageId ?? null,
    sentDateTime: init.sentMs !== undefined ? graphTime(init.sentMs) : null,
    hasAttachments: (init.attachments ?? []).some((x) => !x.isInline),
  };
}

/** Graph's file streaming: chunks with back-pressure; the truncate fault stops half-way. */
export async function streamBytes(ctx: Ctx, data: Buffer, headers: Record<string, string>): Promise<void> {
  ctx.res.writeHead(200, { 'content-length': String(data.length), ...headers });
  if (ctx.method === 'HEAD') {
    ctx.res.end();
    return;
  }
  const limit = ctx.truncate ? Math.floor(data.length / 2) : data.length;
  const CHUNK = 256 * 1024;
  for (let off = 0; off < limit; off += CHUNK) {
    const ok = ctx.res.write(data.subarray(off, Math.min(off + CHUNK, limit)));
    if (!ok) await new Promise<void>((resolve) => ctx.res.once('drain', resolve).once('close', resolve));
    if (ctx.res.destroyed) return;
  }
  if (ctx.truncate) ctx.res.destroy();
  else ctx.res.end();
}

/** Read side of Graph mail: folders, messages, MIME, attachments, master categories. */
export function registerMailRead(router: Router, st: EmulatorState): void {
  const meta = (call: GraphCall, suffix: string) =>
    `${callerOrigin(st)}/v1.0/$metadata#users('${call.user.id}')/${suffix}`;

  const listFolders = (call: GraphCall, parent: MailFolder) => {
    const { ctx } = call;
    const includeHidden = (ctx.query.get('includeHiddenFolders') ?? '').toLowerCase() === 'true';
    const all = st.mail.childFolders(call.mailbox, parent.no, includeHidden);
    const top = topOf(ctx);
    const skip = skipOf(ctx);
    const body: Record<string, unknown> = {
      '@odata.context': meta(
        call,
        parent.wellKnownName === 'msgfolderroot'
          ? 'mailFolders'
          : `mailFolders('${st.mail.folderId(call.mailbox, parent)}')/childFolders`,
      ),
    };
    body.value = all.slice(skip, skip + top).map((f) => folderResource(st.mail, call.mailbox, f));
    if (skip + top < all.length) body['@odata.nextLink'] = nextLink(st, ctx, skip + top);
    return body;
  };

  mailRoute(router, st, 'GET', '/mailFolders', 'read', (call) =>
    listFolders(call, st.mail.wellKnown(call.mailbox, 'msgfolderroot')!),
  );
  mailRoute(router, st, 'GET', '/mailFolders/:folder', 'read', (call) => ({
    '@odata.context': meta(call, 'mailFolders/$entity'),
    ...folderResource(st.mail, call.mailbox, findFolder(st, call.mailbox, call.ctx.params.folder!)),
  }));
  mailRoute(router, st, 'GET', '/mailFolders/:folder/childFolders', 'read', (call) =>
    listFolders(call, findFolder(st, call.mailbox, call.ctx.params.folder!)),
  );

  const listMessages = (call: GraphCall, folder: MailFolder | null) => {
    const { ctx } = call;
    const select = parseMessageSelect(ctx.query.get('$select'));
    const expand = parseExpand(ctx.query.get('$expand'));
    const top = topOf(ctx);
    const skip = skipOf(ctx);
    const filterText = ctx.query.get('$filter');
    const filter = filterText ? parseMessageFilter(filterText) : null;
    if (filter && call.render.basic && /singlevalueextendedproperties/i.test(filterText ?? ''))
      throw GraphErrors.accessDenied();
    let list: Message[];
    if (folder) list = [...folder.messages.values()];
    else {
      list = [];
      for (const f of call.mailbox.folders.values())
        if (f.parentNo !== 0 || f.wellKnownName === 'msgfolderroot') list.push(...f.messages.values());
    }
    if (filter) {
      const fid = (m: Message) => st.mail.folderId(call.mailbox, m.folderNo);
      list = list.filter((m) => evalMessageFilter(filter, m, fid));
    }
    const orderby = ctx.query.get('$orderby');
    if (filter && orderby)
      checkFilterWithOrderby(
        filter,
        orderby.split(',').map((o) => o.trim().split(/\s+/)[0] ?? ''),
      );
    list = orderMessages(list, orderby);
    const body: Record<string, unknown> = {
      '@odata.context': meta(call, folder ? `mailFolders('${ctx.params.folder}')/messages` : 'messages'),
    };
    if (ctx.query.get('$count') === 'true') body['@odata.count'] = list.length;
    body.value = list.slice(skip, skip + top).map((m) => renderMessage(st, call, m, select, expand));
    if (skip + top < list.length) body['@odata.nextLink'] = nextLink(st, ctx, skip + top);
    return body;
  };

  const full = (call: GraphCall) => {
    // Mail.ReadBasic: no body, attachments or extended properties.
    if (call.render.basic) throw GraphErrors.accessDenied();
  };
  const getMessage = (call: GraphCall) => {
    const msg = findMessage(st, call.mailbox, call.ctx.params.id!);
    if (call.ctx.params.folder && findFolder(st, call.mailbox, call.ctx.params.folder).no !== msg.folderNo)
      throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    return msg;
  };

  const messageValue = async (call: GraphCall) => {
    full(call);
    const msg = getMessage(call);
    const mime = await mimeOf(msg);
    await streamBytes(call.ctx, mime, { ...graphHeaders(call.ctx), 'content-type': 'text/plain' });
    return HANDLED;
  };

  /**
   * The quirk (faults/quirks.ts): listing the attachments of a large message times out on Graph's side,
   * answered with Graph's empty 504 after the wait.
   */
  const attachmentListTimeout = async (msg: Message) => {
    const { attachmentListTimeoutBytes: bytes, attachmentListTimeoutMs: ms } = st.faults.quirks;
    if (bytes <= 0 || msg.attachments.reduce((n, a) => n + a.size, 0) < bytes) return;
    await new Promise((r) => setTimeout(r, ms));
    throw new GraphHttpError(504, 'UnknownError', '');
  };

  const getOne = async (call: GraphCall) => {
    const msg = getMessage(call);
    const expand = parseExpand(call.ctx.query.get('$expand'));
    if (expand.attachments) await attachmentListTimeout(msg);
    return {
      '@odata.context': meta(call, 'messages/$entity'),
      ...renderMessage(st, call, msg, parseMessageSelect(call.ctx.query.get('$select')), expand),
    };
  };

  const listAttachments = async (call: GraphCall) => {
    full(call);
    const msg = getMessage(call);
    await attachmentListTimeout(msg);
    return {
      '@odata.context': meta(call, `messages('${call.ctx.params.id}')/attachments`),
      value: msg.attachments.map((a) => attachmentResource(st.mail, call.mailbox, msg, a, true)),
    };
  };
  const getAttachment = async (call: GraphCall) => {
    full(call);
    const msg = getMessage(call);
    const a = findAttachment(msg, call.ctx.params.aid!, call.mailbox);
    const out: Record<string, unknown> = {
      '@odata.context': meta(call, `messages('${call.ctx.params.id}')/attachments/$entity`),
      ...attachmentResource(st.mail, call.mailbox, msg, a, true),
    };
    // `$expand=microsoft.graph.itemattachment/item`: the attached message itself.
    if (a.kind === 'item' && /itemattachment\/item/i.test(call.ctx.query.get('$expand') ?? ''))
      out.item = await attachedItem(a.content ?? Buffer.alloc(0));
    return out;
  };
  const attachmentValue = async (call: GraphCall) => {
    full(call);
    const msg = getMessage(call);
    const a = findAttachment(msg, call.ctx.params.aid!, call.mailbox);
    if (a.kind === 'reference')
      throw new GraphHttpError(
        405,
        'ErrorInvalidRequest',
        'The request is not supported for reference attachments.',
      );
    await streamBytes(call.ctx, a.content ?? Buffer.alloc(0), {
      ...graphHeaders(call.ctx),
      'content-type': a.kind === 'item' ? 'message/rfc822' : a.contentType,
    });
    return HANDLED;
  };

  for (const prefix of ['', '/mailFolders/:folder']) {
    // Delta routes are registered before these (graph/delta.ts), so "delta" is never taken for an id.
    mailRoute(router, st, 'GET', `${prefix}/messages`, 'read', (call) =>
      listMessages(call, prefix ? findFolder(st, call.mailbox, call.ctx.params.folder!) : null),
    );
    mailRoute(router, st, 'GET', `${prefix}/messages/:id`, 'read', getOne);
    mailRoute(router, st, 'GET', `${prefix}/messages/:id/$value`, 'read', messageValue);
    mailRoute(router, st, 'GET', `${prefix}/messages/:id/attachments`, 'read', listAttachments);
    mailRoute(router, st, 'GET', `${prefix}/messages/:id/attachments/:aid`, 'read', getAttachment);
    mailRoute(router, st, 'GET', `${prefix}/messages/:id/attachments/:aid/$value`, 'read', attachmentValue);
  }

  mailRoute(router, st, 'GET', '/outlook/masterCategories', 'settingsRead', (call) => ({
    '@odata.context': meta(call, 'outlook/masterCategories'),
    value: call.mailbox.masterCategories.map((c) => ({ ...c })),
  }));
}
