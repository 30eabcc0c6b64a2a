import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Ctx } from './http/context.ts';
import { originOf, withOrigin } from './http/origin.ts';
import { Router } from './http/router.ts';
import type { EmulatorState } from './state.ts';
import { registerDiscovery } from './entra/discovery.ts';
import { registerAuthorize } from './entra/authorize.ts';
import { registerTokenEndpoint } from './entra/token-endpoint.ts';
import { registerUsers } from './graph/users.ts';
import { registerMemberships } from './graph/memberships.ts';
import { registerControl, type ControlHooks } from './control/routes.ts';
import { GraphErrors, sendGraphError } from './graph/errors.ts';
import { registerDelta } from './graph/delta.ts';
import { registerFolderDelta } from './graph/folder-delta.ts';
import { registerMailRead } from './graph/mail-read.ts';
import { registerMailWrite } from './graph/mail-write.ts';
import { BATCH_INNER_HEADER, BATCH_INNER_SECRET, registerBatch } from './graph/batch.ts';
import { registerSubscriptions } from './graph/subscriptions.ts';
import { registerUploadSessions } from './graph/upload.ts';
import { registerMailControl } from './control/mail-routes.ts';
import { controlRefusal, isControlPath } from './control/peer-guard.ts';

/** Builds the router with every endpoint; part 2 (Graph mail) registers more on it. */
export function buildRouter(st: EmulatorState, hooks: ControlHooks): Router {
  const router = new Router();
  registerControl(router, st, hooks);
  registerMailControl(router, st);
  registerUsers(router, st);
  registerMemberships(router, st);
  registerDelta(router, st); // before the message routes: "delta" is not a message id
  registerFolderDelta(router, st); // nor a folder id
  registerMailRead(router, st);
  registerMailWrite(router, st);
  registerBatch(router, st);
  registerSubscriptions(router, st);
  registerUploadSessions(router, st);
  registerDiscovery(router, st);
  registerAuthorize(router, st);
  registerTokenEndpoint(router, st);
  return router;
}

/** Graph addresses users as `/users('upn')` too; route both forms the same way. */
function normalizePath(pathname: string): string {
  // Also key segments such as mailFolders('Inbox') and messages('AAMk…').
  return (
    pathname
      .replace(/%27/gi, "'")
      .replace(/\/(\w+)\('([^']*)'\)/g, (_m, seg: string, id: string) => `/${seg}/${id}`)
      .replace(/\/+$/, '') || '/'
  );
}

export function createHttpsServer(
  st: EmulatorState,
  router: Router,
  tls: { keyPem: string; certPem: string },
): Server {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const ctx = new Ctx(req, res, st.baseUrl || 'https://localhost');
    res.on('finish', () => {
      const path = ctx.url.pathname;
      st.log.add({
        time: new Date(st.clock.now()).toISOString(),
        method: ctx.method,
        path,
        url: `${path}${ctx.url.search}`,
        status: res.statusCode,
        area:
          ctx.tags.area === 'entra' || ctx.tags.area === 'graph' || ctx.tags.area === 'control'
            ? ctx.tags.area
            : 'other',
        ...(ctx.tags.tenantId ? { tenantId: ctx.tags.tenantId } : {}),
        ...(ctx.tags.clientId ? { clientId: ctx.tags.clientId } : {}),
        ...(ctx.tags.userId ? { userId: ctx.tags.userId } : {}),
        ...(ctx.tags.mailboxId ? { mailboxId: ctx.tags.mailboxId } : {}),
        requestId: ctx.requestId,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        ...(req.headers[BATCH_INNER_HEADER] === BATCH_INNER_SECRET ? { inBatch: true } : {}),
      });
    });
    const path = normalizePath(ctx.url.pathname);
    if (isControlPath(path)) {
      const refused = controlRefusal(req);
      if (refused) {
        ctx.tags.area = 'control';
        return ctx.sendJson(403, { error: { code: 'forbidden', message: refused } });
      }
    }
    const isGraph = /^\/(v1\.0|beta)(\/|$)/i.test(path);
    const match = router.match(ctx.method, path);
    try {
      if (match === undefined || match === 'methodNotAllowed') {
        if (isGraph) {
          ctx.tags.area = 'graph';
          const err = match
            ? GraphErrors.badRequest(`Unsupported method ${ctx.method} for '${path}'.`)
            : GraphErrors.segmentNotFound(path.split('/').pop() ?? '');
          return sendGraphError(ctx, match ? Object.assign(err, { status: 405 }) : err, st.clock.now());
        }
        return ctx.sendJson(match ? 405 : 404, { error: match ? 'method_not_allowed' : 'not_found', path });
      }
      ctx.params = match.params;
      await withOrigin(originOf(req, st.baseUrl), () => match.handler(ctx));
    } catch (e) {
      console.error('[m365-emulator] unhandled error', e);
      if (!res.headersSent)
        ctx.sendJson(500, {
          error: 'server_error',
          error_description: e instanceof Error ? e.message : String(e),
        });
      else res.destroy();
    }
  };
  return createServer({ key: tls.keyPem, cert: tls.certPem, keepAliveTimeout: 30_000 }, (req, res) => {
    void handle(req, res);
  });
}
