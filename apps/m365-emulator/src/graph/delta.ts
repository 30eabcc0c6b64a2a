import type { Router } from '../http/router.ts';
import type { EmulatorState } from '../state.ts';
import { GraphHttpError } from './errors.ts';
import { mailRoute, type GraphCall } from './pipeline.ts';
import { findFolder } from '../mail/lookup.ts';
import { messageProps, parseMessageSelect } from '../mail/render.ts';
import { parseExpand, renderMessage } from './mail-read.ts';
import { deltaFilterBound } from '../mail/filter.ts';
import { DeltaTokens, type DeltaQuery, type RoundItem, type SyncState } from '../mail/delta-tokens.ts';
import type { ChangeType, MailFolder } from '../mail/model.ts';
import { callerOrigin } from '../http/origin.ts';

const DEFAULT_PAGE = 10;

const syncStateNotFound = (token: string) =>
  new GraphHttpError(
    410,
    'SyncStateNotFound',
    `The sync state generation is not found; generation=${DeltaTokens.generationOf(token)};`,
  );

/** The changes of one round, in the order the pages will return them. */
function buildRound(
  folder: MailFolder,
  q: DeltaQuery,
  since: number,
  upTo: number,
  replay = false,
  moveBackReportsDelete = false,
): RoundItem[] {
  const items: RoundItem[] = [];
  if (since >= folder.changeSeq && !replay) return items; // nothing happened here: no scan of the folder
  if (since > 0 && (!q.changeType || q.changeType === 'deleted')) {
    for (const r of folder.removals) if (r.seq > since && r.seq <= upTo) items.push({ removed: r });
  }
  // The quirk: a message that left this folder and came back within the round shows only as removed.
  const cameBack = new Set<number>();
  if (moveBackReportsDelete && since > 0)
    for (const r of folder.removals)
      if (r.seq > since && r.seq <= upTo && r.no !== undefined) cameBack.add(r.no);
  if (q.changeType !== 'deleted') {
    const msgs = [];
    for (const m of folder.messages.values()) {
      if (m.seq <= since && !replay) continue;
      if (cameBack.has(m.no)) continue;
      const created = m.folderSeq > since || replay;
      if (q.changeType === 'created' && !created) continue;
      if (q.changeType === 'updated' && created) continue;
      if (q.received && (q.received.inclusive ? m.receivedMs < q.received.ms : m.receivedMs <= q.received.ms))
        continue;
      msgs.push(m);
    }
    // First round newest first (what Outlook does); later rounds in change order.
    if (since === 0) msgs.sort((a, b) => b.receivedMs - a.receivedMs || b.no - a.no);
    else msgs.sort((a, b) => a.seq - b.seq);
    // With $filter, Outlook returns at most 5,000 messages in the first round (reference §2.3).
    const cap = q.received && since === 0 ? 5000 : Infinity;
    for (const m of msgs.slice(0, cap)) items.push({ no: m.no, created: m.folderSeq > since || replay });
  }
  return q.top !== undefined ? items.slice(0, q.top) : items;
}

