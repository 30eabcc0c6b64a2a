import type { Router } from '../http/router.ts';
import type { Ctx } from '../http/context.ts';
import type { EmulatorState } from '../state.ts';
import { GraphHttpError } from './errors.ts';
import { GraphReply, mailRoute, type GraphCall } from './pipeline.ts';
import { findFolder, findMessage } from '../mail/lookup.ts';
import { attachmentResource, messageResource } from '../mail/render.ts';
import { attachmentFromJson, messageInitFromJson } from '../mail/json-message.ts';
import { extendedPropertyKey } from '../mail/store.ts';
import { InvalidMimeError, messageFromMime } from '../mail/mime.ts';
import { deliverToRecipients } from '../mail/delivery.ts';
import type { Message, Recipient } from '../mail/model.ts';
import type { User } from '../tenant/model.ts';
import { callerOrigin } from '../http/origin.ts';

const invalid = (msg: string) => new GraphHttpError(400, 'ErrorInvalidRequest', msg);
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Request size, counted against the 150 MB / 5 min upload limit. */
const uploadBytes = (ctx: Ctx) => Number(ctx.header('content-length') ?? 0);

async function jsonBody(ctx: Ctx): Promise<Record<string, unknown>> {
  const v = await ctx.json<unknown>();
  if (!isObj(v)) throw new GraphHttpError(400, 'BadRequest', 'Empty Payload. JSON content expected.');
  return v;
}

const PATCHABLE = new Set([
  'isRead',
  'categories',
  'flag',
  'importance',
  'inferenceClassification',
  'subject',
  'body',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'singleValueExtendedProperties',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
]);
const DRAFT_ONLY = new Set(['subject', 'body', 'toRecipients', 'ccRecipients', 'bccRecipients', 'replyTo']);

function me(user: User): Recipient {
  return { emailAddress: { name: user.displayName, address: user.mail ?? user.userPrincipalName } };
}

