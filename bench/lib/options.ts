// Benchmark options from the environment (see bench/README.md).
export const SCENARIOS = ['latency', 'hot', 'backfill', 'scale', 'throughput', 'webhooks'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

const num = (name: string, fallback: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${name} must be a positive number (got ${JSON.stringify(v)})`);
  return n;
};

/** BENCH_SCALE (default 1) shrinks every size; a size never drops below `min`. */
export const scale = num('BENCH_SCALE', 1);
export const scaled = (n: number, min = 1): number => Math.max(min, Math.round(n * scale));

export function selectedScenarios(): ScenarioName[] {
  const raw = process.env.BENCH_SCENARIOS;
  if (!raw) return [...SCENARIOS];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!(SCENARIOS as readonly string[]).includes(n))
      throw new Error(`BENCH_SCENARIOS: unknown scenario "${n}" (known: ${SCENARIOS.join(', ')})`);
  return names as ScenarioName[];
}

export const adminDatabaseUrl =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Mailroom's log level in the child process (its stderr is kept and shown on failure). */
export const mailroomLogLevel = process.env.BENCH_LOG_LEVEL ?? 'warn';
export { num as numberOption };

const started = Date.now();
/** Progress on stderr (the table and JSON path go to stdout). */
export function log(line: string): void {
  process.stderr.write(`[bench +${Math.round((Date.now() - started) / 1000)}s] ${line}\n`);
}

/**
 * The emulator's concurrency model from the environment (issue 22 §3): `BENCH_CONCURRENCY_SCOPE`
 * `perMailbox` (Microsoft's usual reading, the default) or `perApp` (the 4 concurrent requests across
 * all of the app's mailboxes), and `BENCH_SERVICE_TIME_MS` `min-max` (how long Exchange holds a
 * request's slot; Microsoft's typical 50-300; default 0: answered at once).
 */
export function throttlingFromEnv(): {
  concurrencyScope?: 'perMailbox' | 'perApp';
  serviceTimeMinMs?: number;
  serviceTimeMaxMs?: number;
} {
  const out: ReturnType<typeof throttlingFromEnv> = {};
  const scope = process.env.BENCH_CONCURRENCY_SCOPE;
  if (scope) {
    if (scope !== 'perMailbox' && scope !== 'perApp')
      throw new Error(`BENCH_CONCURRENCY_SCOPE must be perMailbox or perApp (got ${JSON.stringify(scope)})`);
    out.concurrencyScope = scope;
  }
  const service = process.env.BENCH_SERVICE_TIME_MS;
  if (service) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(service);
    if (!m || Number(m[2] ?? m[1]) < Number(m[1]))
      throw new Error(
        `BENCH_SERVICE_TIME_MS must be "min-max" or one number (got ${JSON.stringify(service)})`,
      );
    out.serviceTimeMinMs = Number(m[1]);
    out.serviceTimeMaxMs = Number(m[2] ?? m[1]);
  }
  return out;
}
