import type { FastifyReply, FastifyRequest } from 'fastify';
import { isApiRequest } from './request-path.ts';

/**
 * The web app's Content-Security-Policy. Scripts: only the built bundle's own files (index.html has
 * no inline script; the web app turns off zod's `new Function` compilation, see apps/web/src/zod-config.ts).
 * Styles: Mantine sets inline styles. img-src https: only matters for "show images": email bodies are
 * sanitised so that remote images have no src until a person asks (sync/sanitize.ts), and their
 * srcdoc frame inherits this policy.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "img-src 'self' data: https:",
  "style-src 'self' 'unsafe-inline'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/** Powerful browser features Mailroom never uses: off for its pages and anything they frame. */
export const PERMISSIONS_POLICY = [
  'accelerometer',
  'camera',
  'display-capture',
  'geolocation',
  'gyroscope',
  'hid',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'serial',
  'usb',
]
  .map((feature) => `${feature}=()`)
  .join(', ');

/**
 * One year, for this host only: includeSubDomains would force https on every other site under the
 * operator's domain, which Mailroom cannot know about.
 */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000';

/** Headers on every response. `https`: PUBLIC_BASE_URL is https, so browsers must never use plain http. */
export function setSecurityHeaders(req: FastifyRequest, reply: FastifyReply, opts: { https: boolean }): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'same-origin');
  reply.header('permissions-policy', PERMISSIONS_POLICY);
  if (opts.https) reply.header('strict-transport-security', STRICT_TRANSPORT_SECURITY);
  // A route may allow its own framing (attachment previews: SAMEORIGIN); everything else: DENY.
  if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', 'DENY');
  if (isApiRequest(req)) reply.header('cache-control', 'no-store');
  else reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
}
