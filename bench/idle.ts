// `npm run bench:idle`: the CPU of an idle `npm start` (issue 22 §3: ≤ 0.01 cores).
//
// Mailroom is started the way `npm start` starts it (`node apps/server/src/main.ts`, PGlite, the
// sandbox tenant with its Microsoft 365 emulator in the same process) in a new data directory, with
// nothing connected and nobody signed in. After a settle period (boot, migrations, the first cron
// ticks), its user + system CPU time is read from /proc over the measuring window: the emulator's
// timers count, since it runs inside the process.
//
//   BENCH_IDLE_SETTLE_SECONDS  (30)   before measuring
//   BENCH_IDLE_SECONDS         (60)   the window
//   BENCH_IDLE_RUNS            (1)    windows one after the other (same process)
//   BENCH_MAILROOM_NODE_OPTIONS       e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (written at exit)
//   DATABASE_URL                      PostgreSQL instead of PGlite (then only Mailroom's own CPU is read)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, procStats, ROOT, sleep } from './lib/process.ts';

const settleSeconds = Number(process.env.BENCH_IDLE_SETTLE_SECONDS ?? 30);
const windowSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const runs = Number(process.env.BENCH_IDLE_RUNS ?? 1);

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-idle-'));
const port = await freePort();
const child = spawn(process.execPath, [path.join(ROOT, 'apps/server/src/main.ts')], {
  cwd: ROOT,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    MAILROOM_SANDBOX_PORT: String(await freePort()),
    MAILROOM_DATA_DIR: dataDir,
    MAILROOM_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    ...(process.env.BENCH_MAILROOM_NODE_OPTIONS
      ? { NODE_OPTIONS: process.env.BENCH_MAILROOM_NODE_OPTIONS }
      : {}),
  },
});
let log = '';
child.stdout.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
child.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));

try {
  const until = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Mailroom exited (${child.exitCode}): ${log.slice(-3000)}`);
    if (Date.now() > until) throw new Error(`Mailroom not ready after 120 s: ${log.slice(-3000)}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await sleep(250);
  }
  console.error(`ready (pid ${child.pid}, data ${dataDir}); settling ${settleSeconds} s`);
  await sleep(settleSeconds * 1000);
  const results: { seconds: number; cores: number; systemCores: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const a = procStats(child.pid!);
    const t0 = performance.now();
    await sleep(windowSeconds * 1000);
    const b = procStats(child.pid!);
    const seconds = (performance.now() - t0) / 1000;
    const r = {
      seconds: Math.round(seconds),
      cores: (b.cpuSeconds - a.cpuSeconds) / seconds,
      systemCores: (b.systemCpuSeconds - a.systemCpuSeconds) / seconds,
    };
    results.push(r);
    console.error(
      `window ${i + 1}: ${r.cores.toFixed(4)} cores (system ${r.systemCores.toFixed(4)}) over ${r.seconds} s`,
    );
  }
  const rss = procStats(child.pid!).rssBytes;
  console.log('| Idle `npm start` (' + (process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite') + ') | |');
  console.log('| --- | --- |');
  for (const [i, r] of results.entries())
    console.log(
      `| window ${i + 1} (${r.seconds} s after ${settleSeconds} s) | ${r.cores.toFixed(4)} cores (system ${r.systemCores.toFixed(4)}) |`,
    );
  console.log(`| RSS at the end | ${(rss / 2 ** 20).toFixed(0)} MiB |`);
} finally {
  // SIGTERM: a clean stop, so a --cpu-prof profile is written.
  child.kill('SIGTERM');
  await new Promise<void>((r) => {
    if (child.exitCode !== null) r();
    else child.once('exit', () => r());
    setTimeout(() => {
      child.kill('SIGKILL');
      r();
    }, 15_000).unref();
  });
  await rm(dataDir, { recursive: true, force: true });
}
