import { randomBytes } from 'node:crypto';
import type { Router } from '../http/router.ts';
import type { EmulatorState } from '../state.ts';
import { GraphHttpError, graphHeaders, sendGraphError } from './errors.ts';
import { GraphReply, mailRoute, toGraphError } from './pipeline.ts';
import { findMessage } from '../mail/lookup.ts';
import { parseId } from '../mail/ids.ts';
import { callerOrigin } from '../http/origin.ts';

interface UploadSession {
  appId: string;
  mailboxId: string;
  messageNo: number;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  received: Buffer[];
  receivedBytes: number;
  expiresMs: number;
}

const MAX_ATTACHMENT = 150 * 1024 * 1024;
const MAX_CHUNK = 4 * 1024 * 1024;

/**
 * Large attachments (reference §2.4): `createUploadSession` → a pre-authenticated upload URL,
 * then ordered PUTs of ≤ 4 MB with `Content-Range`; the last one answers 201 + Location.
 * Uploaded bytes count against the 150 MB / 5 min upload limit of the app on that mailbox.
 */
export function registerUploadSessions(router: Router, st: EmulatorState): void {
  const sessions = new Map<string, UploadSession>();

  mailRoute(router, st, 'POST', '/messages/:id/attachments/createUploadSession', 'write', async (call) => {
    const msg = findMessage(st, call.mailbox, call.ctx.params.id!);
    const b = await call.ctx.json<{
      AttachmentItem?: {
        attachmentType?: string;
        name?: string;
        size?: number;
        contentType?: string;
        isInline?: boolean;
      };
    }>();
    const item = b.AttachmentItem;
    if (
      !item ||
      item.attachmentType !== 'file' ||
      !item.name ||
      typeof item.size !== 'number' ||
      item.size < 1
    )
      throw new GraphHttpError(
        400,
        'ErrorInvalidRequest',
        'AttachmentItem with attachmentType "file", name and size is required.',
      );
    if (item.size > MAX_ATTACHMENT)
      throw new GraphHttpError(
        400,
        'ErrorAttachmentSizeLimitExceeded',
        'The attachment size exceeds the 150 MB limit.',
      );
    const token = randomBytes(24).toString('base64url');
    const expiresMs = st.clock.now() + 6 * 3600 * 1000;
    sessions.set(token, {
      appId: call.p.appId,
      mailboxId: call.user.id,
      messageNo: msg.no,
      name: item.name,
      contentType: item.contentType ?? 'application/octet-stream',
      size: item.size,
      isInline: !!item.isInline,
      received: [],
      receivedBytes: 0,
      expiresMs,
    });
    return new GraphReply(201, {
      '@odata.context': `${callerOrigin(st)}/v1.0/$metadata#microsoft.graph.uploadSession`,
      // Another host name, like Outlook's upload host: SDKs do not attach the bearer token to it.
      uploadUrl: `${st.baseUrl.replace('//localhost', '//127.0.0.1')}/upload/outlook/${token}`,
      expirationDateTime: new Date(expiresMs).toISOString(),
      nextExpectedRanges: ['0-'],
    });
  });

  // Pre-authenticated: no Authorization header (a bearer token here is an error on Microsoft's side too).
  router.on('PUT', '/upload/outlook/:token', async (ctx) => {
    ctx.tags.area = 'graph';
    let release: (() => void) | undefined;
    try {
      const s = sessions.get(ctx.params.token!);
      if (!s || s.expiresMs <= st.clock.now())
        throw new GraphHttpError(
          404,
          'ErrorItemNotFound',
          'The upload session was not found or has expired.',
        );
      if (ctx.header('authorization'))
        throw new GraphHttpError(
          401,
          'InvalidAuthenticationToken',
          'The upload URL is pre-authenticated; do not send an Authorization header.',
        );
      const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(ctx.header('content-range') ?? '');
      if (!range)
        throw new GraphHttpError(
          400,
          'ErrorInvalidRequest',
          'A Content-Range header (bytes start-end/total) is required.',
        );
      const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
      if (total !== s.size || start !== s.receivedBytes || end < start || end >= s.size)
        throw new GraphHttpError(
          416,
          'InvalidRange',
          `The range is not the expected one; next expected range: ${s.receivedBytes}-.`,
        );
      if (end - start + 1 > MAX_CHUNK)
        throw new GraphHttpError(413, 'RequestEntityTooLarge', 'A chunk may be at most 4 MB.');
      release = st.throttle.admit(s.appId, s.mailboxId, st.clock.now(), end - start + 1);
      const body = await ctx.rawBody();
      if (body.length !== end - start + 1)
        throw new GraphHttpError(400, 'ErrorInvalidRequest', 'The body length does not match Content-Range.');
      s.received.push(body);
      s.receivedBytes += body.length;
      if (s.receivedBytes < s.size) {
        ctx.sendJson(
          200,
          {
            expirationDateTime: new Date(s.expiresMs).toISOString(),
            nextExpectedRanges: [`${s.receivedBytes}-`],
          },
          graphHeaders(ctx),
        );
        return;
      }
      sessions.delete(ctx.params.token!);
      const user = st.dir.users.get(s.mailboxId)!;
      const mailbox = st.mail.mailbox(user);
      const msg = mailbox.messages.get(s.messageNo);
      if (!msg)
        throw new GraphHttpError(
          404,
          'ErrorItemNotFound',
          'The specified object was not found in the store.',
        );
      const att = st.mail.addAttachment(mailbox, msg, {
        kind: 'file',
        name: s.name,
        contentType: s.contentType,
        content: Buffer.concat(s.received),
        isInline: s.isInline,
      });
      const location = `${callerOrigin(st)}/v1.0/users('${user.id}')/messages('${st.mail.restId(mailbox, msg)}')/attachments('${st.mail.attachmentId(mailbox, msg, att)}')`;
      ctx.send(201, '', { ...graphHeaders(ctx), location });
    } catch (e) {
      sendGraphError(ctx, toGraphError(e), st.clock.now());
    } finally {
      release?.();
    }
  });

  // POST /users/{id}/translateExchangeIds: restId ↔ restImmutableEntryId (reference §2.4).
  mailRoute(router, st, 'POST', '/translateExchangeIds', 'read', async (call) => {
    const b = await call.ctx.json<{ inputIds?: unknown; sourceIdType?: string; targetIdType?: string }>();
    const types = ['restId', 'restImmutableEntryId'];
    if (!Array.isArray(b.inputIds) || b.inputIds.length === 0 || b.inputIds.length > 1000)
      throw new GraphHttpError(400, 'ErrorInvalidRequest', 'inputIds must hold 1 to 1000 ids.');
    if (!types.includes(b.sourceIdType ?? '') || !types.includes(b.targetIdType ?? ''))
      throw new GraphHttpError(
        400,
        'ErrorInvalidRequest',
        'sourceIdType and targetIdType must be restId or restImmutableEntryId (the emulator supports these two).',
      );
    const value = b.inputIds.map((raw) => {
      const sourceId = String(raw);
      const id = parseId(sourceId);
      const expected = b.sourceIdType === 'restId' ? 'rest' : 'immutable';
      if (!id || id.kind !== expected)
        return { sourceId, errorDetails: { code: 'ErrorInvalidIdMalformed', message: 'Id is malformed.' } };
      try {
        const msg = findMessage(st, call.mailbox, sourceId);
        return {
          sourceId,
          targetId:
            b.targetIdType === 'restId'
              ? st.mail.restId(call.mailbox, msg)
              : st.mail.immutableId(call.mailbox, msg),
        };
      } catch {
        return {
          sourceId,
          errorDetails: {
            code: 'ErrorItemNotFound',
            message: 'The specified object was not found in the store.',
          },
        };
      }
    });
    return {
      '@odata.context': `${callerOrigin(st)}/v1.0/$metadata#Collection(microsoft.graph.convertIdResult)`,
      value,
    };
  });
}