/** Write side of Graph mail: PATCH, move, copy, delete, drafts, forward, send, categories. */
export function registerMailWrite(router: Router, st: EmulatorState): void {
  const render = (call: GraphCall, msg: Message) => ({
    '@odata.context': `${callerOrigin(st)}/v1.0/$metadata#users('${call.user.id}')/messages/$entity`,
    ...messageResource(st.mail, call.mailbox, msg, call.render, null),
  });

  const createDraft = async (call: GraphCall) => {
    const folder = call.ctx.params.folder
      ? findFolder(st, call.mailbox, call.ctx.params.folder)
      : st.mail.wellKnown(call.mailbox, 'drafts')!;
    const init = messageInitFromJson(await jsonBody(call.ctx));
    const msg = st.mail.addMessage(call.mailbox, folder, {
      isRead: true,
      ...init,
      isDraft: true,
      from: init.from ?? me(call.user),
      receivedMs: st.clock.now(),
    });
    return new GraphReply(201, render(call, msg));
  };
  mailRoute(router, st, 'POST', '/messages', 'write', createDraft, { uploadBytes });
  mailRoute(router, st, 'POST', '/mailFolders/:folder/messages', 'write', createDraft, { uploadBytes });

  const patch = async (call: GraphCall) => {
    const msg = findMessage(st, call.mailbox, call.ctx.params.id!);
    const b = await jsonBody(call.ctx);
    const changed: string[] = [];
    for (const [k, v] of Object.entries(b)) {
      if (k.startsWith('@odata')) continue;
      if (!PATCHABLE.has(k))
        throw new GraphHttpError(
          400,
          'ErrorInvalidPropertyUpdateSentAttempted',
          `The property '${k}' can't be updated.`,
        );
      if (DRAFT_ONLY.has(k) && !msg.isDraft && k !== 'subject')
        throw invalid(`The property '${k}' can only be updated on a draft.`);
      switch (k) {
        case 'isRead':
        case 'isDeliveryReceiptRequested':
        case 'isReadReceiptRequested':
          if (typeof v !== 'boolean') throw invalid(`'${k}' must be a boolean.`);
          (msg as unknown as Record<string, unknown>)[k] = v;
          break;
        case 'categories':
          if (!Array.isArray(v) || v.some((c) => typeof c !== 'string'))
            throw invalid("'categories' must be an array of strings.");
          msg.categories = [...(v as string[])]; // replaces the list
          break;
        case 'flag':
          if (!isObj(v) || !['notFlagged', 'flagged', 'complete'].includes(String(v.flagStatus)))
            throw invalid("'flag.flagStatus' must be notFlagged, flagged or complete.");
          msg.flag = v as unknown as Message['flag'];
          break;
        case 'importance':
          if (v !== 'low' && v !== 'normal' && v !== 'high')
            throw invalid("'importance' must be low, normal or high.");
          msg.importance = v;
          break;
        case 'inferenceClassification':
          if (v !== 'focused' && v !== 'other')
            throw invalid("'inferenceClassification' must be focused or other.");
          msg.inferenceClassification = v;
          break;
        case 'singleValueExtendedProperties': {
          if (!Array.isArray(v)) throw invalid("'singleValueExtendedProperties' must be an array.");
          for (const e of v) {
            if (!isObj(e) || typeof e.id !== 'string' || e.value === undefined)
              throw invalid('An extended property needs an id and a value.');
            if (
              !/^\s*\S+\s+(\{[0-9a-f-]{36}\}|[0-9a-f-]{36})\s+(Name\s+\S.*|Id\s+0x[0-9a-f]+)\s*$/i.test(
                e.id,
              ) &&
              !/^\s*\S+\s+0x[0-9a-f]+\s*$/i.test(e.id)
            ) {
              throw new GraphHttpError(
                400,
                'ErrorInvalidProperty',
                `The extended property id '${e.id}' is not valid.`,
              );
            }
            msg.extended.set(extendedPropertyKey(e.id), { id: e.id, value: String(e.value) });
          }
          break;
        }
        default: {
          const init = messageInitFromJson({ [k]: v });
          Object.assign(msg, init);
        }
      }
      changed.push(k);
    }
    st.mail.touch(call.mailbox, msg, changed);
    return render(call, msg);
  };
  mailRoute(router, st, 'PATCH', '/messages/:id', 'write', patch, { uploadBytes });
  mailRoute(router, st, 'PATCH', '/mailFolders/:folder/messages/:id', 'write', patch, { uploadBytes });

  const del = (call: GraphCall) => {
    st.mail.remove(call.mailbox, findMessage(st, call.mailbox, call.ctx.params.id!));
    return new GraphReply(204);
  };
  mailRoute(router, st, 'DELETE', '/messages/:id', 'write', del);
  mailRoute(router, st, 'DELETE', '/mailFolders/:folder/messages/:id', 'write', del);

  const destination = async (call: GraphCall) => {
    const b = await jsonBody(call.ctx);
    if (typeof b.destinationId !== 'string' || !b.destinationId)
      throw invalid('The destinationId parameter is required.');
    return findFolder(st, call.mailbox, b.destinationId);
  };
  mailRoute(router, st, 'POST', '/messages/:id/move', 'write', async (call) => {
    const msg = findMessage(st, call.mailbox, call.ctx.params.id!);
    return new GraphReply(201, render(call, st.mail.move(call.mailbox, msg, await destination(call))));
  });
  mailRoute(router, st, 'POST', '/messages/:id/copy', 'write', async (call) => {
    const msg = findMessage(st, call.mailbox, call.ctx.params.id!);
    return new GraphReply(201, render(call, st.mail.copy(call.mailbox, msg, await destination(call))));
  });

  const recipientsOf = (v: unknown, field: string): Recipient[] =>
    messageInitFromJson({ [field]: v })[field as 'toRecipients'] ?? [];

  /** The forward draft: "FW: subject", the comment above the original, attachments kept. */
  const forwardDraft = (call: GraphCall, original: Message, b: Record<string, unknown>): Message => {
    const comment = typeof b.comment === 'string' ? b.comment : '';
    const message = isObj(b.message) ? b.message : undefined;
    if (comment && message && isObj(message.body))
      throw invalid("Specify either 'comment' or 'message.body', not both.");
    if (b.toRecipients !== undefined && message?.toRecipients !== undefined)
      throw invalid("Specify either 'toRecipients' or 'message.toRecipients', not both.");
    const extra = message ? messageInitFromJson(message) : {};
    const origText =
      original.body.contentType === 'html'
        ? original.body.content
        : original.body.content.replace(/\n/g, '<br>');
    const header = `<hr><b>From:</b> ${original.from?.emailAddress.name ?? ''} &lt;${original.from?.emailAddress.address ?? ''}&gt;<br><b>Sent:</b> ${new Date(original.sentMs).toUTCString()}<br><b>Subject:</b> ${original.subject}<br><br>`;
    const draft = st.mail.addMessage(call.mailbox, st.mail.wellKnown(call.mailbox, 'drafts')!, {
      ...extra,
      subject: extra.subject ?? `FW: ${original.subject}`,
      body: extra.body ?? {
        contentType: 'html',
        content: `<html><body><div>${comment.replace(/\n/g, '<br>')}</div>${header}${origText}</body></html>`,
      },
      from: me(call.user),
      toRecipients:
        b.toRecipients !== undefined
          ? recipientsOf(b.toRecipients, 'toRecipients')
          : (extra.toRecipients ?? []),
      isDraft: true,
      isRead: true,
      receivedMs: st.clock.now(),
      conversationId: original.conversationId,
      attachments: [
        ...original.attachments.map((a) => ({
          kind: a.kind,
          name: a.name,
          contentType: a.contentType,
          isInline: a.isInline,
          contentId: a.contentId,
          ...(a.content ? { content: a.content } : {}),
          ...(a.sourceUrl ? { sourceUrl: a.sourceUrl } : {}),
        })),
        ...(extra.attachments ?? []),
      ],
    });
    return draft;
  };

  /** Sends a draft: into Sent Items (no longer a draft), delivered to its recipients. */
  const sendDraft = (call: GraphCall, draft: Message, saveToSentItems = true) => {
    if (draft.toRecipients.length + draft.ccRecipients.length + draft.bccRecipients.length === 0)
      throw new GraphHttpError(
        400,
        'ErrorInvalidRecipients',
        'At least one recipient is not valid., Recipient is missing.',
      );
    draft.isDraft = false;
    draft.sentMs = st.clock.now();
    st.mail.touch(call.mailbox, draft, ['isDraft']);
    deliverToRecipients(st, call.mailbox, draft);
    if (saveToSentItems) st.mail.move(call.mailbox, draft, st.mail.wellKnown(call.mailbox, 'sentitems')!);
    else st.mail.remove(call.mailbox, draft);
  };

  mailRoute(router, st, 'POST', '/messages/:id/createForward', 'write', async (call) => {
    const original = findMessage(st, call.mailbox, call.ctx.params.id!);
    const raw = await call.ctx.rawBody();
    const b = raw.length ? await jsonBody(call.ctx) : {};
    return new GraphReply(201, render(call, forwardDraft(call, original, b)));
  });
  mailRoute(router, st, 'POST', '/messages/:id/send', 'send', (call) => {
    const draft = findMessage(st, call.mailbox, call.ctx.params.id!);
    if (!draft.isDraft)
      throw new GraphHttpError(400, 'ErrorInvalidOperation', 'Only draft messages can be sent.');
    sendDraft(call, draft);
    return new GraphReply(202);
  });
  mailRoute(router, st, 'POST', '/messages/:id/forward', 'send', async (call) => {
    const original = findMessage(st, call.mailbox, call.ctx.params.id!);
    const b = await jsonBody(call.ctx);
    sendDraft(call, forwardDraft(call, original, b));
    return new GraphReply(202);
  });

  mailRoute(
    router,
    st,
    'POST',
    '/sendMail',
    'send',
    async (call) => {
      const type = (call.ctx.header('content-type') ?? '').toLowerCase();
      let init;
      let save = true;
      if (type.startsWith('text/plain')) {
        // MIME variant: base64 of the RFC 822 message.
        const text = (await call.ctx.rawBody()).toString('utf8').replace(/\s/g, '');
        if (!text || !/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0)
          throw new GraphHttpError(
            400,
            'ErrorMimeContentInvalidBase64String',
            'Invalid base64 string for MIME content.',
          );
        try {
          init = await messageFromMime(Buffer.from(text, 'base64'));
        } catch (e) {
          if (e instanceof InvalidMimeError)
            throw new GraphHttpError(400, 'ErrorMimeContentInvalid', 'The MIME content is invalid.');
          throw e;
        }
      } else {
        const b = await jsonBody(call.ctx);
        if (!isObj(b.message)) throw invalid("The 'message' parameter is required.");
        init = messageInitFromJson(b.message);
        if (b.saveToSentItems === false) save = false;
      }
      const draft = st.mail.addMessage(call.mailbox, st.mail.wellKnown(call.mailbox, 'drafts')!, {
        ...init,
        isDraft: true,
        isRead: true,
        from: init.from ?? me(call.user),
        receivedMs: st.clock.now(),
      });
      sendDraft(call, draft, save);
      return new GraphReply(202);
    },
    { uploadBytes },
  );

  mailRoute(
    router,
    st,
    'POST',
    '/messages/:id/attachments',
    'write',
    async (call) => {
      const msg = findMessage(st, call.mailbox, call.ctx.params.id!);
      const a = attachmentFromJson(await jsonBody(call.ctx));
      if ((a.content?.length ?? 0) > 3 * 1024 * 1024)
        throw new GraphHttpError(
          413,
          'ErrorRequestEntityTooLarge',
          'The attachment is larger than 3 MB; use an upload session.',
        );
      const att = st.mail.addAttachment(call.mailbox, msg, a);
      return new GraphReply(201, attachmentResource(st.mail, call.mailbox, msg, att, true));
    },
    { uploadBytes },
  );

  mailRoute(router, st, 'POST', '/outlook/masterCategories', 'settingsWrite', async (call) => {
    const b = await jsonBody(call.ctx);
    if (typeof b.displayName !== 'string' || !b.displayName.trim()) throw invalid('displayName is required.');
    const color = typeof b.color === 'string' ? b.color : 'none';
    if (color !== 'none' && !/^preset([0-9]|1[0-9]|2[0-4])$/.test(color))
      throw invalid(`Invalid color '${color}'.`);
    if (
      call.mailbox.masterCategories.some(
        (c) => c.displayName.toLowerCase() === (b.displayName as string).toLowerCase(),
      )
    ) {
      throw new GraphHttpError(
        409,
        'ErrorDuplicateCategoryName',
        'A category with the same name already exists.',
      );
    }
    const cat = { id: crypto.randomUUID(), displayName: b.displayName, color };
    call.mailbox.masterCategories.push(cat);
    return new GraphReply(201, {
      '@odata.context': `${callerOrigin(st)}/v1.0/$metadata#users('${call.user.id}')/outlook/masterCategories/$entity`,
      ...cat,
    });
  });
}
