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

/** Whether a process of this host still runs (EPERM: it does, as another account's). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
