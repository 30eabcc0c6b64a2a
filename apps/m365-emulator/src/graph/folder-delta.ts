import { randomBytes } from 'node:crypto';
import type { Router } from '../http/router.ts';
import type { EmulatorState } from '../state.ts';
import { GraphHttpError } from './errors.ts';
import { mailRoute, type GraphCall } from './pipeline.ts';
import { findFolder } from '../mail/lookup.ts';
import { folderResource } from '../mail/render.ts';
import type { MailFolder } from '../mail/model.ts';
import { callerOrigin } from '../http/origin.ts';

/**
 * `GET …/mailFolders/delta` (every folder of the mailbox) and `GET …/mailFolders/{id}/childFolders/delta`
 * (a folder's children): the folder hierarchy's changes, paged with `$skiptoken` and resumed with
 * `$deltatoken`, deletions as `@removed` (issue 22 §1.4 — a third-party client calls it, and
 * "delta" was taken for a folder id). A folder counts as changed when its name, place or counts change.
 */
interface FolderRound {
  mailboxId: string;
  /** null: every folder of the mailbox; else the children of this folder. */
  parentNo: number | null;
  select: string[] | null;
  /** What the client has seen after this round: folder id → fingerprint. */
  seen: Map<string, string>;
  items: Record<string, unknown>[];
  pos: number;
}

const DEFAULT_PAGE = 10;
const MAX_STATES = 50_000;

const syncStateNotFound = () =>
  new GraphHttpError(410, 'SyncStateNotFound', 'The sync state generation is not found; generation=0;');

export function registerFolderDelta(router: Router, st: EmulatorState): void {
  const states = new Map<string, FolderRound>();
  const keep = (r: FolderRound): string => {
    const token = randomBytes(18).toString('base64url');
    states.set(token, r);
    if (states.size > MAX_STATES) states.delete(states.keys().next().value!);
    return token;
  };

  const foldersOf = (call: GraphCall, parentNo: number | null): MailFolder[] =>
    [...call.mailbox.folders.values()].filter(
      (f) => !f.isHidden && f.parentNo !== 0 && (parentNo === null || f.parentNo === parentNo),
    );

  const round = (call: GraphCall, r: Omit<FolderRound, 'items' | 'pos'>, previous: Map<string, string>) => {
    const items: Record<string, unknown>[] = [];
    for (const f of foldersOf(call, r.parentNo)) {
      const res = folderResource(st.mail, call.mailbox, f);
      const id = res.id as string;
      const print = JSON.stringify(res);
      r.seen.set(id, print);
      if (previous.get(id) === print) continue;
      items.push(
        r.select
          ? Object.fromEntries(Object.entries(res).filter(([k]) => k === 'id' || r.select!.includes(k)))
          : res,
      );
    }
    for (const id of previous.keys())
      if (!r.seen.has(id)) items.push({ id, '@removed': { reason: 'deleted' } });
    return { ...r, items, pos: 0 };
  };

  const handle = (call: GraphCall, parent: MailFolder | null) => {
    const { ctx, mailbox } = call;
    const parentNo = parent ? parent.no : null;
    const token = ctx.query.get('$skiptoken') ?? ctx.query.get('$deltatoken');
    let state: FolderRound;
    if (token) {
      const found = states.get(token);
      if (!found || found.mailboxId !== mailbox.userId || found.parentNo !== parentNo)
        throw syncStateNotFound();
      state = ctx.query.has('$deltatoken')
        ? round(
            call,
            { mailboxId: found.mailboxId, parentNo, select: found.select, seen: new Map() },
            found.seen,
          )
        : found;
    } else {
      const select = ctx.query.get('$select');
      state = round(
        call,
        {
          mailboxId: mailbox.userId,
          parentNo,
          select: select ? select.split(',').map((s) => s.trim()) : null,
          seen: new Map(),
        },
        new Map(),
      );
    }
    const pageSize = Math.max(1, Math.min(call.prefer.maxPageSize ?? DEFAULT_PAGE, 1000));
    if (call.prefer.maxPageSize !== null) call.applied.push(`odata.maxpagesize=${pageSize}`);
    const value = state.items.slice(state.pos, state.pos + pageSize);
    const base = `${callerOrigin(st)}${ctx.url.pathname}`;
    const body: Record<string, unknown> = {
      '@odata.context': `${callerOrigin(st)}/v1.0/$metadata#Collection(mailFolder)`,
    };
    if (state.pos + pageSize < state.items.length)
      body['@odata.nextLink'] = `${base}?$skiptoken=${keep({ ...state, pos: state.pos + pageSize })}`;
    else body['@odata.deltaLink'] = `${base}?$deltatoken=${keep({ ...state, items: [], pos: 0 })}`;
    body.value = value;
    return body;
  };

  mailRoute(router, st, 'GET', '/mailFolders/delta', 'read', (call) => handle(call, null));
  mailRoute(router, st, 'GET', '/mailFolders/:folder/childFolders/delta', 'read', (call) =>
    handle(call, findFolder(st, call.mailbox, call.ctx.params.folder!)),
  );
}
