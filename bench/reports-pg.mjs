// Every report on PostgreSQL beside SQLite, on the scale data set of DESIGN.md §6 (100k clients,
// 300k contacts, 200k responses, 200k deals, 1M activities). Goal (issue 12): each report within
// 2× of its SQLite time. Also checks that both give the same bytes.
//
//   node bench/reports-pg.mjs        BENCH_RUNS=5 for more runs (median; default 3)
//
// The SQLite side is a private copy, $BENCH_DIR/reports-pg.db (default /tmp/crm-scale), taken with
// SQLite's backup API from the loaded base crm.db that bench/import.mjs leaves (or given with
// BENCH_REPORTS_DB=FILE). The PostgreSQL side is a throwaway local server (scripts/pg-cluster.mjs,
// as the tests use: fsync off, 128 MB shared buffers), loaded with `crm migrate-to` — which is
// timed too. Needs PostgreSQL's binaries (initdb); without them it says so and exits 0 when
// BENCH_PG_OPTIONAL=1 (bench/run.mjs sets it).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { findBinDir, start, stop } from '../scripts/pg-cluster.mjs';
import { BIN, median, printTable } from './lib.mjs';

const dir = process.env.BENCH_DIR ?? '/tmp/crm-scale';
const source = path.join(dir, 'crm.db');
const file = process.env.BENCH_REPORTS_DB ?? path.join(dir, 'reports-pg.db');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const ANCHOR = '2026-11-20';

if (!findBinDir()) {
  console.error('bench/reports-pg: PostgreSQL is not installed (no initdb); skipped');
  process.exit(process.env.BENCH_PG_OPTIONAL === '1' ? 0 : 1);
}

function complete(f) {
  if (!fs.existsSync(f)) return false;
  try {
    const d = new Database(f, { readonly: true, fileMustExist: true });
    try {
      return ['clients', 'contacts', 'promotions', 'responses', 'deals', 'plan_tasks', 'activities'].every((t) => d.prepare(`SELECT EXISTS (SELECT 1 FROM ${t}) AS x`).get().x === 1);
    } finally {
      d.close();
    }
  } catch {
    return false;
  }
}

