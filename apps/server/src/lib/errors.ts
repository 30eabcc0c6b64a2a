import { DrizzleQueryError } from 'drizzle-orm';

/**
 * A thrown value as an Error (what pg-boss records as a failed job's output, with message and stack),
 * never with a failed query's statement or parameters.
 */
export function asError(reason: unknown): Error {
  const r = withoutQuery(reason);
  return r instanceof Error ? r : new Error(String(r));
}

/**
 * What to tell a person (or a log) about a failed query: drizzle's error carries the whole statement
 * and its parameters (an email's body, for a document) in its message and in `query`/`params`, so
 * only the database's own words, its SQLSTATE and the stack frames are kept. A data exception
 * (SQLSTATE class 22) quotes the value it could not read: that value is left out too.
 */
export function withoutQuery(err: unknown): unknown {
  if (!(err instanceof DrizzleQueryError)) return err;
  const cause = err.cause as { message?: string; code?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  let words = cause?.message ?? 'unknown error';
  if (code?.startsWith('22')) words = words.replace(/"(?:[^"]|"")*"/g, '"[value]"');
  const clean = new Error(`the database refused it: ${words}`);
  // The frames say which query failed; the first lines of drizzle's stack are its message.
  const frames = (err.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  clean.stack = [`Error: ${clean.message}`, ...frames].join('\n');
  return code ? Object.assign(clean, { code }) : clean;
}
