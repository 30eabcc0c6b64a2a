import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { asError } from '../lib/errors.ts';
import { metricsAccess } from './access.ts';
import { scrape } from './db-gauges.ts';

export interface MetricsServer {
  /** Where it listens, e.g. http://127.0.0.1:9464. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * This process's own metrics on a port of their own (`METRICS_PORT`): a `ROLES=worker` process has no
 * API, and behind a load balancer an API's `/metrics` answers for whichever process the connection
 * reached. Prometheus scrapes every process as a target of its own; its counters and histograms are
 * that process's (labelled `process`, host:pid), the gauges read from the database are the
 * installation's and the same from every process. Only `GET /metrics`, with the API's access rule
 * (METRICS_TOKEN, or this machine only); nothing else is served on this port.
 */
export async function startMetricsServer(opts: {
  port: number;
  host: string;
  token: string | undefined;
  db: Db;
  logger: Logger;
}): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return plain(res, 404, 'Only /metrics is served on this port.\n');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return plain(res, 405, 'GET /metrics\n', { allow: 'GET, HEAD' });
    const access = metricsAccess(opts.token, req.headers.authorization, req.socket.remoteAddress);
    // A port for Prometheus alone: no person's language to answer in.
    if (!access.ok)
      return plain(res, access.status, `${access.words.en}\n`, {
        ...(access.status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
      });
    scrape(opts.db).then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        // The database is away (a restart): Prometheus marks the scrape failed (`up` 0) and tries again.
        opts.logger.warn({ err: asError(err).message }, 'metrics scrape failed');
        plain(res, 503, 'Metrics unavailable: the database did not answer.\n');
      },
    );
  });
  // Idle keep-alive connections must not hold up a shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function plain(
  res: http.ServerResponse,
  status: number,
  text: string,
  headers: http.OutgoingHttpHeaders = {},
) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}
