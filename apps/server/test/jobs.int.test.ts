import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions, users } from '../src/db/schema/index.ts';
import { housekeeping } from '../src/jobs/catalog.ts';
import { startTestApp, type TestApp } from './helpers.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

describe('job queue', () => {
  it('runs the housekeeping job through pg-boss: expired sessions go, live ones stay', async () => {
    const { db } = app.server.database;
    const [u] = await db.insert(users).values({ email: 'h@example.com', name: 'H', passwordHash: 'x' }).returning();
    await db.insert(sessions).values([
      { tokenHash: 'expired', userId: u!.id, csrfToken: 'c', expiresAt: new Date(Date.now() - 60_000) },
      { tokenHash: 'live', userId: u!.id, csrfToken: 'c', expiresAt: new Date(Date.now() + 60_000) },
    ]);
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
});
