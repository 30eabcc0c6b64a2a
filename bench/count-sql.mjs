// A preload that counts the SQL statements a Mailroom process sends, by their first 90 characters:
//   BENCH_MAILROOM_NODE_OPTIONS="--import $PWD/bench/count-sql.mjs" BENCH_SCENARIOS=scale npm run bench
// Every 10 s it writes the counts so far to $COUNT_SQL_DIR (default /tmp/count-sql) as
// <pid>-<seconds since start>.json; the difference of two files is what ran between them
// (how the idle folders' 4 statements per round were found, bench/README.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pg = createRequire(path.join(root, 'package.json'))('pg');
const dir = process.env.COUNT_SQL_DIR ?? '/tmp/count-sql';
mkdirSync(dir, { recursive: true });

const counts = new Map();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (q, ...rest) {
  const text = typeof q === 'string' ? q : (q?.text ?? '?');
  const key = text.replace(/\s+/g, ' ').trim().slice(0, 90);
  counts.set(key, (counts.get(key) ?? 0) + 1);
  return query.call(this, q, ...rest);
};

const t0 = Date.now();
setInterval(() => {
  const seconds = String(Math.round((Date.now() - t0) / 1000)).padStart(5, '0');
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  writeFileSync(path.join(dir, `${process.pid}-${seconds}.json`), JSON.stringify(sorted));
}, 10_000).unref();
