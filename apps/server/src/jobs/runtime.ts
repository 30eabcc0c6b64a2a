import { PgBoss, type Job } from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import type { JobDefinition } from './catalog.ts';
import { asError } from '../lib/errors.ts';
import type { AnyJobHandler, BaseJobContext } from './handler-types.ts';
import { QueueStats } from './queue-stats.ts';
import { isAlive, processHost } from '../process-identity.ts';

export class JobCatalogError extends Error {}

const SCHEMA = 'pgboss';

/** Fails when a catalog entry has no handler, or a handler has no catalog entry. */
export function assertCatalogComplete(
  catalog: readonly JobDefinition[],
  handlers: Readonly<Record<string, unknown>>,
): void {
  const names = new Set(catalog.map((j) => j.name));
  const missing = [...names].filter((n) => !handlers[n]);
  const unknown = Object.keys(handlers).filter((n) => !names.has(n));
  if (missing.length)
    throw new JobCatalogError(`job catalog entries without a handler: ${missing.join(', ')}`);
  if (unknown.length) throw new JobCatalogError(`job handlers not in the catalog: ${unknown.join(', ')}`);
}

/** One job of a `sendMany`: `priority` (higher first, default 0) and `group` (see `groupConcurrency`). */
export interface SendManyItem<P extends object> {
  payload: P;
  singletonKey?: string;
  priority?: number;
  group?: string;
}

export interface JobRuntime {
  readonly boss: PgBoss;
  /** Sends a job (by definition or name) after checking its payload against the catalog. */
  send<P extends object>(
    job: JobDefinition | string,
    payload: P,
    options?: { singletonKey?: string; startAfterSeconds?: number },
  ): Promise<string | null>;
  /** Sends many jobs of one kind in one statement (a delta page's messages); duplicates of queued ones are dropped. */
  sendMany<P extends object>(job: JobDefinition | string, items: SendManyItem<P>[]): Promise<void>;
  /**
   * With `work`, starts the handlers and schedules; before this no handler runs, so the composition
   * root calls it once everything a handler may use exists (a job queued before the start once ran
   * while `jobs` was still unassigned, and failed for good: issue 23). Once only.
   */
  startWorkers(): Promise<void>;
  /** Stops taking jobs and waits (up to the grace period) for those running to finish. */
  stop(graceMs: number): Promise<void>;
  /**
   * Calls `onWake` on every NOTIFY on `channel` (from any process), and once more after the listener
   * (re)connects: a notification may have been missed. Through pg-boss's listener connection (PGlite
   * in-process); where LISTEN is not available it does nothing, and the caller's polling is all.
   * Closed with the runtime.
   */
  listen(channel: string, onWake: () => void): Promise<void>;
}

/**
 * Starts pg-boss on the product's database: the queues exist and jobs can be sent. With `work` (the
 * worker role), `startWorkers()` then runs the catalog's handlers and schedules; an API-only process
 * only sends jobs.
 */
