import type { Router } from '../http/router.ts';
import type { Ctx } from '../http/context.ts';
import type { EmulatorState } from '../state.ts';
import type { User } from '../tenant/model.ts';
import { GraphHttpError } from '../graph/errors.ts';
import { findFolder, findMessage } from '../mail/lookup.ts';
import { messageInitFromJson } from '../mail/json-message.ts';
import { InvalidMimeError, messageFromMime } from '../mail/mime.ts';
import { generateClaimEmail, type GenerateOptions } from '../mail/generate.ts';
import { graphTime } from '../mail/render.ts';
import type { Mailbox, Message } from '../mail/model.ts';
import type { MessageInit } from '../mail/store.ts';
import type { FaultRuleInput, NotificationFaultInput } from '../faults/faults.ts';
import { invalidQuirks, type Quirks } from '../faults/quirks.ts';
import type { ThrottleConfig } from '../mail/throttle.ts';
import type { LifecycleEvent, NotificationSettings } from '../notify/subscriptions.ts';

class MailControlError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
const bad = (m: string) => new MailControlError(400, 'badRequest', m);
const notFound = (m: string) => new MailControlError(404, 'notFound', m);

/** What the control API answers for a delivered message (ids in both formats). */
export interface DeliveredMessage {
  id: string;
  immutableId: string;
  internetMessageId: string;
  folderId: string;
  subject: string;
  receivedDateTime: string;
}

export interface MailJob {
  id: string;
  mailbox: string;
  total: number;
  delivered: number;
  ratePerSecond: number;
  done: boolean;
  messages: DeliveredMessage[];
}

