// `npm test`: unit + integration tests (Vitest), then the browser end-to-end specs (Vitest +
// playwright-core in Debian's Chromium), then one closing line "N passed, N failed" for them all.
// The database is PGlite unless TEST_DATABASE_URL points at PostgreSQL.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, '.test-output');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const db = process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite';

let ok = true;
const exits = [];
const run = (cmd, args, what = `${cmd} ${args.join(' ')}`) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    ok = false;
    exits.push(`${what} exited with ${r.status ?? r.signal}`);
  }
  return r.status === 0;
};
const vitest = (label, args) =>
  run(
    'vitest',
    [
      'run',
      ...args,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${path.join(out, `${label}.json`)}`,
    ],
    `vitest (${label})`,
  );

console.log(`\n== Unit and integration tests (database: ${db})\n`);
vitest('unit-integration', []);

let e2eSkipped = false;
if (existsSync(chromium)) {
  console.log(`\n== End-to-end tests in ${chromium} (database: ${db})\n`);
  if (run('npm', ['run', 'build', '-w', '@mailroom/web']))
    vitest('e2e', ['--config', 'e2e/vitest.config.ts']);
} else if (process.env.MAILROOM_REQUIRE_E2E === '1') {
  console.error(`\nEnd-to-end tests need Chromium at ${chromium}: apt-get install -y chromium`);
  ok = false;
} else {
  e2eSkipped = true;
  console.warn(
    `\n!! End-to-end tests SKIPPED: no Chromium at ${chromium} (apt-get install -y chromium, or set CHROMIUM_PATH).`,
  );
}

let passed = 0;
let failed = 0;
let skipped = 0;
// Each failure is named on a line of its own ("FAILED <file> > <test>: <first line of the
// message>") just above the closing line, so that the tail of a CI log says what failed.
const failures = [];
for (const label of ['unit-integration', 'e2e']) {
  const file = path.join(out, `${label}.json`);
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  for (const file of r.testResults) {
    const where = path.relative(root, file.name);
    // A file can fail with none of its tests failed: it did not load, or a hook failed (a
    // `beforeAll` that throws leaves its tests skipped, an `afterAll` leaves them passed). Its
    // error is named too, or the closing line would say "0 failed" under a failed run.
    if (file.status === 'failed' && !file.assertionResults.some((t) => t.status === 'failed')) {
      ok = false;
      failures.push(`${where}: ${firstLine(file.message) || 'the file failed outside its tests'}`);
    }
    for (const t of file.assertionResults)
      if (t.status === 'failed')
        failures.push(`${where} > ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
  }
}
// Vitest also exits non-zero for errors outside any test (an unhandled rejection, a worker that
// died): its "Errors" section above says which. Say so here, where the tail of the log shows it.
if (failures.length === 0)
  for (const exit of exits)
    failures.push(`${exit} with no failed test named: see "Unhandled Errors" or "Errors" above`);
if (failures.length > 0) console.log(`\n${failures.map((f) => `FAILED ${f}`).join('\n')}`);
if (failed > 0) ok = false;
console.log(`\n${passed} passed, ${failed} failed${skipped || e2eSkipped ? `, ${skipped} skipped` : ''}`);
process.exit(ok ? 0 : 1);

function firstLine(message) {
  return (
    (message ?? '')
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim()
      .slice(0, 300) ?? ''
  );
}
