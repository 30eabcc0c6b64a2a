import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

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

/** JSON lines for machines; readable lines when a person watches a terminal (`npm start`). */
export function createLogger(level: string, opts: { pretty?: boolean } = {}): Logger {
  const options = {
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { service: 'mailroom' },
  };
  if (!opts.pretty) return pino(options);
  return pino(
    options,
    pretty({ colorize: true, ignore: 'pid,hostname,service,reqId,req,res,responseTime', singleLine: true }),
  );
}