/** Mail side of the control API: deliver mail, play Outlook rules, throttling, faults, delta tokens. */
export function registerMailControl(router: Router, st: EmulatorState): void {
  const route = (method: string, path: string, fn: (ctx: Ctx) => unknown) =>
    router.on(method, `/__emulator${path}`, async (ctx) => {
      ctx.tags.area = 'control';
      ctx.maxBodyBytes = 220 * 1024 * 1024;
      try {
        const out = await fn(ctx);
        if (out === undefined) ctx.send(204, '');
        else ctx.sendJson(200, out);
      } catch (e) {
        if (e instanceof MailControlError)
          return ctx.sendJson(e.status, { error: { code: e.code, message: e.message } });
        if (e instanceof GraphHttpError)
          return ctx.sendJson(e.status, { error: { code: e.code, message: e.message } });
        if (e instanceof InvalidMimeError || e instanceof SyntaxError)
          return ctx.sendJson(400, { error: { code: 'badRequest', message: e.message } });
        throw e;
      }
    });

  const mailboxOf = (ref: string): { user: User; mailbox: Mailbox } => {
    const user = st.dir.findUser(ref);
    if (!user || user.state === 'deleted') throw notFound(`Mailbox ${ref} not found`);
    if (!user.hasMailbox) throw bad(`${ref} has no Exchange Online mailbox`);
    return { user, mailbox: st.mail.mailbox(user) };
  };
  const delivered = (m: Mailbox, msg: Message): DeliveredMessage => ({
    id: st.mail.restId(m, msg),
    immutableId: st.mail.immutableId(m, msg),
    internetMessageId: msg.internetMessageId,
    folderId: st.mail.folderId(m, msg.folderNo),
    subject: msg.subject,
    receivedDateTime: graphTime(msg.receivedMs),
  });
  const deliver = (m: Mailbox, folderRef: string | undefined, init: MessageInit): DeliveredMessage => {
    const folder = findFolder(st, m, folderRef ?? 'inbox');
    return delivered(m, st.mail.addMessage(m, folder, init));
  };

  route('POST', '/mailboxes/:mailbox/messages', async (ctx) => {
    const { mailbox } = mailboxOf(ctx.params.mailbox!);
    const b = await ctx.json<{
      folder?: string;
      message?: unknown;
      eml?: string;
      generate?: GenerateOptions;
    }>();
    let init: MessageInit;
    if (b.eml !== undefined) init = await messageFromMime(Buffer.from(b.eml, 'base64'));
    else if (b.generate !== undefined || b.message === undefined)
      init = generateClaimEmail(st, mailbox, b.generate ?? {});
    else init = messageInitFromJson(b.message);
    if (init.receivedMs === undefined || Number.isNaN(init.receivedMs)) init.receivedMs = st.clock.now();
    return deliver(mailbox, b.folder, init);
  });
  route('POST', '/mailboxes/:mailbox/eml', async (ctx) => {
    const { mailbox } = mailboxOf(ctx.params.mailbox!);
    const init = await messageFromMime(await ctx.rawBody());
    init.receivedMs = st.clock.now();
    return deliver(mailbox, ctx.query.get('folder') ?? undefined, init);
  });

  const jobs = new Map<string, MailJob>();
  let jobNo = 0;
  route('POST', '/mailboxes/:mailbox/generate', async (ctx) => {
    const { mailbox } = mailboxOf(ctx.params.mailbox!);
    const b = await ctx.json<GenerateOptions & { count?: number; ratePerSecond?: number; folder?: string }>();
    const count = b.count ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 1_000_000)
      throw bad('count must be an integer 1..1000000');
    const job: MailJob = {
      id: `job-${++jobNo}`,
      mailbox: ctx.params.mailbox!,
      total: count,
      delivered: 0,
      ratePerSecond: b.ratePerSecond ?? 0,
      done: false,
      messages: [],
    };
    jobs.set(job.id, job);
    const one = () => {
      const init = generateClaimEmail(st, mailbox, { ...b, index: job.delivered });
      init.receivedMs ??= st.clock.now();
      const d = deliver(mailbox, b.folder, init);
      if (job.messages.length < 1000) job.messages.push(d);
      job.delivered++;
    };
    if (!b.ratePerSecond) {
      for (let i = 0; i < count; i++) one();
      job.done = true;
      return job;
    }
    // Paced delivery in the background: a steady stream of new mail (benchmarks, "send a test email").
    const started = Date.now();
    const tick = () => {
      const due = Math.min(count, Math.floor(((Date.now() - started) / 1000) * b.ratePerSecond!) + 1);
      while (job.delivered < due) one();
      if (job.delivered >= count) job.done = true;
      else setTimeout(tick, Math.max(5, 1000 / b.ratePerSecond!)).unref();
    };
    tick();
    return job;
  });
  route(
    'GET',
    '/mail-jobs/:id',
    (ctx) =>
      jobs.get(ctx.params.id!) ??
      (() => {
        throw notFound(`Job ${ctx.params.id}`);
      })(),
  );

  route('GET', '/mailboxes/:mailbox/messages', (ctx) => {
    const { mailbox } = mailboxOf(ctx.params.mailbox!);
    const folderRef = ctx.query.get('folder');
    const folder = folderRef ? findFolder(st, mailbox, folderRef) : undefined;
    const out = [];
    for (const msg of mailbox.messages.values()) {
      if (folder && msg.folderNo !== folder.no) continue;
      out.push({
        ...delivered(mailbox, msg),
        folder:
          mailbox.folders.get(msg.folderNo)!.wellKnownName ?? mailbox.folders.get(msg.folderNo)!.displayName,
        isRead: msg.isRead,
        categories: msg.categories,
        attachments: msg.attachments.map((a) => ({ name: a.name, size: a.size, contentType: a.contentType })),
      });
    }
    return out;
  });
  route('POST', '/mailboxes/:mailbox/messages/:id/move', async (ctx) => {
    const { mailbox } = mailboxOf(ctx.params.mailbox!);
    const b = await ctx.json<{ destination?: string; acrossStores?: boolean }>();
    const msg = findMessage(st, mailbox, ctx.params.id!);
    const dest = findFolderOrCreate(mailbox, b.destination ?? 'archive');
    // Outlook desktop's drag-drop between stores is a copy and a delete: a new item, a new immutable id.
    if (b.acrossStores === true || st.faults.chance(st.faults.quirks.acrossStoresMoveRate)) {
      if (dest.no === msg.folderNo) return delivered(mailbox, msg);
      const copy = st.mail.copy(mailbox, msg, dest);
      st.mail.remove(mailbox, msg);
      return delivered(mailbox, copy);
    }
    return delivered(mailbox, st.mail.move(mailbox, msg, dest));
  });
  route('DELETE', '/mailboxes/:mailbox/messages/:id', (ctx) => {
    const { mailbox } = mailboxOf(ctx.params.mailbox!);
    st.mail.remove(mailbox, findMessage(st, mailbox, ctx.params.id!));
  });
  route('PATCH', '/mailboxes/:mailbox/messages/:id', async (ctx) => {
    const { mailbox } = mailboxOf(ctx.params.mailbox!);
    const msg = findMessage(st, mailbox, ctx.params.id!);
    const b = await ctx.json<{ isRead?: boolean; categories?: string[]; subject?: string }>();
    const changed: string[] = [];
    if (typeof b.isRead === 'boolean') {
      msg.isRead = b.isRead;
      changed.push('isRead');
    }
    if (Array.isArray(b.categories)) {
      msg.categories = b.categories.map(String);
      changed.push('categories');
    }
    if (typeof b.subject === 'string') {
      msg.subject = b.subject;
      changed.push('subject');
    }
    st.mail.touch(mailbox, msg, changed);
    return delivered(mailbox, msg);
  });
  const findFolderOrCreate = (m: Mailbox, ref: string) => {
    try {
      return findFolder(st, m, ref);
    } catch {
      const byName = [...m.folders.values()].find((f) => f.displayName.toLowerCase() === ref.toLowerCase());
      if (byName) return byName;
      throw notFound(`Folder ${ref}`);
    }
  };
  route('POST', '/mailboxes/:mailbox/folders', async (ctx) => {
    const { mailbox } = mailboxOf(ctx.params.mailbox!);
    const b = await ctx.json<{ displayName?: string; parent?: string; isHidden?: boolean }>();
    if (!b.displayName) throw bad('displayName is required');
    const parent = findFolderOrCreate(mailbox, b.parent ?? 'msgfolderroot');
    const f = st.mail.addFolder(mailbox, b.displayName, parent.no, !!b.isHidden);
    return { id: st.mail.folderId(mailbox, f), displayName: f.displayName };
  });

  // ---- delta tokens ----
  route('POST', '/delta-tokens/evict', async (ctx) => {
    const b = await ctx.json<{ mailbox?: string; folder?: string }>();
    if (!b.mailbox) return { evicted: st.deltaTokens.evict() };
    const { user, mailbox } = mailboxOf(b.mailbox);
    return {
      evicted: st.deltaTokens.evict({
        mailboxId: user.id,
        ...(b.folder ? { folderNo: findFolder(st, mailbox, b.folder).no } : {}),
      }),
    };
  });

  // ---- throttling ----
  route('GET', '/throttling', () => ({
    config: st.throttle.config,
    counters: st.throttle.counters(st.clock.now()),
  }));
  route('PUT', '/throttling', async (ctx) => {
    const b = await ctx.json<Partial<ThrottleConfig>>();
    for (const [k, v] of Object.entries(b)) {
      if (!(k in st.throttle.config)) throw bad(`Unknown throttling setting ${k}`);
      const ok =
        k === 'enabled'
          ? typeof v === 'boolean'
          : k === 'concurrencyScope'
            ? v === 'perMailbox' || v === 'perApp'
            : typeof v === 'number' && v >= 0;
      if (!ok) throw bad(`Bad value for ${k}`);
    }
    Object.assign(st.throttle.config, b);
    return { config: st.throttle.config, counters: st.throttle.counters(st.clock.now()) };
  });
  route('POST', '/throttling/reset', () => {
    st.throttle.reset(st.throttle.config);
  });

  // ---- faults ----
  route('GET', '/faults', () => ({ requests: st.faults.rules, notifications: st.faults.notificationRules }));
  route('POST', '/faults', async (ctx) => {
    const b = await ctx.json<FaultRuleInput>();
    if (!b.path || !b.action) throw bad('path and action are required');
    try {
      return st.faults.add(b);
    } catch (e) {
      throw bad(e instanceof Error ? e.message : String(e));
    }
  });
  route('POST', '/faults/notifications', async (ctx) => {
    const b = await ctx.json<NotificationFaultInput>();
    if (!['drop', 'duplicate', 'delay', 'reorder', 'moveAfterNotify'].includes(b.kind))
      throw bad('kind must be drop|duplicate|delay|reorder|moveAfterNotify');
    return st.faults.addNotificationFault(b);
  });
  route('POST', '/faults/seed', async (ctx) => {
    st.faults.setSeed(Number((await ctx.json<{ seed?: number }>()).seed ?? 1));
  });
  route('DELETE', '/faults/:id', (ctx) => {
    if (!st.faults.remove(ctx.params.id!)) throw notFound(`Fault ${ctx.params.id}`);
  });
  route('DELETE', '/faults', () => {
    st.faults.clear();
  });

  // ---- quirks: Graph's own misbehaviours, opt-in (faults/quirks.ts); DELETE /faults switches them off ----
  route('GET', '/quirks', () => st.faults.quirks);
  route('PUT', '/quirks', async (ctx) => {
    const b = await ctx.json<Partial<Quirks>>();
    const problem = invalidQuirks(b);
    if (problem) throw bad(problem);
    Object.assign(st.faults.quirks, b);
    return st.faults.quirks;
  });

  // ---- outbound mail, stats ----
  route('GET', '/outbound', (ctx) => st.outbound.list(Number(ctx.query.get('since') ?? 0)));
  route('DELETE', '/outbound', () => {
    st.outbound.clear();
  });
  // ---- subscriptions and notifications ----
  route('GET', '/subscriptions', () =>
    [...st.subscriptions.subs.values()].map((s) => ({
      ...s,
      filter: undefined,
      expirationDateTime: new Date(s.expirationMs).toISOString(),
    })),
  );
  route('POST', '/subscriptions/:id/lifecycle', async (ctx) => {
    const s = st.subscriptions.subs.get(ctx.params.id!);
    if (!s) throw notFound(`Subscription ${ctx.params.id}`);
    const b = await ctx.json<{ event?: LifecycleEvent }>();
    if (b.event !== 'reauthorizationRequired' && b.event !== 'subscriptionRemoved' && b.event !== 'missed')
      throw bad('event must be reauthorizationRequired, subscriptionRemoved or missed');
    return { sent: st.subscriptions.lifecycle(s, b.event) };
  });
  route('GET', '/notifications', (ctx) =>
    st.subscriptions.log.filter((r) => r.seq > Number(ctx.query.get('since') ?? 0)),
  );
  route('GET', '/notification-settings', () => st.subscriptions.settings);
  route('PUT', '/notification-settings', async (ctx) => {
    const b = await ctx.json<Partial<NotificationSettings>>();
    for (const [k, v] of Object.entries(b)) {
      if (!(k in st.subscriptions.settings)) throw bad(`Unknown setting ${k}`);
      if (k === 'allowHttp' ? typeof v !== 'boolean' : typeof v !== 'number' || v < 0)
        throw bad(`Bad value for ${k}`);
    }
    Object.assign(st.subscriptions.settings, b);
    return st.subscriptions.settings;
  });

  route('GET', '/mail/stats', () => ({
    mailboxes: st.mail.all().length,
    messages: st.mail.count(),
    deltaTokens: st.deltaTokens.size(),
  }));
}
