import { randomUUID } from 'node:crypto';
import type { Router } from '../http/router.ts';
import type { EmulatorState } from '../state.ts';
import { GraphHttpError } from './errors.ts';
import { GraphReply, graphHandler, type GraphCall } from './pipeline.ts';
import { resolveMailbox } from '../mail/access.ts';
import { findFolder } from '../mail/lookup.ts';
import { parseMessageFilter } from '../mail/filter.ts';
import type { ChangeType } from '../mail/model.ts';
import type { Subscription } from '../notify/subscriptions.ts';
import { callerOrigin } from '../http/origin.ts';

const invalid = (msg: string) => new GraphHttpError(400, 'InvalidRequest', msg);
const notFound = () => new GraphHttpError(404, 'ResourceNotFound', 'The object was not found.');
const RESOURCE =
  /^\/?(me|users\/([^/]+))\/(?:mailfolders(?:\('([^']+)'\)|\/([^/?]+))\/)?messages(?:\?(.*))?$/i;

function subscriptionResource(st: EmulatorState, s: Subscription): Record<string, unknown> {
  return {
    '@odata.context': `${callerOrigin(st)}/v1.0/$metadata#subscriptions/$entity`,
    id: s.id,
    resource: s.resource,
    applicationId: s.appId,
    changeType: s.changeTypes.join(','),
    clientState: s.clientState,
    notificationUrl: s.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl,
    expirationDateTime: new Date(s.expirationMs).toISOString(),
    creatorId: s.creatorId,
    includeResourceData: false,
    latestSupportedTlsVersion: s.latestSupportedTlsVersion,
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
    notificationContentType: null,
  };
}

/** POST/GET/PATCH/DELETE /subscriptions and reauthorize (reference §3). */
export function registerSubscriptions(router: Router, st: EmulatorState): void {
  const checkUrl = (v: unknown, field: string): string => {
    if (typeof v !== 'string' || !v) throw invalid(`${field} is required.`);
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw invalid(`Invalid ${field} '${v}'.`);
    }
    if (u.protocol !== 'https:' && !(st.subscriptions.settings.allowHttp && u.protocol === 'http:'))
      throw invalid(`The ${field} must be an https URL.`);
    return v;
  };
  const checkExpiry = (v: unknown): number => {
    const ms = typeof v === 'string' ? Date.parse(v) : NaN;
    if (Number.isNaN(ms)) throw invalid('expirationDateTime is required and must be a date.');
    const now = st.clock.now();
    if (ms <= now) throw invalid('Subscription expiration must be in the future.');
    // Refused, not clamped, even a few seconds over (reference §3: what teams saw in 2026).
    const max = st.subscriptions.settings.maxMessageLifetimeMinutes;
    if (ms - now > max * 60_000)
      throw new GraphHttpError(
        400,
        'ErrorInvalidParameter',
        `Subscription expiration can only be ${max} minutes in the future.`,
      );
    return ms;
  };
  const validate = async (url: string, id: string) => {
    const r = await st.subscriptions.validate(url, id);
    if (r === 'failed')
      throw new GraphHttpError(
        400,
        'ValidationError',
        'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
      );
    if (r === 'mismatch')
      throw new GraphHttpError(
        400,
        'ValidationError',
        'Subscription validation request failed. Response must exactly match validationToken query parameter.',
      );
    if (r === 'timeout') throw invalid('Subscription validation request timed out.');
  };
  const own = (call: GraphCall, id: string): Subscription => {
    const s = st.subscriptions.subs.get(id);
    if (
      !s ||
      s.tenantId !== call.p.tenantId ||
      s.appId !== call.p.appId.toLowerCase() ||
      (call.p.kind === 'delegated' && s.creatorId !== call.p.userId)
    )
      throw notFound();
    if (s.expirationMs <= st.clock.now()) throw notFound();
    return s;
  };

  router.on(
    'POST',
    '/v1.0/subscriptions',
    graphHandler(st, {}, async (call) => {
      const b = await call.ctx.json<Record<string, unknown>>();
      if (typeof b !== 'object' || b === null) throw invalid('Invalid request body.');
      const resource = typeof b.resource === 'string' ? b.resource.trim() : '';
      const m = RESOURCE.exec(resource);
      if (!m)
        throw invalid(
          `Resource '${resource}' is not supported. Use me/messages, users/{id}/messages or users/{id}/mailFolders/{id}/messages.`,
        );
      const changeTypes = String(b.changeType ?? '')
        .split(',')
        .map((c) => c.trim().toLowerCase())
        .filter(Boolean);
      if (changeTypes.length === 0 || changeTypes.some((c) => !['created', 'updated', 'deleted'].includes(c)))
        throw invalid(`Invalid 'changeType' attribute: '${String(b.changeType ?? '')}'.`);
      const notificationUrl = checkUrl(b.notificationUrl, 'notificationUrl');
      const lifecycleNotificationUrl =
        b.lifecycleNotificationUrl === undefined || b.lifecycleNotificationUrl === null
          ? null
          : checkUrl(b.lifecycleNotificationUrl, 'lifecycleNotificationUrl');
      const expirationMs = checkExpiry(b.expirationDateTime);
      if (
        b.clientState !== undefined &&
        b.clientState !== null &&
        (typeof b.clientState !== 'string' || b.clientState.length > 128)
      )
        throw invalid('clientState must be a string of at most 128 characters.');
      if (b.includeResourceData === true)
        throw new GraphHttpError(
          400,
          'NotImplemented',
          'Rich notifications (includeResourceData) are not supported by the emulator.',
        );

      let target;
      try {
        target = resolveMailbox(
          st,
          call.p,
          m[1]!.toLowerCase() === 'me' ? undefined : decodeURIComponent(m[2]!.replace(/^\('|'\)$/g, '')),
          'read',
        );
      } catch (e) {
        if (e instanceof GraphHttpError && e.message === 'Access to OData is disabled.') {
          throw new GraphHttpError(
            403,
            'ExtensionError',
            'Operation: Create; Exception: [Status Code: Forbidden; Reason: Access to OData is disabled.]',
          );
        }
        throw e;
      }
      const folderRef = m[3] ?? m[4];
      const folder = folderRef ? findFolder(st, target.mailbox, decodeURIComponent(folderRef)) : null;
      const query = new URLSearchParams(m[5] ?? '');
      const filter = query.get('$filter') ? parseMessageFilter(query.get('$filter')!) : null;
      if (st.subscriptions.countForMailbox(target.user.id) >= st.subscriptions.settings.maxPerMailbox) {
        throw new GraphHttpError(
          403,
          'ExtensionError',
          `Operation: Create; Exception: [Status Code: Forbidden; Reason: The mailbox has reached its limit of ${st.subscriptions.settings.maxPerMailbox} subscriptions.]`,
        );
      }
      const id = randomUUID();
      await validate(notificationUrl, id);
      if (lifecycleNotificationUrl) await validate(lifecycleNotificationUrl, id);
      const s: Subscription = {
        id,
        tenantId: call.p.tenantId,
        appId: call.p.appId.toLowerCase(),
        kind: call.p.kind,
        creatorId: call.p.kind === 'delegated' ? call.p.userId! : call.p.appId,
        resource,
        mailboxId: target.user.id,
        folderNo: folder?.no ?? null,
        changeTypes: changeTypes as ChangeType[],
        notificationUrl,
        lifecycleNotificationUrl,
        clientState: (b.clientState as string | undefined) ?? null,
        expirationMs,
        createdMs: st.clock.now(),
        immutable: call.prefer.immutable,
        latestSupportedTlsVersion:
          typeof b.latestSupportedTlsVersion === 'string' ? b.latestSupportedTlsVersion : 'v1_2',
        filter,
        // Delegated access to someone else's (shared) mailbox: accepted, validated, and silent.
        silent: call.p.kind === 'delegated' && target.user.id !== call.p.userId,
        reauthorizationSent: false,
      };
      st.subscriptions.subs.set(id, s);
      st.subscriptions.changed();
      return new GraphReply(201, subscriptionResource(st, s));
    }),
  );

  router.on(
    'GET',
    '/v1.0/subscriptions',
    graphHandler(st, {}, (call) => ({
      '@odata.context': `${callerOrigin(st)}/v1.0/$metadata#subscriptions`,
      value: [...st.subscriptions.subs.values()]
        .filter(
          (s) =>
            s.tenantId === call.p.tenantId &&
            s.appId === call.p.appId.toLowerCase() &&
            s.expirationMs > st.clock.now() &&
            (call.p.kind === 'app' || s.creatorId === call.p.userId),
        )
        .map((s) => {
          const r = subscriptionResource(st, s);
          delete r['@odata.context'];
          return r;
        }),
    })),
  );
  router.on(
    'GET',
    '/v1.0/subscriptions/:id',
    graphHandler(st, {}, (call) => subscriptionResource(st, own(call, call.ctx.params.id!))),
  );
  router.on(
    'PATCH',
    '/v1.0/subscriptions/:id',
    graphHandler(st, {}, async (call) => {
      const s = own(call, call.ctx.params.id!);
      const b = await call.ctx.json<Record<string, unknown>>();
      if (b.expirationDateTime !== undefined) {
        s.expirationMs = checkExpiry(b.expirationDateTime);
        s.reauthorizationSent = false;
      }
      if (b.notificationUrl !== undefined) {
        const url = checkUrl(b.notificationUrl, 'notificationUrl');
        await validate(url, s.id);
        s.notificationUrl = url;
      }
      return subscriptionResource(st, s);
    }),
  );
  router.on(
    'DELETE',
    '/v1.0/subscriptions/:id',
    graphHandler(st, {}, (call) => {
      st.subscriptions.subs.delete(own(call, call.ctx.params.id!).id);
      st.subscriptions.changed();
      return new GraphReply(204);
    }),
  );
  router.on(
    'POST',
    '/v1.0/subscriptions/:id/reauthorize',
    graphHandler(st, {}, (call) => {
      const s = own(call, call.ctx.params.id!);
      s.reauthorizationSent = false;
      return new GraphReply(204);
    }),
  );
}
