import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runMain, startMain } from './main-process.ts';

// The emulator is a development dependency of the server: an installation without it
// (`npm install --omit=dev`) runs against Microsoft 365, and sandbox mode there says how to get it.

const withoutEmulator = {
  NODE_OPTIONS: `--import=${path.join(path.dirname(fileURLToPath(import.meta.url)), 'without-emulator.ts')}`,
};

const made: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-no-emulator-'));
  made.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('without the Microsoft 365 emulator installed', () => {
  it(
    'sandbox mode ends in one line saying how to install it or how to use Microsoft 365 instead; exit 1',
    { timeout: 60_000 },
    async () => {
      const r = await runMain({ ...withoutEmulator, MAILROOM_DATA_DIR: await tempDir() });
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^Mailroom cannot start: sandbox mode runs the built-in Microsoft 365 emulator \(@mailroom\/m365-emulator\), which is not installed/,
      );
      expect(lines[0]).toContain('npm install');
      expect(lines[0]).toContain('MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET');
    },
  );

  it(
    'with a Microsoft app configured, Mailroom starts: the emulator is loaded only in sandbox mode',
    { timeout: 90_000 },
    async () => {
      const running = await startMain({
        ...withoutEmulator,
        MAILROOM_DATA_DIR: await tempDir(),
        MICROSOFT_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
        MICROSOFT_CLIENT_SECRET: 'not used before a connector connects',
      });
      expect(await running.stop()).toBe(0);
    },
  );
});
