// Percentiles, Markdown tables and the JSON results file (bench/results/, gitignored).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './process.ts';

/** Nearest-rank percentile of `values` (p in 0..100); NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const round = (n: number, digits = 1) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);
export const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

export interface Row {
  measure: string;
  value: string;
  target?: string;
  /** true: meets the target, false: misses it, undefined: no target. */
  ok?: boolean;
}

export function markdownTable(rows: Row[]): string {
  const lines = ['| Measure | Value | Target | |', '| --- | --- | --- | --- |'];
  for (const r of rows)
    lines.push(
      `| ${r.measure} | ${r.value} | ${r.target ?? ''} | ${r.ok === undefined ? '' : r.ok ? 'met' : '**missed**'} |`,
    );
  return lines.join('\n');
}

/** Where and on what this ran: commit, CPUs, load, Node. */
export function environment(): Record<string, unknown> {
  let commit = 'unknown';
  let dirty = false;
  try {
    commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    dirty =
      execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], {
        encoding: 'utf8',
      }).trim() !== '';
  } catch {
    // not a git checkout
  }
  return {
    commit,
    dirty,
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((l) => round(l, 2)),
  };
}

export function writeResults(kind: string, data: unknown): string {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${kind}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}