/** `GET …/mailFolders/{id}/messages/delta` (reference §2.3). */
export function registerDelta(router: Router, st: EmulatorState): void {
  const handle = (call: GraphCall) => {
    const { ctx, mailbox } = call;
    const folder = findFolder(st, mailbox, ctx.params.folder!);
    const skip = ctx.query.get('$skiptoken');
    const delta = ctx.query.get('$deltatoken');
    let state: SyncState;
    if (skip || delta) {
      const token = (skip ?? delta)!;
      const found = st.deltaTokens.get(token);
      if (!found || found.query.mailboxId !== mailbox.userId || found.query.folderNo !== folder.no)
        throw syncStateNotFound(token);
      // The quirk: a round's earlier pages expire while the client is still paging.
      const expiry = st.faults.quirks.deltaPageExpiryMs;
      if (skip && expiry > 0 && st.deltaTokens.ageMs(token) > expiry) throw syncStateNotFound(token);
      if (found.kind === 'delta' || delta) {
        const upTo = mailbox.seq;
        state = {
          kind: 'skip',
          generation: st.deltaTokens.nextGeneration(),
          query: found.query,
          sinceSeq: found.upToSeq,
          upToSeq: upTo,
          pos: 0,
        };
        state.items = buildRound(
          folder,
          found.query,
          found.upToSeq,
          upTo,
          ctx.deltaReplay,
          st.faults.quirks.deltaMoveBackReportsDelete,
        );
      } else state = found;
    } else {
      if (ctx.query.has('$search'))
        throw new GraphHttpError(400, 'BadRequest', 'Search is not supported in delta queries.');
      const orderby = ctx.query.get('$orderby');
      if (orderby && !/^\s*receivedDateTime\s+desc\s*$/i.test(orderby))
        throw new GraphHttpError(
          400,
          'BadRequest',
          "Only 'receivedDateTime desc' is supported in $orderby for delta queries.",
        );
      const q: DeltaQuery = {
        mailboxId: mailbox.userId,
        folderNo: folder.no,
        select: parseMessageSelect(ctx.query.get('$select')),
      };
      const filter = ctx.query.get('$filter');
      if (filter) q.received = deltaFilterBound(filter);
      const ct = ctx.query.get('changeType');
      if (ct) {
        if (!['created', 'updated', 'deleted'].includes(ct.toLowerCase()))
          throw new GraphHttpError(400, 'BadRequest', `Invalid changeType '${ct}'.`);
        q.changeType = ct.toLowerCase() as ChangeType;
      }
      const expand = ctx.query.get('$expand');
      if (expand) {
        parseExpand(expand); // validate now: a bad $expand fails the first call, not a later page
        q.expand = expand;
      }
      const top = ctx.query.get('$top');
      if (top !== null) {
        const n = Number(top);
        if (!Number.isInteger(n) || n < 1)
          throw new GraphHttpError(400, 'BadRequest', `Invalid value '${top}' for $top query option found.`);
        q.top = n;
      }
      const upTo = mailbox.seq;
      state = {
        kind: 'skip',
        generation: st.deltaTokens.nextGeneration(),
        query: q,
        sinceSeq: 0,
        upToSeq: upTo,
        pos: 0,
        items: buildRound(folder, q, 0, upTo),
      };
    }

    const pageSize = Math.max(1, Math.min(call.prefer.maxPageSize ?? DEFAULT_PAGE, 1000));
    if (call.prefer.maxPageSize !== null) call.applied.push(`odata.maxpagesize=${pageSize}`);
    const items = state.items ?? [];
    const slice = items.slice(state.pos, state.pos + pageSize);
    const value: Record<string, unknown>[] = [];
    const select = state.query.select;
    const expand = parseExpand(state.query.expand ?? null);
    for (const it of slice) {
      if ('removed' in it) {
        value.push({
          '@odata.type': '#microsoft.graph.message',
          id: call.render.immutable ? it.removed.immutableId : it.removed.restId,
          '@removed': { reason: 'deleted' },
        });
        continue;
      }
      const msg = folder.messages.get(it.no);
      if (!msg) continue; // moved out or deleted since the round started: next round's @removed
      if (it.created || state.sinceSeq === 0) {
        value.push({
          '@odata.type': '#microsoft.graph.message',
          ...renderMessage(st, call, msg, select, expand),
        });
      } else {
        // Updates carry only the properties changed since the last round (reference §2.3).
        const changed = Object.entries(msg.propSeq)
          .filter(([p, s]) => s > state.sinceSeq && (!select || select.includes(p)))
          .map(([p]) => p)
          .filter((p) => p !== 'singleValueExtendedProperties');
        const item = messageProps(st.mail, mailbox, msg, call.render, changed);
        if (expand.ext && (msg.propSeq.singleValueExtendedProperties ?? 0) > state.sinceSeq) {
          const eps = [...msg.extended.values()].filter((e) => expand.ext!(e.id));
          if (eps.length) item.singleValueExtendedProperties = eps.map((e) => ({ ...e }));
        }
        value.push(item);
      }
    }
    const base = `${callerOrigin(st)}${ctx.url.pathname}`;
    const body: Record<string, unknown> = {
      '@odata.context': `${callerOrigin(st)}/v1.0/$metadata#Collection(message)`,
    };
    const nextPos = state.pos + slice.length;
    if (nextPos < items.length) {
      const next: SyncState = { ...state, pos: nextPos };
      body['@odata.nextLink'] = `${base}?$skiptoken=${st.deltaTokens.put(next)}`;
    } else {
      const done: SyncState = {
        kind: 'delta',
        generation: state.generation,
        query: state.query,
        sinceSeq: state.sinceSeq,
        upToSeq: state.upToSeq,
        pos: 0,
      };
      body['@odata.deltaLink'] = `${base}?$deltatoken=${st.deltaTokens.put(done)}`;
    }
    body.value = value;
    return body;
  };
  mailRoute(router, st, 'GET', '/mailFolders/:folder/messages/delta', 'read', handle);
}
