// `npm run bench`: Mailroom's benchmark harness (issue 7). Starts the Microsoft 365 emulator (in this
// process, throttling at Microsoft's limits), Mailroom as a child process on a fresh PostgreSQL
// database per scenario, runs the scenarios, prints a Markdown table per scenario and writes
// bench/results/bench-<time>.json. Options (environment): see bench/README.md.
import { backfill } from './scenarios/backfill.ts';
import { hot } from './scenarios/hot.ts';
import { latency } from './scenarios/latency.ts';
import { scale as scaleScenario } from './scenarios/scale.ts';
import { throughput } from './scenarios/throughput.ts';
import { webhooks } from './scenarios/webhooks.ts';
import type { ScenarioResult } from './scenarios/types.ts';
import { log, scale, selectedScenarios, type ScenarioName } from './lib/options.ts';
import { environment, markdownTable, writeResults } from './lib/report.ts';

const section = (r: ScenarioResult & { seconds: number; loadAverageAfter: number[]; commit: string }) =>
  [
    `## ${r.name}`,
    '',
    `${r.summary}. (Commit ${r.commit}; ${r.seconds} s; load average after ${JSON.stringify(r.loadAverageAfter)})`,
    '',
    markdownTable(r.rows),
  ].join('\n');

const scenarios: Record<ScenarioName, () => Promise<ScenarioResult>> = {
  latency,
  hot,
  backfill,
  scale: scaleScenario,
  throughput,
  webhooks,
};

const names = selectedScenarios();
const env0 = environment();
log(
  `scenarios: ${names.join(', ')}; BENCH_SCALE=${scale}; commit ${String(env0.commit)}${env0.dirty ? ' (uncommitted changes)' : ''}; load ${JSON.stringify(env0.loadAverage)}`,
);
const results: (ScenarioResult & {
  commit: string;
  startedAt: string;
  seconds: number;
  loadAverageAfter: number[];
})[] = [];
const failures: { name: string; error: string }[] = [];
for (const name of names) {
  const t = Date.now();
  // The commit (and whether the tree had uncommitted changes) when this scenario's Mailroom started.
  const envAtStart = environment();
  log(
    `${name}: start (commit ${String(envAtStart.commit)}${envAtStart.dirty ? ', uncommitted changes' : ''})`,
  );
  try {
    const r = await scenarios[name]();
    const done = {
      ...r,
      commit: `${String(envAtStart.commit)}${envAtStart.dirty ? '+dirty' : ''}`,
      startedAt: new Date(t).toISOString(),
      seconds: Math.round((Date.now() - t) / 1000),
      loadAverageAfter: environment().loadAverage as number[],
    };
    results.push(done);
    log(`${name}: done in ${done.seconds} s\n\n${section(done)}\n`);
  } catch (err) {
    // undici's "fetch failed" says why only in its cause.
    const cause = err instanceof Error && err.cause !== undefined ? `\ncause: ${String(err.cause)}` : '';
    const error = (err instanceof Error ? (err.stack ?? err.message) : String(err)) + cause;
    failures.push({ name, error });
    log(`${name}: FAILED: ${error}`);
  }
}

const out: string[] = [
  `# Mailroom benchmark — ${new Date().toISOString().slice(0, 16)}Z`,
  '',
  `Commit ${String(env0.commit)}${env0.dirty ? ' (with uncommitted changes)' : ''}, Node ${String(env0.node)}, ${String(env0.cpus)} CPUs, load average at start ${JSON.stringify(env0.loadAverage)}, BENCH_SCALE=${scale}.`,
];
for (const r of results) out.push('', section(r));
for (const f of failures) out.push('', `## ${f.name}`, '', `FAILED: ${f.error.split('\n')[0]}`);
const file = writeResults('bench', {
  environment: env0,
  scale,
  results: results.map(({ rows, ...r }) => ({ ...r, table: rows })),
  failures,
});
out.push('', `Results: ${file}`);
console.log(out.join('\n'));
process.exit(failures.length ? 1 : 0);
