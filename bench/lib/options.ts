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
