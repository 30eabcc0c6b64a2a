// Mailroom as a child process (`node apps/server/src/main.ts`), with its RSS and CPU time from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The Mailroom entry point (BENCH_MAILROOM_MAIN: another checkout's, to compare versions). */
const MAIN = process.env.BENCH_MAILROOM_MAIN ?? path.join(ROOT, 'apps/server/src/main.ts');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

export interface ProcStats {
  rssBytes: number;
  /** User + system CPU time, in seconds. */
  cpuSeconds: number;
  /** The system (kernel) part of it: file-system and socket calls. */
  systemCpuSeconds: number;
}

/** CPU seconds of every process whose command is `name` (PostgreSQL's backends and helpers: `postgres`). */
export function cpuSecondsOf(name: string): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readStat(pid);
      if (stat.command === name) ticks += stat.cpuTicks;
    } catch {
      // Gone meanwhile.
    }
  }
  return ticks / CLOCK_TICKS;
}

/** The machine's idle and total CPU time so far, in seconds over all cores (`/proc/stat`). */
export function machineCpu(): { idle: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const total = line.slice(0, 8).reduce((a, b) => a + b, 0);
  return { idle: (line[3]! + line[4]!) / CLOCK_TICKS, total: total / CLOCK_TICKS };
}

export function procStats(pid: number): ProcStats {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  const stat = readStat(pid);
  return {
    rssBytes: rssKb * 1024,
    cpuSeconds: stat.cpuTicks / CLOCK_TICKS,
    systemCpuSeconds: stat.systemTicks / CLOCK_TICKS,
  };
}

/** A process's command name, user + system CPU time and its system part, in clock ticks, from `/proc/<pid>/stat`. */
function readStat(pid: number | string): { command: string; cpuTicks: number; systemTicks: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command is in "(…)" and may hold spaces; after it, state is field 3, utime and stime 14 and 15.
  const close = stat.lastIndexOf(')');
  const rest = stat.slice(close + 2).split(' ');
  return {
    command: stat.slice(stat.indexOf('(') + 1, close),
    cpuTicks: Number(rest[11]) + Number(rest[12]),
    systemTicks: Number(rest[12]),
  };
}

export interface MailroomOptions {
  databaseUrl: string;
  emulator: { url: string; caFile: string };
  logLevel: string;
  /** More environment (SYNC_RECONCILE_SECONDS, …). */
  env?: Record<string, string>;
  /** ROLES (default api,worker). A worker-only process has no HTTP: it is ready at its "running" line. */
  roles?: 'api' | 'worker' | 'api,worker';
  /** Several processes of one installation share the key (default: a new one). */
  encryptionKey?: string;
  /** Where Microsoft sends change notifications (default: this process's own address). */
  publicBaseUrl?: string;
}

/** main.ts's line once a process without HTTP has started everything. */
const WORKER_READY = '"msg":"Mailroom worker is running"';

/** One Mailroom node (api + worker, or one of them) in a child process, restartable (SIGKILL or SIGTERM). */
export class MailroomProcess {
  readonly port: number;
  readonly base: string;
  readonly roles: string;
  /** What it printed since its last start (up to 20,000 characters): a worker's ready line is looked for here. */
  private sinceStart = '';
  private readonly env: NodeJS.ProcessEnv;
  private readonly dataDir: string;
  private child: ChildProcess | undefined;
  /** The last 20,000 characters of its output (shown when something goes wrong). */
  log = '';
  /** Exits that nobody asked for (crashes). */
  unexpectedExits = 0;
  /** The child ended without being asked to (cleared by the next start). */
  crashed = false;
  private expectingExit = false;

  private constructor(port: number, dataDir: string, opts: MailroomOptions) {
    this.port = port;
    this.dataDir = dataDir;
    this.base = `http://127.0.0.1:${port}`;
    this.roles = opts.roles ?? 'api,worker';
    this.env = {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: opts.publicBaseUrl ?? this.base,
      DATABASE_URL: opts.databaseUrl,
      ROLES: this.roles,
      MAILROOM_ENCRYPTION_KEY: opts.encryptionKey ?? randomBytes(32).toString('base64'),
      MAILROOM_DATA_DIR: dataDir,
      MAILROOM_SANDBOX: 'false',
      MICROSOFT_AUTHORITY_HOST: opts.emulator.url,
      MICROSOFT_GRAPH_URL: opts.emulator.url,
      MICROSOFT_CA_FILE: opts.emulator.caFile,
      LOG_LEVEL: opts.logLevel,
      SHUTDOWN_GRACE_SECONDS: '2',
      NODE_ENV: 'production',
      // e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where Mailroom's CPU goes.
      ...(process.env.BENCH_MAILROOM_NODE_OPTIONS
        ? { NODE_OPTIONS: process.env.BENCH_MAILROOM_NODE_OPTIONS }
        : {}),
      ...opts.env,
      // BENCH_MAILROOM_ENV="SYNC_HOT_MINUTES=0 …" (NAME=value pairs, space-separated): last, over the scenario's.
      ...Object.fromEntries(
        (process.env.BENCH_MAILROOM_ENV ?? '')
          .split(/\s+/)
          .filter((kv) => kv.includes('='))
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      ),
    };
  }

  static async create(opts: MailroomOptions): Promise<MailroomProcess> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-bench-data-'));
    return new MailroomProcess(await freePort(), dataDir, opts);
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Changes environment variables for the next start. */
  setEnv(env: Record<string, string>): void {
    Object.assign(this.env, env);
  }

  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) return;
    this.crashed = false;
    const child = spawn(process.execPath, [MAIN], {
      env: this.env,
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.expectingExit = false;
    // Its logs (pino: stdout) and crashes (stderr): the tail is kept, everything goes to BENCH_MAILROOM_LOG if set.
    const file = process.env.BENCH_MAILROOM_LOG;
    this.sinceStart = '';
    const keep = (d: Buffer) => {
      this.log = (this.log + d.toString()).slice(-20_000);
      if (this.sinceStart.length < 20_000) this.sinceStart += d.toString();
      if (file) appendFileSync(file, d);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', () => {
      if (this.expectingExit) return;
      this.unexpectedExits++;
      this.crashed = true;
    });
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`Mailroom exited (${child.exitCode ?? child.signalCode}): ${this.log.slice(-3000)}`);
      const ready = this.roles.includes('api')
        ? await fetch(`${this.base}/readyz`).then(
            (r) => r.ok,
            () => false,
          )
        : this.sinceStart.includes(WORKER_READY);
      if (ready) return;
      await sleep(50);
    }
    throw new Error(`Mailroom did not become ready in ${timeoutMs / 1000} s: ${this.log.slice(-3000)}`);
  }

  private async end(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.expectingExit = true;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  kill(): Promise<void> {
    return this.end('SIGKILL');
  }

  stop(): Promise<void> {
    return this.end('SIGTERM');
  }

  stats(): ProcStats | undefined {
    const pid = this.pid;
    if (pid === undefined) return undefined;
    try {
      return procStats(pid);
    } catch {
      return undefined;
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
