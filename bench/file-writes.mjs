#!/usr/bin/env node
// What a blob costs the kernel on this machine (a measurement, not a test): CPU per file for the
// ways a blob could be written, in a directory on the disk Mailroom's data lives on and on tmpfs.
//
//   npm exec -- node bench/file-writes.mjs [dir …]     (default: the OS temp dir and /dev/shm; FILES=2000 SIZE=40000)
//
// The blob store (apps/server/src/blobs/fs-store.ts) writes each blob as a new file that is renamed
// into place; the throughput benchmark makes about 1.5 of them per email (the MIME, and the decoded
// attachments of a quarter of the emails). Synchronous calls, so that the CPU is the call's own and
// not libuv's thread pool's hand-offs.
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FILES = Number(process.env.FILES ?? 2000);
const SIZE = Number(process.env.SIZE ?? 40_000);
const dirs = process.argv.slice(2).length
  ? process.argv.slice(2)
  : [tmpdir(), ...(existsSync('/dev/shm') ? ['/dev/shm'] : [])];
const content = randomBytes(SIZE);

/** CPU milliseconds (user + system) per call of `fn(i)`, over FILES calls. */
function cpuPerCall(fn) {
  const start = process.cpuUsage();
  for (let i = 0; i < FILES; i++) fn(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / FILES;
}

const rows = [];
for (const base of dirs) {
  const dir = mkdtempSync(join(base, 'mailroom-file-writes-'));
  try {
    mkdirSync(join(dir, 'tmp'));
    const fd = openSync(join(dir, 'appended'), 'w');
    rows.push({
      dir: base,
      'new file': cpuPerCall((i) => writeFileSync(join(dir, 'tmp', `n${i}`), content)),
      'new file + rename (the blob store)': cpuPerCall((i) => {
        writeFileSync(join(dir, 'tmp', `r${i}`), content);
        renameSync(join(dir, 'tmp', `r${i}`), join(dir, `b${i}`));
      }),
      'same file rewritten': cpuPerCall(() => writeFileSync(join(dir, 'same'), content)),
      'appended to one open file': cpuPerCall(() => writeSync(fd, content)),
    });
    closeSync(fd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`CPU ms per call, ${FILES} calls of ${SIZE} bytes\n`);
const columns = Object.keys(rows[0] ?? {}).filter((k) => k !== 'dir');
console.log(`| Directory | ${columns.join(' | ')} |`);
console.log(`| --- | ${columns.map(() => '---').join(' | ')} |`);
for (const r of rows) console.log(`| ${r.dir} | ${columns.map((c) => r[c].toFixed(3)).join(' | ')} |`);
