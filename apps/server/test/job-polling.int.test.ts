// Idle job polling relies on NOTIFY (issue 22 §3, decision 0022): the kinds below poll every 10
// minutes, so a job that runs at all within the test was woken, never found by a poll.
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JobDefinition } from '../src/jobs/catalog.ts';
import { startJobs, wakeQueue, type JobRuntime } from '../src/jobs/runtime.ts';
import { startTestApp, type TestApp } from './helpers.ts';
import { until } from './sync-helpers.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

/** A kind whose pollers look every 10 minutes when idle. */
function sleepyJob(name: string, concurrency: number): JobDefinition {
  return {
    name,
    description: 'test',
    payload: z.object({ n: z.number() }).strict(),
    policy: 'standard',
    retryLimit: 0,
    retryDelaySeconds: 1,
    retryBackoff: false,
    expireInSeconds: 60,
    concurrency,
    pollingIntervalSeconds: 600,
  };
}

async function working(
  job: JobDefinition,
  handler: (p: { n: number }) => Promise<void>,
  busyPollMs?: number,
): Promise<JobRuntime> {
  const runtime = await startJobs({
    database: app.server.database,
    catalog: [job],
    handlers: { [job.name]: async (p) => handler(p as { n: number }) },
    work: true,
    context: { db: app.server.database.db, logger: pino({ level: 'silent' }), now: () => new Date() },
    logger: pino({ level: 'silent' }),
    ...(busyPollMs ? { busyPollMs } : {}),
  });
  await runtime.startWorkers();
  // Every poller's first fetch (at its start, on an empty queue) is behind it: from here on, only a
  // wake-up makes them look before 10 minutes.
  await new Promise((r) => setTimeout(r, 300));
  return runtime;
}

describe('idle job polling', () => {
  it('a job sent to an idle queue runs at once: NOTIFY wakes a poller that would look in 10 minutes', async () => {
    const job = sleepyJob('test.sleepy-send', 1);
    const done: number[] = [];
    const runtime = await working(job, async (p) => void done.push(p.n));
    try {
      await runtime.send(job, { n: 1 });
      await until('the sent job runs', async () => done.includes(1), 15_000);
    } finally {
      await runtime.stop(1000);
    }
  });

  it('a backlog announced once is drained by every poller, each fetching again while it finds jobs', async () => {
    const job = sleepyJob('test.sleepy-backlog', 3);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const done: number[] = [];
    let running = 0;
    let most = 0;
    const runtime = await working(job, async (p) => {
      running++;
      most = Math.max(most, running);
      await gate;
      running--;
      done.push(p.n);
    });
    try {
      // One statement, one NOTIFY: three pollers take one job each and hold it.
      await runtime.sendMany(
        job,
        Array.from({ length: 9 }, (_, n) => ({ payload: { n } })),
      );
      await until('three jobs run side by side', async () => running === 3, 15_000);
      release();
      // Nothing announces the other six: the pollers that found jobs look again.
      await until('every job of the backlog ran', async () => done.length === 9, 15_000);
      expect(most).toBe(3);
      expect(done.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      await runtime.stop(1000);
    }
  });

  it('a job made due without an announcement (a take-over, a retry) runs when its queue is woken', async () => {
    const job = sleepyJob('test.sleepy-wake', 2);
    const done: number[] = [];
    const runtime = await working(job, async (p) => void done.push(p.n));
    try {
      // Sent to start in a minute (no NOTIFY for that), then made due behind pg-boss's back, as the
      // reclaimer does with a dead worker's jobs.
      const id = await runtime.boss.send(job.name, { n: 5 }, { startAfter: 60 });
      await app.server.database.db.execute(sql`update pgboss.job set start_after = now() where id = ${id}`);
      await new Promise((r) => setTimeout(r, 500));
      expect(done).toEqual([]);
      await wakeQueue(runtime.boss, job.name);
      await until('the woken queue runs the job', async () => done.includes(5), 15_000);
    } finally {
      await runtime.stop(1000);
    }
  });

  it('a job its group’s limit handed back runs as soon as a place is freed, not at the next busy look', async () => {
    // One place per group, two pollers; a queue that finds jobs looks again only after 10 minutes here.
    const job = { ...sleepyJob('test.sleepy-group', 2), groupConcurrency: 1 };
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let ran = 0;
    const done: number[] = [];
    const runtime = await working(
      job,
      async (p) => {
        ran++;
        await gate;
        done.push(p.n);
      },
      600_000,
    );
    try {
      // One announcement: both pollers fetch, one job each, and the group's one place goes to the
      // first; pg-boss hands the other back to the queue, and nothing announces it again.
      await runtime.sendMany(job, [
        { payload: { n: 1 }, group: 'mailbox-a' },
        { payload: { n: 2 }, group: 'mailbox-a' },
      ]);
      await until('one job runs, the other is handed back', async () => ran === 1, 15_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(ran).toBe(1);
      release();
      await until('the handed-back job ran once the place was free', async () => done.length === 2, 15_000);
      expect(done.sort()).toEqual([1, 2]);
    } finally {
      await runtime.stop(1000);
    }
  });

  it('a fetch rolled back for twins (two pollers took twins of one key) is polled again in a moment, not at the idle poll', async () => {
    const job = sleepyJob('test.sleepy-twins', 1);
    const done: number[] = [];
    const runtime = await working(job, async (p) => void done.push(p.n));
    try {
      // A due job nobody announced, as the rolled-back fetch's jobs are; then pg-boss's error for it.
      const id = await runtime.boss.send(job.name, { n: 7 }, { startAfter: 60 });
      await app.server.database.db.execute(sql`update pgboss.job set start_after = now() where id = ${id}`);
      await new Promise((r) => setTimeout(r, 500));
      expect(done).toEqual([]);
      runtime.boss.emit(
        'error',
        new Error(
          `duplicate key value violates unique constraint "job_common_i3" (Queue: ${job.name}, Worker: w)`,
        ),
      );
      await until('the queue polled again after the twins', async () => done.includes(7), 15_000);
    } finally {
      await runtime.stop(1000);
    }
  });
});
