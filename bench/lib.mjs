// Small helpers shared by the benchmark scripts: timing, peak memory, tables of figures.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(ROOT, 'bin/crm.js');

/** Runs a command, returns wall seconds and peak RSS in MiB (via GNU time when present). */
export function measure(cmd, args, opts = {}) {
  const useTime = spawnSync('/usr/bin/time', ['--version']).status === 0;
  const start = process.hrtime.bigint();
  const r = useTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, ...opts })
    : spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  let peakMiB = null;
  if (useTime) {
    const lines = r.stderr.trimEnd().split('\n');
    peakMiB = Number(lines.pop()) / 1024;
    r.stderr = lines.join('\n');
  }
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  }
  return { seconds, peakMiB, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

/** Median wall milliseconds of n runs. */
export function wallMs(n, cmd, args, opts = {}) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    spawnSync(cmd, args, { stdio: 'ignore', ...opts });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

export function printTable(title, rows) {
  console.log(`\n## ${title}`);
  const keys = Object.keys(rows[0] ?? {});
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  console.log(line(keys));
  for (const r of rows) console.log(line(keys.map((k) => r[k])));
}

export function ensureSqlite3() {
  if (spawnSync('sqlite3', ['-version']).status === 0) return true;
  console.error('sqlite3 shell missing; trying apt-get install -y sqlite3');
  spawnSync('apt-get', ['install', '-y', 'sqlite3'], { stdio: 'inherit' });
  return spawnSync('sqlite3', ['-version']).status === 0;
}