if (!complete(file)) {
  if (process.env.BENCH_REPORTS_DB || !complete(source)) {
    console.error(`no complete scale base at ${process.env.BENCH_REPORTS_DB ?? source}: run bench/import.mjs (or bench/reports.mjs) first`);
    process.exit(1);
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  console.error(`copying ${source} to ${file} …`);
  const src = new Database(source, { readonly: true, fileMustExist: true });
  await src.backup(file);
  src.close();
}

const timed = fs.existsSync('/usr/bin/time');
function run(args, db) {
  const startAt = process.hrtime.bigint();
  const cmd = [BIN, ...args, '--db', db, '-q'];
  const r = timed
    ? spawnSync('/usr/bin/time', ['-f', '%U %S %M', process.execPath, ...cmd], { encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(process.execPath, cmd, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = Number(process.hrtime.bigint() - startAt) / 1e9;
  if (r.status !== 0) throw new Error(`crm ${args.join(' ')} on ${db} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  return { wall, rowsOut: Math.max(0, r.stdout.trimEnd().split('\n').length - 1), stdout: r.stdout };
}

const national = (() => {
  const d = new Database(file, { readonly: true });
  try {
    return d.prepare('SELECT external_id AS x FROM clients WHERE is_key_account = 1 AND id IN (SELECT parent_id FROM clients) LIMIT 1').get()?.x;
  } finally {
    d.close();
  }
})();
const asOf = ['--as-of', ANCHOR];
const cases = [
  ['key-accounts', asOf],
  ['key-accounts', [...asOf, '--explain']],
  ...(national ? [['key-accounts', [...asOf, '--client', national, '--explain']]] : []),
  ['key-candidates', asOf],
  ['national-accounts', asOf],
  ['data-health', asOf],
  ['data-health', [...asOf, '--list', 'stale-contacts']],
  ['data-health', [...asOf, '--list', 'duplicates']],
  ['promotions', []],
  ['promotions', ['--by', 'staff', '--attribution-days', '30']],
  ['promotions', ['--by', 'month', '--from', '2026-01-01', '--to', '2026-06-30', '--attribution-days', '30']],
  ['follow-ups', ['--days', '14', ...asOf]],
  ['revenue', ['--from', '2025-11-21', '--to', ANCHOR]],
  ['revenue', ['--by', 'product', '--from', '2026-01-01', '--to', '2026-06-30', '--top', '10']],
  ['lost', []],
  ['weekly', ['--week', '2026-W47']],
  ['weekly', ['--week', '2026-W47', '--weeks', '8']],
  ['weekly', ['--week', '2026-W47', '--carry-over']],
];

const clusterDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bench-pg-'));
let stopped = false;
const cleanup = () => {
  if (!stopped) stop(clusterDir);
  stopped = true;
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
try {
  console.error('starting a throwaway PostgreSQL server …');
  const env = await start(clusterDir);
  const psql = path.join(env.CRM_TEST_PG_BINDIR, 'psql');
  spawnSync(psql, [env.CRM_TEST_PG_URL, '-qc', 'CREATE DATABASE crm_bench'], { stdio: 'inherit' });
  const url = new URL(env.CRM_TEST_PG_URL);
  url.pathname = '/crm_bench';
  const pgUrl = url.toString();

  console.error(`crm migrate-to ${pgUrl.replace(/\?.*/, '')} --db ${file} …`);
  const m0 = process.hrtime.bigint();
  const mig = spawnSync(process.execPath, [BIN, 'migrate-to', pgUrl, '--db', file, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const migSeconds = Number(process.hrtime.bigint() - m0) / 1e9;
  if (mig.status !== 0) throw new Error(`crm migrate-to exited ${mig.status}: ${mig.stderr.slice(0, 2000)}`);
  const copied = JSON.parse(mig.stdout);
  const total = copied.reduce((n, t) => n + t.sqlite_rows, 0);
  const byName = Object.fromEntries(copied.map((t) => [t.table, t.sqlite_rows]));

  const rows = [];
  for (const [name, args] of cases) {
    const argv = ['report', name, ...args, '--format', 'csv'];
    const a0 = run(argv, file); // warm-up, not counted (also the output to compare)
    const b0 = run(argv, pgUrl);
    const a = [];
    const b = [];
    for (let i = 0; i < runs; i++) {
      a.push(run(argv, file).wall);
      b.push(run(argv, pgUrl).wall);
    }
    const [sa, sb] = [median(a), median(b)];
    rows.push({
      report: `${name} ${args.join(' ')}`.trim(),
      rows_out: a0.rowsOut,
      sqlite_s: sa.toFixed(2),
      postgres_s: sb.toFixed(2),
      ratio: (sb / sa).toFixed(2),
      'goal ≤ 2×': sb <= 2 * sa ? 'ok' : 'SLOW',
      same_output: a0.stdout === b0.stdout ? 'yes' : 'DIFFERS',
    });
  }
  const [load1] = os.loadavg();
  printTable(
    `crm migrate-to: ${total} rows of ${copied.length} tables copied and checked in ${migSeconds.toFixed(1)} s (${Math.round(total / migSeconds)} rows/s)`,
    copied.map((t) => ({ table: t.table, rows: t.sqlite_rows, match: t.match })).filter((t) => t.rows > 0),
  );
  printTable(
    `crm report on SQLite and on PostgreSQL ${spawnSync(psql, [pgUrl, '-Atc', 'SHOW server_version'], { encoding: 'utf8' }).stdout.trim()} (local server): ${byName.clients} clients, ${byName.activities} activities, ${byName.deals} deals, ${byName.responses} responses (CSV to a pipe; median of ${runs}; node start-up included; load average ${load1.toFixed(1)})`,
    rows,
  );
  if (rows.some((r) => r.same_output !== 'yes')) process.exitCode = 1;
} finally {
  cleanup();
}
