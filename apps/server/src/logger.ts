import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { processHost } from './process-identity.ts';

/**
 * Structured logs. Secrets and mail content must never reach them: these paths are censored
 * wherever they appear in a logged object.
 */
export const redactPaths = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
  '*.secret',
  '*.csrfToken',
  '*.body',
];

/**
 * JSON lines for machines; readable lines when a person watches a terminal (`npm start`). Every line
 * names its process: host, pid and role (several processes write to one log store).
 * `destination`: where JSON lines go (tests); standard output otherwise.
 */
export function createLogger(
  level: string,
  opts: { pretty?: boolean; role?: string; destination?: DestinationStream } = {},
): Logger {
  const options = {
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: {
      service: 'mailroom',
      pid: process.pid,
      hostname: processHost,
      ...(opts.role ? { role: opts.role } : {}),
    },
  };
  if (opts.destination) return pino(options, opts.destination);
  if (!opts.pretty) return pino(options);
  return pino(
    options,
    pretty({
      colorize: true,
      ignore: 'pid,hostname,role,service,reqId,req,res,responseTime',
      singleLine: true,
    }),
  );
}
