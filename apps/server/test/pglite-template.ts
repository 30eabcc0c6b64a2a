import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/db/client.ts';

const execFileAsync = promisify(execFile);

/**
 * An embedded database made once per test run and copied into each test's data folder.
 *
 * A new PGlite cluster runs initdb inside WebAssembly: 3–5 s of CPU on CI's machine, then about 1 s
 * of migrations, against 0.1–0.3 s to copy a cluster (`cp -a`; Node's `fs.cp` took 0.4 s) and 0.3 s to
 * open it (measured in a Vitest worker). The suite opens well over a hundred databases, so initdb was
 * most of what the PGlite pass spent beyond the PostgreSQL one. The template is made by Mailroom's
 * own `openDatabase` (initdb and every migration from nothing, as a new install runs them), so each
 * copy is exactly what a first start leaves. Tests about the data folder itself (permissions, locks,
 * a first start) and the processes they spawn do not use it.
 */

declare module 'vitest' {
  interface ProvidedContext {
    /** The template cluster's folder; empty when the tests run on PostgreSQL. */
    pgliteTemplate: string;
  }
}

/** Vitest's global setup (both configs): one template for the whole run, removed at the end. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.TEST_DATABASE_URL) {
    project.provide('pgliteTemplate', '');
    return async () => undefined;
  }
  const root = await mkdtemp(path.join(os.tmpdir(), 'mailroom-pglite-template-'));
  const database = await openDatabase({ dataDir: root, logger: pino({ level: 'silent' }) });
  await database.close();
  project.provide('pgliteTemplate', path.join(root, 'pglite'));
  return () => rm(root, { recursive: true, force: true });
}

/**
 * Puts a copy of the template where Mailroom looks for its embedded database (`<dataDir>/pglite`),
 * so that opening it skips initdb and finds every migration applied. Does nothing when no template
 * was provided (PostgreSQL).
 */
export async function seedPglite(dataDir: string, template: string): Promise<void> {
  if (!template) return;
  await execFileAsync('cp', ['-a', template, path.join(dataDir, 'pglite')]);
}
