import { eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { rowsOf } from '../src/db/client.ts';
import { creationKeys, loginThrottle, sessions, users, workspaces } from '../src/db/schema/index.ts';
import { housekeeping, type JobDefinition } from '../src/jobs/catalog.ts';
import { startJobs } from '../src/jobs/runtime.ts';
import { startTestApp, type TestApp } from './helpers.ts';
import { until } from './sync-helpers.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

/** A test job kind with the stately policy (one queued job per key) and no retries. */
function statelyJob(name: string, payload: z.ZodType): JobDefinition {
  return {
    name,
    description: 'test',
    payload,
    policy: 'stately',
    retryLimit: 0,
    retryDelaySeconds: 1,
    retryBackoff: false,
    expireInSeconds: 60,
  };
}

/** A runtime for `job` that only sends: its jobs stay queued, nothing works them. */
function sendingOnly(job: JobDefinition) {
  return startJobs({
    database: app.server.database,
    catalog: [job],
    handlers: { [job.name]: async () => undefined },
    work: false,
    context: { db: app.server.database.db, logger: pino({ level: 'silent' }), now: () => new Date() },
    logger: pino({ level: 'silent' }),
  });
}

describe('job queue', () => {
  it('runs the housekeeping job through pg-boss: expired sessions, quiet sign-in failures and creation keys past their day go, the rest stays', async () => {
    const { db } = app.server.database;
    const [u] = await db
      .insert(users)
      .values({ email: 'h@example.com', name: 'H', passwordHash: 'x' })
      .returning();
    await db.insert(sessions).values([
      { tokenHash: 'expired', userId: u!.id, csrfToken: 'c', expiresAt: new Date(Date.now() - 60_000) },
      { tokenHash: 'live', userId: u!.id, csrfToken: 'c', expiresAt: new Date(Date.now() + 60_000) },
    ]);
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    await db.insert(loginThrottle).values([
      { key: 'quiet', failures: 3, updatedAt: twoDaysAgo },
      {
        key: 'still-locked',
        failures: 30,
        updatedAt: twoDaysAgo,
        lockedUntil: new Date(Date.now() + 60_000),
      },
      { key: 'recent', failures: 2 },
    ]);
    // Idempotency keys of a workspace creating nothing new: the one past its day goes, with its secret.
    const [w] = await db.insert(workspaces).values({ name: 'Quiet' }).returning();
    const key = (k: string, createdAt?: Date) => ({
      workspaceId: w!.id,
      key: k,
      kind: 'api_key',
      requestHash: 'h',
      resourceId: crypto.randomUUID(),
      secret: 'v1.x.y.z',
      ...(createdAt ? { createdAt } : {}),
    });
    await db.insert(creationKeys).values([key('old', twoDaysAgo), key('new')]);
    const jobId = await app.server.jobs.send(housekeeping, {});
    expect(jobId).toBeTruthy();
    // Wait for the worker (polling every 2 s by default) to complete it.
    let state: string | undefined;
    for (let i = 0; i < 100 && state !== 'completed' && state !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const job = await app.server.jobs.boss.getJobById<object>(housekeeping.name, jobId!);
      state = job?.state;
    }
    expect(state).toBe('completed');
    const left = await db.select({ h: sessions.tokenHash }).from(sessions).where(eq(sessions.userId, u!.id));
    expect(left.map((r) => r.h)).toEqual(['live']);
    const throttles = await db.select({ key: loginThrottle.key }).from(loginThrottle);
    expect(throttles.map((r) => r.key).sort()).toEqual(['recent', 'still-locked']);
    const keys = await db
      .select({ key: creationKeys.key })
      .from(creationKeys)
      .where(eq(creationKeys.workspaceId, w!.id));
    expect(keys.map((r) => r.key)).toEqual(['new']);
  });

  it('validates payloads against the catalog before sending', async () => {
    await expect(app.server.jobs.send(housekeeping, { unexpected: true })).rejects.toThrow();
  });

  it('schedules the periodic housekeeping job', async () => {
    const schedules = await app.server.jobs.boss.getSchedules();
    expect(schedules.map((s) => [s.name, s.cron])).toContainEqual([housekeeping.name, housekeeping.cron]);
    // The queue carries the catalog's delivery policy.
    expect(await app.server.jobs.boss.getQueue(housekeeping.name)).toMatchObject({
      name: housekeeping.name,
      policy: housekeeping.policy,
      retryLimit: housekeeping.retryLimit,
      retryBackoff: true,
    });
  });

  it('runs a batched job kind side by side, settles each job alone, and keeps a group under its limit', async () => {
    const job: JobDefinition = {
      name: 'test.batched',
      description: 'test',
      payload: z.object({ n: z.number(), group: z.string() }).strict(),
      policy: 'standard',
      retryLimit: 2,
      retryDelaySeconds: 1,
      retryBackoff: false,
      expireInSeconds: 60,
      concurrency: 2,
      batchSize: 4,
      groupConcurrency: 2,
      pollingIntervalSeconds: 0.5,
    };
    const runs = new Map<number, number>();
    const active = new Map<string, number>();
    let maxPerGroup = 0;
    let maxAtOnce = 0;
    let atOnce = 0;
    const runtime = await startJobs({
      database: app.server.database,
      catalog: [job],
      handlers: {
        [job.name]: async (p) => {
          const { n, group } = p as { n: number; group: string };
          runs.set(n, (runs.get(n) ?? 0) + 1);
          active.set(group, (active.get(group) ?? 0) + 1);
          maxPerGroup = Math.max(maxPerGroup, active.get(group)!);
          maxAtOnce = Math.max(maxAtOnce, ++atOnce);
          try {
            await new Promise((r) => setTimeout(r, 150));
            if (n === 3 && runs.get(n) === 1) throw new Error('first attempt of 3 fails');
          } finally {
            active.set(group, active.get(group)! - 1);
            atOnce--;
          }
        },
      },
      work: true,
      context: { db: app.server.database.db, logger: pino({ level: 'silent' }), now: () => new Date() },
      logger: pino({ level: 'silent' }),
    });
    await runtime.startWorkers();
    try {
      const items = Array.from({ length: 12 }, (_, n) => ({
        payload: { n, group: n < 8 ? 'a' : 'b' },
        group: n < 8 ? 'a' : 'b',
      }));
      await runtime.sendMany(job, items);
      for (let i = 0; i < 150 && !(runs.size === 12 && runs.get(3) === 2); i++)
        await new Promise((r) => setTimeout(r, 100));
      // Every job ran once, except the failing one, which alone was retried (and then succeeded).
      expect([...runs.entries()].sort((x, y) => x[0] - y[0])).toEqual(
        items.map((i) => [i.payload.n, i.payload.n === 3 ? 2 : 1]),
      );
      expect(maxPerGroup).toBeLessThanOrEqual(2);
      expect(maxAtOnce).toBeGreaterThan(1);
      // Each settled on its own: all completed, the failed attempt retried rather than failing the batch.
      let completed = 0;
      for (let i = 0; i < 50 && completed < 12; i++) {
        completed = (await runtime.boss.findJobs(job.name)).filter((j) => j.state === 'completed').length;
        if (completed < 12) await new Promise((r) => setTimeout(r, 100));
      }
      expect(completed).toBe(12);
    } finally {
      await runtime.stop(1000);
    }
  });

  it('after a burst of 1,000 jobs queued, refreshes the planner statistics of the job table', async () => {
    const job = statelyJob('test.burst', z.object({ n: z.number() }).strict());
    const { db } = app.server.database;
    const estimate = async () =>
      Number(
        rowsOf<{ n: number }>(
          await db.execute(
            sql`select reltuples::int as n from pg_class where oid = 'pgboss.job_common'::regclass`,
          ),
        )[0]!.n,
      );
    const before = await estimate();
    // Only sending: the jobs stay queued, as a backfill's do while the workers catch up.
    const runtime = await sendingOnly(job);
    await runtime.sendMany(
      job,
      Array.from({ length: 1000 }, (_, n) => ({ payload: { n }, singletonKey: String(n) })),
    );
    // stop() waits for the ANALYZE the burst started.
    await runtime.stop(1000);
    expect(before).toBeLessThan(1000);
    expect(await estimate()).toBeGreaterThanOrEqual(1000);
  });

  it('a send with a priority raises the priority of its queued twin, which a stately queue keeps instead', async () => {
    const job = statelyJob('test.raise', z.object({ key: z.string() }).strict());
    const { db } = app.server.database;
    const runtime = await sendingOnly(job);
    try {
      // A routine send (priority 0) is queued first, as the sweep's renewals are.
      await runtime.sendMany(
        job,
        ['a', 'b', 'c'].map((key) => ({ payload: { key }, singletonKey: key })),
      );
      await runtime.sendMany(
        job,
        ['a', 'b'].map((key) => ({ payload: { key }, singletonKey: key, priority: 10 })),
      );
      // A lower priority later does not lower it again.
      await runtime.sendMany(job, [{ payload: { key: 'a' }, singletonKey: 'a', priority: 5 }]);
      // Several priorities in one send: each key gets its own. One at or below the default orders
      // routine work and leaves its queued twin where it is.
      await runtime.sendMany(job, [
        ...['d', 'e'].map((key) => ({ payload: { key }, singletonKey: key })),
        { payload: { key: 'f' }, singletonKey: 'f', priority: -5 },
      ]);
      await runtime.sendMany(job, [
        { payload: { key: 'd' }, singletonKey: 'd', priority: 3 },
        { payload: { key: 'e' }, singletonKey: 'e', priority: 7 },
        { payload: { key: 'f' }, singletonKey: 'f', priority: -1 },
      ]);
      const queued = rowsOf<{ key: string; priority: number }>(
        await db.execute(
          sql`select singleton_key as key, priority from pgboss.job where name = ${job.name} order by singleton_key`,
        ),
      );
      // Still one job per key (the later sends were dropped), now with the highest priority asked for.
      expect(queued).toEqual([
        { key: 'a', priority: 10 },
        { key: 'b', priority: 10 },
        { key: 'c', priority: 0 },
        { key: 'd', priority: 3 },
        { key: 'e', priority: 7 },
        { key: 'f', priority: -5 },
      ]);
    } finally {
      await runtime.stop(1000);
    }
  });

  it('no handler runs before startWorkers: a job queued before the start is worked once the wiring is done', async () => {
    const job: JobDefinition = {
      ...statelyJob('test.early', z.object({ n: z.number() }).strict()),
      retryLimit: 3,
    };
    const queued = await sendingOnly(job);
    await queued.send(job, { n: 1 });
    await queued.stop(1000);
    const ran: number[] = [];
    const runtime = await startJobs({
      database: app.server.database,
      catalog: [{ ...job, pollingIntervalSeconds: 0.5 }],
      handlers: { [job.name]: async (p) => void ran.push((p as { n: number }).n) },
      work: true,
      context: { db: app.server.database.db, logger: pino({ level: 'silent' }), now: () => new Date() },
      logger: pino({ level: 'silent' }),
    });
    try {
      // The composition root is still wiring: nothing may run yet (it once ran and failed for good).
      await new Promise((r) => setTimeout(r, 1_500));
      expect(ran).toEqual([]);
      await runtime.startWorkers();
      for (let i = 0; i < 50 && ran.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(ran).toEqual([1]);
    } finally {
      await runtime.stop(1000);
    }
  });

  it('a handler that throws is logged with its job and attempt, and retried per its policy', async () => {
    const job: JobDefinition = {
      ...statelyJob('test.throws', z.object({ n: z.number() }).strict()),
      retryLimit: 2,
      pollingIntervalSeconds: 0.5,
    };
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    let attempts = 0;
    const runtime = await startJobs({
      database: app.server.database,
      catalog: [job],
      handlers: {
        [job.name]: async () => {
          if (++attempts === 1) throw new Error('Cannot read properties of undefined');
        },
      },
      work: true,
      context: { db: app.server.database.db, logger, now: () => new Date() },
      logger,
    });
    await runtime.startWorkers();
    try {
      const id = await runtime.send(job, { n: 1 });
      let state: string | undefined;
      for (let i = 0; i < 100 && state !== 'completed'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        state = (await runtime.boss.getJobById<object>(job.name, id!))?.state;
      }
      expect(state).toBe('completed');
      expect(attempts).toBe(2);
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 40,
          job: job.name,
          jobId: id,
          attempt: 1,
          attempts: 3,
          err: 'Cannot read properties of undefined',
          msg: 'job failed; retried per its policy',
        }),
      );
    } finally {
      await runtime.stop(1000);
    }
  });

  /** A kind whose running jobs are taken over 1 s after their heartbeat stops, once their worker is gone. */
  const reclaimable = (name: string): JobDefinition => ({
    ...statelyJob(name, z.object({ n: z.number() }).strict()),
    retryLimit: 3,
    retryDelaySeconds: 5,
    retryBackoff: true,
    heartbeatSeconds: 10,
    reclaimAfterSeconds: 1,
    pollingIntervalSeconds: 0.5,
  });
  const workingRuntime = (job: JobDefinition, handler: () => void) =>
    startJobs({
      database: app.server.database,
      catalog: [job],
      handlers: { [job.name]: async () => handler() },
      work: true,
      context: { db: app.server.database.db, logger: pino({ level: 'silent' }), now: () => new Date() },
      logger: pino({ level: 'silent' }),
    });

  it(
    'a live worker keeps its job however late its heartbeat (a loaded machine)',
    { timeout: 30_000 },
    async () => {
      const job = reclaimable('test.slow-beat');
      // A live process (this one) fetched the job and is slow to beat: no heartbeat at all here.
      const live = await sendingOnly(job);
      const id = await live.send(job, { n: 1 });
      expect((await live.boss.fetch(job.name))[0]?.id).toBe(id);
      let ran = 0;
      const other = await workingRuntime(job, () => void ran++);
      await other.startWorkers();
      try {
        await new Promise((r) => setTimeout(r, 4_000));
        expect(ran).toBe(0);
        expect((await other.boss.getJobById<object>(job.name, id!))?.state).toBe('active');
      } finally {
        await other.stop(1000);
        await live.stop(1000);
      }
    },
  );

  it(
    'a worker that starts leaves alone what others already did after an old death',
    { timeout: 30_000 },
    async () => {
      const job = reclaimable('test.old-death');
      // A process that died 30 s ago (the others acted on it then), and a live one slow to beat.
      const gone = await sendingOnly(job);
      await gone.stop(1000);
      await app.server.database.db.execute(sql`
      update pgboss.instance set stopped_on = null, pid = ${2 ** 22 + 11_111}, heartbeat_on = now() - interval '30 seconds'
       where id = (select id from pgboss.instance where pid = ${process.pid} and stopped_on is not null
                    order by stopped_on desc limit 1)`);
      const live = await sendingOnly(job);
      const id = await live.send(job, { n: 2 });
      expect((await live.boss.fetch(job.name))[0]?.id).toBe(id);
      let ran = 0;
      const started = await workingRuntime(job, () => void ran++);
      await started.startWorkers();
      try {
        await new Promise((r) => setTimeout(r, 3_500));
        expect(ran).toBe(0);
      } finally {
        await started.stop(1000);
        await live.stop(1000);
        // Leave no dead process behind for the next test.
        await app.server.database.db.execute(
          sql`update pgboss.instance set stopped_on = now() where stopped_on is null and pid <> ${process.pid}`,
        );
      }
    },
  );

  it(
    "a killed worker's job is taken over and retried at once, not after its heartbeat and backoff; a live worker's slow one stays",
    { timeout: 30_000 },
    async () => {
      // pg-boss's own way back for the job (its heartbeat 10 min old, then a 10 min backoff) is out of
      // the test's reach: the job running again at all shows the take-over did it, with no timing.
      const job = { ...reclaimable('test.reclaim'), heartbeatSeconds: 600, retryDelaySeconds: 600 };
      const { db } = app.server.database;
      // The "killed worker": it fetched the job, its process last beat 8 s ago and vanished without
      // stopping, and the job last beat 2 s ago (after the process's last beat: it beats more often).
      const dead = await sendingOnly(job);
      const id = await dead.send(job, { n: 7 });
      const [claimed] = await dead.boss.fetch(job.name);
      expect(claimed?.id).toBe(id);
      await dead.stop(1000);
      const deadPid = 2 ** 22 + 54_321; // above Linux's pid_max default: never a running process
      await db.execute(sql`
        update pgboss.instance set stopped_on = null, pid = ${deadPid}, heartbeat_on = now() - interval '8 seconds'
         where id = (select id from pgboss.instance where pid = ${process.pid} and stopped_on is not null
                      order by stopped_on desc limit 1)`);
      await db.execute(
        sql`update pgboss.job set heartbeat_on = now() - interval '2 seconds' where id = ${id}`,
      );
      const done = new Set<number>();
      const runtime = await startJobs({
        database: app.server.database,
        catalog: [job],
        handlers: { [job.name]: async (p) => void done.add((p as { n: number }).n) },
        work: true,
        context: { db, logger: pino({ level: 'silent' }), now: () => new Date() },
        logger: pino({ level: 'silent' }),
      });
      await runtime.startWorkers();
      let live: Awaited<ReturnType<typeof sendingOnly>> | undefined;
      try {
        // Its death seen at the next look (every second), the job is failed through pg-boss and due
        // at once, then run.
        await until('the dead worker’s job runs again', async () => done.has(7), 25_000);
        // A live worker (this process) takes another job of the kind after the death was seen, and
        // beats late (never, here): its job's last beat is after the death was seen, so it stays its own.
        live = await sendingOnly(job);
        // This runtime's pollers would take the job the moment it is sent (NOTIFY): only its
        // reclaimer is wanted from here on.
        await runtime.boss.offWork(job.name);
        // Its own key: a stately queue runs one job per key at a time.
        const liveId = await live.send(job, { n: 8 }, { singletonKey: 'live' });
        expect((await live.boss.fetch(job.name))[0]?.id).toBe(liveId);
        // Still within the take-over window (15 s from the death seen): two looks after its heartbeat
        // went stale, it is not taken (a take-over fails it into `retry`).
        await new Promise((r) => setTimeout(r, 2_500));
        const [row] = rowsOf<{ state: string }>(
          await db.execute(sql`select state from pgboss.job where id = ${liveId}`),
        );
        expect(row?.state).toBe('active');
      } finally {
        await runtime.stop(1000);
        await live?.stop(1000);
      }
    },
  );
});
