import os from 'node:os';

/**
 * Which process did what, when several share one database (ROLES=api / ROLES=worker on several
 * machines): its host and pid, in every log line, in the history of the documents it ingested and
 * in its metrics. The Graph slot leases use the same prefix (db/repos/graph-slots.ts).
 */
export const processHost = os.hostname();
export const processName = `${processHost}:${process.pid}`;

/** A process's roles as one word for logs: `api`, `worker` or `api+worker`. */
export function roleName(roles: readonly string[]): string {
  return [...roles].sort().join('+');
}
