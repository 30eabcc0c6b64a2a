// `npm run chaos`: the long form of the crash test. Mailroom is killed with SIGKILL many times while
// mail arrives; prints counts and writes bench/results/chaos-<date>.json. Env: CHAOS_KILLS (100),
// CHAOS_MESSAGES (300), TEST_DATABASE_URL (PostgreSQL instead of PGlite).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChaos } from '../apps/server/test/chaos/harness.ts';

const kills = Number(process.env.CHAOS_KILLS ?? 100);
const messages = Number(process.env.CHAOS_MESSAGES ?? 300);
const report = await runChaos({ kills, messages, log: (l) => console.log(l) });
const ok = report.missing.length === 0 && report.duplicates.length === 0 && report.pending === 0;
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `chaos-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ database: process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite', ...report }, null, 2));
console.log(JSON.stringify({ ...report, missing: report.missing.length, duplicates: report.duplicates.length }));
console.log(ok ? 'chaos: every email exactly once' : 'chaos: FAILED');
process.exit(ok ? 0 : 1);
