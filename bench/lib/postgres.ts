// PostgreSQL for benchmarks: a throwaway database on a shared server, or a private cluster that a
// chaos run may restart without disturbing anyone else.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './process.ts';

const run = promisify(execFile);

export interface BenchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates `<prefix>_<time>_<random>` on the server of `adminUrl`; `drop()` removes it (forcefully). */
export async function createDatabase(adminUrl: string, prefix = 'mailroom_bench'): Promise<BenchDatabase> {
  const name = `${prefix}_${new Date().toISOString().slice(0, 19).replace(/\D/g, '')}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** The newest `/usr/lib/postgresql/<v>/bin` (initdb, pg_ctl), or PG_BIN. */
function pgBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    : [];
  if (!versions.length)
    throw new Error(
      'PostgreSQL server binaries not found (set PG_BIN to the directory holding initdb and pg_ctl)',
    );
  versions.sort((a, b) => Number(b) - Number(a));
  return path.join(root, versions[0]!, 'bin');
}

/**
 * A private PostgreSQL cluster in a temporary directory on a free port (trust auth, user postgres).
 * PostgreSQL refuses to run as root, so as root the binaries run as the `postgres` OS user.
 */
export class PrivateCluster {
  readonly dir: string;
  readonly port: number;
  private readonly bin = pgBin();
  private readonly asRoot = process.getuid?.() === 0;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
  }

  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(): Promise<PrivateCluster> {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'mailroom-pg-'));
    const c = new PrivateCluster(path.join(parent, 'data'), await freePort());
    if (c.asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(parent, Number(stdout.trim()), Number(gid.trim()));
    }
    await c.exec('initdb', ['-D', c.dir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync']);
    await c.ctl(['start', '-w', '-t', '60', '-l', path.join(parent, 'server.log')]);
    return c;
  }

  private async exec(tool: string, args: string[]): Promise<string> {
    const file = path.join(this.bin, tool);
    const { stdout } = this.asRoot
      ? await run('runuser', ['-u', 'postgres', '--', file, ...args])
      : await run(file, args);
    return stdout;
  }

  private ctl(args: string[]): Promise<string> {
    const opts = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${path.dirname(this.dir)} -c max_connections=200 -c fsync=off`;
    return this.exec('pg_ctl', ['-D', this.dir, '-o', opts, ...args]);
  }

  /** Restarts the cluster (`fast`: clients are disconnected, work in flight is rolled back; `immediate`: a crash and recovery). */
  async restart(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.ctl([
      'restart',
      '-w',
      '-t',
      '60',
      '-m',
      mode,
      '-l',
      path.join(path.dirname(this.dir), 'server.log'),
    ]);
  }

  async stop(): Promise<void> {
    await this.ctl(['stop', '-w', '-t', '60', '-m', 'fast']).catch(() => undefined);
    rmSync(path.dirname(this.dir), { recursive: true, force: true });
  }
}
