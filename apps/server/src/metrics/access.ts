import { isIP } from 'node:net';
import type { Words } from '../core/errors.ts';
import { safeEqual } from '../security/tokens.ts';

const isLoopback = (ip: string) =>
  isIP(ip) === 4 ? ip.startsWith('127.') : ip === '::1' || ip.startsWith('::ffff:127.');

/**
 * Who may read the metrics (they name mailboxes and folders): with METRICS_TOKEN set, whoever sends
 * it as a Bearer token; without it, this machine only (a sidecar). The same rule on the API's
 * `/metrics` and on a process's own metrics port (`METRICS_PORT`).
 */
export function metricsAccess(
  token: string | undefined,
  authorization: string | undefined,
  remoteAddress: string | undefined,
): { ok: true } | { ok: false; status: 401 | 403; words: Words } {
  if (token) {
    const sent = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
    return safeEqual(sent, token)
      ? { ok: true }
      : {
          ok: false,
          status: 401,
          words: {
            en: 'Send METRICS_TOKEN as "Authorization: Bearer <token>".',
            fr: 'Envoyez METRICS_TOKEN sous la forme "Authorization: Bearer <jeton>".',
          },
        };
  }
  return isLoopback(remoteAddress ?? '')
    ? { ok: true }
    : {
        ok: false,
        status: 403,
        words: {
          en: 'Metrics answer this machine only; set METRICS_TOKEN to scrape from elsewhere.',
          fr: 'Les métriques ne répondent qu’à cette machine ; définissez METRICS_TOKEN pour les lire d’ailleurs.',
        },
      };
}