export async function startJobs<C extends BaseJobContext>(opts: {
  database: Database;
  catalog: readonly JobDefinition[];
  /** Each handler takes its own job's payload type (`HandlersOf`); the runtime checks payloads first. */
  handlers: Readonly<Record<string, AnyJobHandler<never, C>>>;
  work: boolean;
  context: C;
  logger: Logger;
  /** How soon a queue whose fetches find jobs looks again (`BUSY_POLL_MS`; tests make it long). */
  busyPollMs?: number;
}): Promise<JobRuntime> {
  const { database, catalog, handlers, work, logger } = opts;
  assertCatalogComplete(catalog, handlers);

  const boss = new PgBoss({
    ...(database.bossDb
      ? { db: database.bossDb, backend: 'pglite' as const }
      : { connectionString: database.connectionString!, max: 4 }),
    schema: SCHEMA,
    supervise: work,
    schedule: work,
    // Dead workers' jobs are found by missed heartbeats (10 s): looked for every 15 s. The kinds that
    // must come back within seconds have the StaleJobReclaimer; every 5 s was a third of an idle
    // process's queries (issue 22 §3).
    superviseIntervalSeconds: 15,
    // Each process says it is alive every 2 s in pgboss.instance: another host's dead worker is known
    // after three missed beats (StaleJobReclaimer; one of this host's by its pid at once).
    instanceHeartbeatSeconds: 2,
    monitorIntervalSeconds: 15,
    // Every queue is a `notify` queue: a job sent to start now wakes its pollers at once, in every
    // process (LISTEN/NOTIFY; PGlite delivers it in-process). Polling is only the floor (see `pollers`).
    useListenNotify: true,
    // Cron occurrences are queued every 30 s into pg-boss's own queue, whose poller sends them: every
    // 15 s instead of 5 (issue 22 §3, an idle process's queries); our crons run once a minute at most.
    cronWorkerIntervalSeconds: 15,
    // pg-boss's flows (jobs that wait for others) are not used: their resolver looked every 5 s.
    flowIntervalSeconds: 60,
    // We export our own metrics later; no need for pg-boss's OpenTelemetry hooks here.
    openTelemetry: { enabled: false },
  });
  boss.on('error', (err: Error) => {
    // Two pollers took twins of one stately key at once; the fetch is rolled back and polled again
    // (decision 0016). Not a fault: said at info level, with why.
    if (/unique constraint "?job(_\w+)?_i3"?/.test(err.message)) {
      logger.info(
        { err: err.message },
        'job queue: two pollers took twins of one key at once; that fetch is retried in a moment, nothing is lost',
      );
      // pg-boss's poller sleeps its idle interval after a failed fetch (a minute or two since issue 22
      // §3): wake the queue's pollers shortly instead, or the rolled-back jobs wait for it.
      const queue = /\(Queue: ([\w.-]+),/.exec(err.message)?.[1];
      if (queue)
        setTimeout(() => {
          wakeQueue(boss, queue).catch(() => undefined);
        }, TWIN_RETRY_MS).unref();
    } else logger.warn({ err: err.message }, 'job queue error');
  });
  await boss.start();
  // `job` is pg-boss's partitioned job table; analysing it analyses each queue's partition too,
  // whichever partition pg-boss put a queue in (ours all share the default one).
  const stats = new QueueStats({
    analyze: async () => void (await boss.getDb().executeSql(`ANALYZE ${SCHEMA}.job`)),
    onError: (err) => logger.warn({ err: (err as Error).message }, 'job table statistics not refreshed'),
  });

  for (const job of catalog) {
    const queue = {
      policy: job.policy,
      retryLimit: job.retryLimit,
      retryDelay: job.retryDelaySeconds,
      retryBackoff: job.retryBackoff,
      expireInSeconds: job.expireInSeconds,
      ...(job.heartbeatSeconds ? { heartbeatSeconds: job.heartbeatSeconds } : {}),
      notify: true,
    };
    // createQueue is a no-op if the queue exists; updateQueue keeps retry settings in step with the catalog.
    await boss.createQueue(job.name, queue);
    const { policy: _policy, ...updatable } = queue;
    await boss.updateQueue(job.name, updatable);
  }

  const reclaimer = new StaleJobReclaimer(boss, catalog, logger, { singleProcess: !!database.bossDb });
  let working: Promise<void> | undefined;
  const queuePollers: { stop: () => void }[] = [];
  const listeners: { close: () => Promise<void> }[] = [];
  const startWorkers = async () => {
    for (const job of catalog) {
      const handler = handlers[job.name]!;
      const batched = (job.batchSize ?? 1) > 1;
      const workOptions = {
        ...(job.groupConcurrency ? { localGroupConcurrency: job.groupConcurrency } : {}),
        ...(batched ? { batchSize: job.batchSize, burstWhenBatchFull: true } : {}),
        // A job that is reclaimed quickly proves it is alive every second (see StaleJobReclaimer).
        ...(job.reclaimAfterSeconds ? { heartbeatRefreshSeconds: 1 } : {}),
      };
      const jobLogger = logger.child({ job: job.name });
      // A fetch's jobs settle one by one: one failing retries alone.
      const run = async (jobs: Job<unknown>[]) => {
        const errors = new Map<string, Error | undefined>();
        const valid: { id: string; payload: unknown }[] = [];
        for (const j of jobs) {
          const parsed = job.payload.safeParse(j.data ?? {});
          if (parsed.success) valid.push({ id: j.id, payload: parsed.data });
          else errors.set(j.id, parsed.error);
        }
        if (valid.length) {
          const outcome = await runFetch(handler, valid, {
            ...opts.context,
            logger: opts.context.logger.child({ job: job.name }),
          });
          valid.forEach((v, i) => errors.set(v.id, outcome[i]));
        }
        return jobs.map((j) => {
          const err = errors.get(j.id);
          if (err) logJobFailure(jobLogger, job, j, err);
          return err
            ? { id: j.id, status: 'failed' as const, output: err }
            : { id: j.id, status: 'completed' as const };
        });
      };
      queuePollers.push(await pollers(boss, job, workOptions, run, opts.busyPollMs));
      if (job.cron) await boss.schedule(job.name, job.cron, {}, { tz: 'UTC' });
    }
    reclaimer.start();
  };

  return {
    boss,
    async send(jobOrName, payload, options) {
      const job = typeof jobOrName === 'string' ? catalog.find((j) => j.name === jobOrName) : jobOrName;
      if (!job) throw new JobCatalogError(`no job named ${String(jobOrName)} in the catalog`);
      job.payload.parse(payload);
      return boss.send(job.name, payload, {
        ...(options?.singletonKey ? { singletonKey: options.singletonKey } : {}),
        ...(options?.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
      });
    },
    async sendMany(jobOrName, items) {
      const job = typeof jobOrName === 'string' ? catalog.find((j) => j.name === jobOrName) : jobOrName;
      if (!job) throw new JobCatalogError(`no job named ${String(jobOrName)} in the catalog`);
      if (items.length === 0) return;
      for (const i of items) job.payload.parse(i.payload);
      await boss.insert(
        job.name,
        items.map((i) => ({
          data: i.payload,
          ...(i.singletonKey ? { singletonKey: i.singletonKey } : {}),
          ...(i.priority ? { priority: i.priority } : {}),
          ...(i.group ? { group: { id: i.group } } : {}),
        })),
      );
      await raiseQueuedPriority(boss, job.name, items);
      stats.queued(items.length);
    },
    startWorkers() {
      if (!work) return Promise.resolve();
      working ??= startWorkers();
      return working;
    },
    async listen(channel, onWake) {
      const db = boss.getDb();
      if (!db.listen) return;
      listeners.push(await db.listen(channel, onWake, onWake));
    },
    async stop(graceMs) {
      reclaimer.stop();
      for (const p of queuePollers) p.stop();
      await Promise.allSettled(listeners.map((l) => l.close()));
      await stats.settled();
      await boss.stop({ graceful: true, timeout: graceMs, close: true });
    },
  };
}

/**
 * Every failed attempt is a log line: pg-boss keeps the error only in the job's output, and a job
 * that failed for good was once found there and nowhere else. `retryCount` is the attempt's number
 * from 0; pg-boss retries while it is below the limit. (A stately job whose key already has a twin
 * waiting to retry is folded into that twin instead: decision 0016.)
 */
function logJobFailure(logger: Logger, job: JobDefinition, j: Job<unknown>, err: Error): void {
  const attempt = (j.retryCount ?? 0) + 1;
  const last = attempt > job.retryLimit;
  const fields = { jobId: j.id, attempt, attempts: job.retryLimit + 1, err: asError(err).message };
  if (last) logger.error(fields, 'job failed after its last attempt');
  else logger.warn(fields, 'job failed; retried per its policy');
}

/**
 * Wakes a queue's pollers in every process, as pg-boss does when a job is sent to start now: a NOTIFY
 * on pg-boss's channel (its name derived from the schema as pg-boss derives it) with the queue's name.
 */
export async function wakeQueue(boss: PgBoss, name: string): Promise<void> {
  await boss
    .getDb()
    .executeSql(`SELECT pg_notify('pgboss_' || left(encode(sha224('${SCHEMA}'::bytea), 'hex'), 24), $1)`, [
      name,
    ]);
}

/** After a fetch rolled back for twins (see the `error` handler), the queue is polled again this soon. */
const TWIN_RETRY_MS = 200;

/** How often the other pollers of a queue look when idle: a backstop, should the first be busy for long. */
export const FOLLOWER_POLL_SECONDS = 120;
/** A queue's idle poll when its catalog entry names none. */
export const DEFAULT_POLL_SECONDS = 60;
/** While a queue's fetches find jobs, its pollers look again this often (the poll before issue 22 §3). */
export const BUSY_POLL_MS = 500;

type PerJobResult = { id: string; status: 'failed'; output: Error } | { id: string; status: 'completed' };

/**
 * A queue's `concurrency` pollers (issue 22 §3: an idle `npm start` used 0.11 cores, two thirds of
 * it 62 empty fetches a second on PGlite). A job sent to start now wakes every poller of its queue
 * through NOTIFY, so idle polling is only the floor for jobs nobody announces (a retry after its
 * delay, a job sent to start later): the first poller looks every `pollingIntervalSeconds`, the
 * others every 2 minutes. While fetches find jobs, every poller of the queue is woken every 500 ms
 * (a busy one fetches again as soon as it is done): a backlog, or jobs a group limit handed back,
 * are taken as quickly as with the 0.5 s polling this replaces, and a queue that runs dry goes back
 * to sleep after one round of empty fetches. Returns the pollers' worker ids and a stop.
 */
export async function pollers(
  boss: PgBoss,
  job: Pick<JobDefinition, 'name' | 'concurrency' | 'pollingIntervalSeconds'>,
  options: { localGroupConcurrency?: number },
  run: (jobs: Job<unknown>[]) => Promise<PerJobResult[]>,
  busyPollMs = BUSY_POLL_MS,
): Promise<{ ids: string[]; stop: () => void }> {
  const count = job.concurrency ?? 1;
  const group = options.localGroupConcurrency;
  const waker = new BusyWaker(boss, busyPollMs);
  const places = group ? new GroupPlaces(group, () => waker.busyNow()) : undefined;
  const handler = async (jobs: Job<unknown>[]) => {
    if (jobs.length) waker.busy();
    places?.taken(jobs);
    try {
      return await run(jobs);
    } finally {
      places?.freed(jobs);
    }
  };
  const poll = (seconds: number) => ({
    pollingIntervalSeconds: seconds,
    // Without this pg-boss stretches a notify queue's poll to 30 s; ours are set on purpose.
    notifyPollingIntervalSeconds: seconds,
    perJobResults: true as const,
  });
  const lead = job.pollingIntervalSeconds ?? DEFAULT_POLL_SECONDS;
  // pg-boss keeps one group limit per queue, the last `work` call's, and refuses one above that
  // call's own pollers: the lead says 1, then the others' call sets the real limit for both (with
  // one poller more if the limit asks for it).
  const others = Math.max(count - 1, group ?? 0);
  const leadId = await boss.work(
    job.name,
    {
      ...options,
      ...(group && others > 0 ? { localGroupConcurrency: 1 } : {}),
      localConcurrency: 1,
      ...poll(lead),
    },
    handler,
  );
  const workIds = [leadId];
  if (others > 0)
    workIds.push(
      await boss.work(
        job.name,
        { ...options, localConcurrency: others, ...poll(Math.max(lead, FOLLOWER_POLL_SECONDS)) },
        handler,
      ),
    );
  waker.ids = boss
    .getWipData()
    .filter((w) => w.name === job.name && workIds.includes(w.workId))
    .map((w) => w.id);
  return { ids: waker.ids, stop: () => waker.stop() };
}

/** Wakes a queue's pollers (`notifyWorker`) `everyMs` after a fetch found jobs, once per `everyMs` at most. */
class BusyWaker {
  ids: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly boss: PgBoss;
  private readonly everyMs: number;
  constructor(boss: PgBoss, everyMs: number) {
    this.boss = boss;
    this.everyMs = everyMs;
  }
  busy(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      for (const id of this.ids) this.boss.notifyWorker(id);
    }, this.everyMs).unref();
  }
  /**
   * Pollers holding a fetch fetch again as soon as it is settled, without the 500 ms wait: one of them
   * is the poller whose fetch is ending (pg-boss clears its jobs only once they are completed and
   * their group places freed). Idle pollers are left asleep: woken now, before the places are freed,
   * they would fetch nothing.
   */
  busyNow(): void {
    for (const w of this.boss.getWipData())
      if (w.count > 0 && this.ids.includes(w.id)) this.boss.notifyWorker(w.id);
  }
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * This process's jobs in flight per group (a mailbox), as pg-boss's local group limit counts them
 * (pg-boss keeps its own count private). While a group is at its limit, pg-boss's fetches skip it: a
 * job sent then wakes the idle pollers, which find nothing, and it waited for the next busy wake (up
 * to 500 ms; a hot mailbox's p99 paid it, issue 22 §2.4). When a fetch settles whose group was at its
 * limit, `onFreed` says so.
 */
class GroupPlaces {
  private readonly inFlight = new Map<string, number>();
  private readonly limit: number;
  private readonly onFreed: () => void;
  constructor(limit: number, onFreed: () => void) {
    this.limit = limit;
    this.onFreed = onFreed;
  }
  taken(jobs: readonly Pick<Job<unknown>, 'groupId'>[]): void {
    for (const j of jobs) {
      if (!j.groupId) continue;
      this.inFlight.set(j.groupId, (this.inFlight.get(j.groupId) ?? 0) + 1);
    }
  }
  freed(jobs: readonly Pick<Job<unknown>, 'groupId'>[]): void {
    let wasFull = false;
    for (const j of jobs) {
      if (!j.groupId) continue;
      const n = this.inFlight.get(j.groupId) ?? 1;
      if (n >= this.limit) wasFull = true;
      if (n > 1) this.inFlight.set(j.groupId, n - 1);
      else this.inFlight.delete(j.groupId);
    }
    if (wasFull) this.onFreed();
  }
}

/** After a process is found dead, how long stale jobs are taken over (its last jobs go stale meanwhile). */
const TAKEOVER_WINDOW_MS = 15_000;
/** A process starting acts only on deaths this recent (older ones, the others have acted on). */
const FRESH_DEATH_SECONDS = 10;
/** Deaths older than this are pg-boss's own supervisor's business (10 s heartbeats). */
const RECENT_DEATH_SECONDS = 120;

/**
 * A worker killed mid-job stops its heartbeats, and pg-boss retries its jobs once the heartbeat is
 * `heartbeatSeconds` old (10 s at least) and its supervisor next looks (every 5 s), then after the
 * retry delay: 20 s and more of latency for the emails a killed worker held (issue 23, item 4).
 *
 * So every worker watches the others through pg-boss's registry of processes (`pgboss.instance`:
 * host, pid, a heartbeat every 2 s, `stopped_on` on a clean stop): a process of this host whose pid is
 * gone, or any whose heartbeat missed three beats, is dead. For the next 15 s, jobs of the kinds with
 * `reclaimAfterSeconds` (they beat every second) whose heartbeat is that old are failed through
 * pg-boss (fenced on their attempt: one settled or claimed again meanwhile is left alone) and made
 * due at once. Only after a death: a job's heartbeat alone says nothing on a loaded machine — reclaimed
 * on a stale heartbeat at all times, 3,374 live jobs were taken from 3 busy workers in a 2,000-email
 * run. A live job caught in the window runs twice, which these kinds allow (decision 0016).
 */
class StaleJobReclaimer {
  private readonly boss: PgBoss;
  private readonly kinds: { name: string; seconds: number }[];
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Dead processes already acted on (their rows stay: a crash never sets `stopped_on`). */
  private readonly seenDead = new Set<string>();
  /** Open take-overs: until when, and when the death was seen (database time): its jobs beat last before. */
  private takeovers: { until: number; seenAt: string }[] = [];
  private firstSweep = true;
  /**
   * PGlite: no other process can open the database while this one runs, so the only death to find
   * is a predecessor's, at the first sweep; once its take-over is over, sweeping stops (issue 22 §3:
   * it was an idle process's most frequent query).
   */
  private readonly singleProcess: boolean;
  constructor(
    boss: PgBoss,
    catalog: readonly JobDefinition[],
    logger: Logger,
    opts: { singleProcess?: boolean } = {},
  ) {
    this.singleProcess = opts.singleProcess ?? false;
    this.boss = boss;
    this.kinds = catalog.flatMap((j) =>
      j.reclaimAfterSeconds ? [{ name: j.name, seconds: j.reclaimAfterSeconds }] : [],
    );
    this.logger = logger;
  }
  start(): void {
    if (!this.kinds.length || this.timer) return;
    this.timer = setInterval(() => void this.sweep(), 1_000);
    this.timer.unref();
  }
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
  private async sweep(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      let dead = (await this.deadProcesses()).filter((d) => !this.seenDead.has(d.id));
      // A process just started finds the deaths the others have already acted on: only its own
      // predecessor's (a death seconds old) are still news. Taking over on older ones took the jobs
      // of live workers whose heartbeats ran late.
      if (this.firstSweep) {
        this.firstSweep = false;
        for (const d of dead) if (d.silentSeconds > FRESH_DEATH_SECONDS) this.seenDead.add(d.id);
        dead = dead.filter((d) => d.silentSeconds <= FRESH_DEATH_SECONDS);
      }
      if (dead.length) {
        for (const d of dead) this.seenDead.add(d.id);
        for (const d of dead)
          this.takeovers.push({ until: Date.now() + TAKEOVER_WINDOW_MS, seenAt: d.seenAt });
        this.logger.warn(
          { processes: dead.map((d) => `${d.host}:${d.pid}`) },
          'worker process gone without stopping; its jobs are taken over',
        );
      }
      this.takeovers = this.takeovers.filter((t) => t.until > Date.now());
      for (const t of this.takeovers)
        for (const kind of this.kinds) await this.reclaim(kind.name, kind.seconds, t.seenAt);
      if (this.singleProcess && !this.takeovers.length) this.stop();
    } catch (err) {
      this.logger.warn({ err: asError(err).message }, 'stale jobs not reclaimed this time');
    } finally {
      this.running = false;
    }
  }
  /** Processes that ended without stopping, recently: on this host by their pid, elsewhere by their heartbeat. */
  private async deadProcesses(): Promise<
    { id: string; host: string; pid: number; silentSeconds: number; seenAt: string }[]
  > {
    const res = (await this.boss.getDb().executeSql(
      `SELECT id, host, pid, heartbeat_on < now() - heartbeat_seconds * 3 * interval '1 second' AS quiet,
              extract(epoch FROM now() - heartbeat_on)::float8 AS "silentSeconds",
              now()::text AS "seenAt"
         FROM ${SCHEMA}.instance
        WHERE stopped_on IS NULL AND heartbeat_on > now() - make_interval(secs => $1)`,
      [RECENT_DEATH_SECONDS],
    )) as {
      rows: {
        id: string;
        host: string;
        pid: number;
        quiet: boolean;
        silentSeconds: number;
        seenAt: string;
      }[];
    };
    return res.rows.filter((r) =>
      r.host === processHost ? r.pid !== process.pid && (r.quiet || !isAlive(r.pid)) : r.quiet,
    );
  }
  /**
   * The jobs of a dead process: no heartbeat for `seconds`, and none since its death was seen. A live
   * worker's jobs beat again after that, however late they run on a loaded machine, so they are left
   * alone (a rule on the job's heartbeat alone took 22,060 live jobs in a 10,000-email chaos run; one
   * bounded by the dead process's own last beat missed the jobs it touched after that beat).
   */
  private async reclaim(name: string, seconds: number, deathSeenAt: string): Promise<void> {
    const db = this.boss.getDb();
    const stale = (await db.executeSql(
      `SELECT id, retry_count AS "retryCount" FROM ${SCHEMA}.job
        WHERE name = $1 AND state = 'active' AND heartbeat_on < now() - make_interval(secs => $2)
          AND heartbeat_on < $3::timestamptz
        LIMIT 1000`,
      [name, seconds, deathSeenAt],
    )) as { rows: { id: string; retryCount: number }[] };
    if (!stale.rows.length) return;
    await this.boss.fail(name, stale.rows, { message: `its worker process is gone` });
    // The retry would wait its backoff; the job did not fail, its worker died: due at once.
    await db.executeSql(
      `UPDATE ${SCHEMA}.job SET start_after = now() WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'retry'`,
      [name, stale.rows.map((r) => r.id)],
    );
    // Nothing announces a retry: wake the queue's pollers in every process, or they would find these
    // jobs at their next idle poll, seconds later (see `pollers`).
    await wakeQueue(this.boss, name);
    this.logger.warn(
      { job: name, jobs: stale.rows.length, jobIds: stale.rows.slice(0, 20).map((r) => r.id) },
      'took over the jobs of a worker process that is gone; retried at once',
    );
  }
}

/**
 * Runs a fetch's jobs: a batch handler gets them all at once; a one-job handler runs them side by
 * side, each with its job id in its logs. Per job, in order: nothing, or the error to retry it with.
 */
async function runFetch<C extends BaseJobContext>(
  handler: AnyJobHandler<never, C>,
  jobs: { id: string; payload: unknown }[],
  ctx: C,
): Promise<(Error | undefined)[]> {
  // The one place a payload's type is asserted: the catalog's schema has just parsed each of them.
  const payloads = jobs.map((j) => j.payload as never);
  if (typeof handler !== 'function') {
    const logger = ctx.logger.child({ jobIds: jobs.map((j) => j.id) });
    return handler.batch(payloads, { ...ctx, logger }).catch((err: unknown) => jobs.map(() => asError(err)));
  }
  const outcomes = await Promise.allSettled(
    jobs.map((j, i) => handler(payloads[i]!, { ...ctx, logger: ctx.logger.child({ jobId: j.id }) })),
  );
  return outcomes.map((o) => (o.status === 'fulfilled' ? undefined : asError(o.reason)));
}

/**
 * A stately queue keeps one queued job per key and drops a later send of the same key, priority and
 * all: a folder whose routine renewal was queued when Microsoft announced it will stop notifying
 * (`reauthorizationRequired`) would wait behind thousands of first-time creations. So a send with a
 * priority above the default raises its queued twin's (waiting or waiting to retry; a running one is
 * past caring), in one statement per send.
 *
 * Only above the default: a priority at or below 0 orders routine work (message ingestion gives the
 * n-th message of a page -n), and its queued twin keeps its place. Raising those too, one statement
 * per distinct priority, cost 99 round trips per recorded page of 100 messages: 16,000 statements in
 * a 10,000-email throughput run, a third of all Mailroom sent to PostgreSQL.
 */
async function raiseQueuedPriority(
  boss: PgBoss,
  name: string,
  items: readonly SendManyItem<object>[],
): Promise<void> {
  const highest = new Map<string, number>();
  for (const i of items) {
    const priority = i.priority ?? 0;
    if (!i.singletonKey || priority <= 0) continue;
    highest.set(i.singletonKey, Math.max(priority, highest.get(i.singletonKey) ?? 0));
  }
  if (highest.size === 0) return;
  await boss.getDb().executeSql(
    `UPDATE ${SCHEMA}.job j SET priority = v.priority
       FROM unnest($2::text[], $3::int[]) AS v(key, priority)
      WHERE j.name = $1 AND j.singleton_key = v.key AND j.state < 'active' AND j.priority < v.priority`,
    [name, [...highest.keys()], [...highest.values()]],
  );
}
