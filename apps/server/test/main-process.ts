import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real entry point (`src/main.ts`), spawned on the pinned Node that runs the tests: for what only
 * a whole process shows (its exit code, its stderr, its umask).
 */
const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/main.ts');

/**
 * Root writes anywhere whatever the modes say, so as root (CI) the process runs without the
 * capabilities that bypass file permissions (util-linux's setpriv): a 0555 folder is then read-only
 * to it, as it is to any service account.
 */
const command =
  process.getuid?.() === 0
    ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', process.execPath, main]
    : [process.execPath, main];

const baseEnv = (env: Record<string, string>) => ({
  PATH: process.env.PATH ?? '',
  PORT: '0',
  HOST: '127.0.0.1',
  MAILROOM_SANDBOX_PORT: '0',
  LOG_LEVEL: 'warn',
  ...env,
});

function spawnMain(env: Record<string, string>): ChildProcess {
  return spawn(command[0]!, command.slice(1), { env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the process until it exits (a startup failure). */
export function runMain(
  env: Record<string, string>,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnMain(env);
    let stderr = '';
    child.stdout!.resume();
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** Starts the process, waits until it says it is running, and returns how to stop it (SIGTERM). */
export async function startMain(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ stop(): Promise<number | null> }> {
  const child = spawnMain({ ...env, LOG_LEVEL: 'info' });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Mailroom did not start: ${out.slice(-2000)}`)),
      timeoutMs,
    );
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Mailroom is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Mailroom exited with ${code}: ${out.slice(-2000)}`));
    });
  });
  return {
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
