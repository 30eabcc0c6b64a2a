import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEMO } from '@mailroom/m365-emulator';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';
import { createTestDatabase } from './helpers.ts';

// Sandbox mode across `npm start` restarts (issue 22 §1.7): the tenant's mail and its Outlook categories
// are what they were, under the same ids — not generated again (sent items: the emulator's own test).

const CLAIMS = DEMO.contoso.sharedMailboxes[0];
let dataDir: string | undefined;
let drop: (() => Promise<void>) | undefined;
afterAll(async () => {
  await drop?.();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

it(
  'the sandbox tenant’s mail and categories survive a restart of the server, under the same ids',
  { timeout: 120_000 },
  async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-restart-'));
    const database = await createTestDatabase();
    drop = database?.drop;
    const config = loadConfig({
      PORT: '0',
      MAILROOM_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      SHUTDOWN_GRACE_SECONDS: '2',
      MAILROOM_SANDBOX_PORT: '0',
      ...(database
        ? { DATABASE_URL: database.url, MAILROOM_ENCRYPTION_KEY: randomBytes(32).toString('base64') }
        : {}),
    });
    const start = () => startServer(config, pino({ level: 'silent' }), { webDist: null });

    let server = await start();
    let control = server.sandbox!.control;
    const before = await control.listMessages(CLAIMS);
    const test = await control.deliverGenerated(CLAIMS, { subject: 'A test email before the restart' });
    await control.updateMessage(CLAIMS, test.id, { categories: ['Mailroom: routed'] });
    await server.close();

    server = await start();
    try {
      control = server.sandbox!.control;
      const after = await control.listMessages(CLAIMS);
      // The same mail, not a new generation of the demo mail beside (or instead of) it.
      expect(after.map((m) => m.immutableId).sort()).toEqual(
        [...before.map((m) => m.immutableId), test.immutableId].sort(),
      );
      const kept = after.find((m) => m.immutableId === test.immutableId)!;
      expect(kept.subject).toBe('A test email before the restart');
      expect(kept.categories).toEqual(['Mailroom: routed']);
      // New mail gets an id no earlier message had.
      const fresh = await control.deliverGenerated(CLAIMS, {});
      expect(after.map((m) => m.immutableId)).not.toContain(fresh.immutableId);
    } finally {
      await server.close();
    }
  },
);
