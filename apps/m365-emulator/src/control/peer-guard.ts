import type { IncomingMessage } from 'node:http';

/** A path of the control API (`control/routes.ts`, `control/mail-routes.ts`); the router ignores case. */
export function isControlPath(path: string): boolean {
  return /^\/__emulator(\/|$)/i.test(path);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Why a control request is refused, or undefined. The control API has no sign-in and changes the
 * whole tenant (passwords, consents, mail): it answers programs on this machine only. Listening on
 * 127.0.0.1 (the default) already keeps other machines out; this check holds when the emulator is
 * bound wider (`--host 0.0.0.0`, to let other machines sign in), and it refuses web pages: a page in
 * a local browser reaches loopback too, and browsers mark its requests with Origin/Sec-Fetch-Site.
 */
export function controlRefusal(req: IncomingMessage): string | undefined {
  if (!LOOPBACK.test(req.socket.remoteAddress ?? ''))
    return 'The control API only answers programs on the machine the emulator runs on.';
  const site = req.headers['sec-fetch-site'];
  if (req.headers.origin !== undefined || (site !== undefined && site !== 'none'))
    return 'The control API does not answer web pages.';
  return undefined;
}
