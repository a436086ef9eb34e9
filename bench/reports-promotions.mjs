// crm report promotions, follow-ups, revenue and lost at the scale of DESIGN.md §6 (100k clients,
// 200k responses, 200k deals, 1M activities). Goal: each under 2 s, node start-up included.
//
//   node bench/reports-promotions.mjs       BENCH_RUNS=5 for more runs (median; default 3)
//
// Works on its own copy, $BENCH_DIR/bench-reports.db (default /tmp/crm-scale), taken with SQLite's
// backup API from the loaded base crm.db that bench/import.mjs leaves (never that file itself), when
// that base is complete; otherwise it builds the base from the CSVs (crm init + crm import). Delete
// the copy to take a fresh one; BENCH_REPORTS_DB=FILE uses FILE instead.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BIN, ROOT, measure, median, printTable } from './lib.mjs';

const dir = process.env.BENCH_DIR ?? '/tmp/crm-scale';
const source = path.join(dir, 'crm.db');
const db = process.env.BENCH_REPORTS_DB ?? path.join(dir, 'bench-reports.db');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const ENTITIES = ['staff', 'clients', 'contacts', 'account_team', 'products', 'promotions', 'responses', 'deals', 'plan_tasks', 'activities', 'goals', 'assessments'];
// the scale set's anchor date, as in fixtures/: every date lies on or before it
const ANCHOR = '2026-11-20';

const crm = (args) => spawnSync(process.execPath, [BIN, ...args, '--db', db], { encoding: 'utf8', maxBuffer: 1 << 30 });
const remove = () => {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
};
/** every table the reports read holds rows (a base still being imported by someone does not) */
function complete(file) {
  if (!fs.existsSync(file)) return false;
  try {
    const d = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return ['clients', 'promotions', 'responses', 'deals', 'activities'].every((t) => d.prepare(`SELECT EXISTS (SELECT 1 FROM ${t}) AS x`).get().x === 1);
    } finally {
      d.close();
    }
  } catch {
    return false;
  }
}
const usable = () => complete(db) && crm(['report', 'lost', '--section', 'reasons', '--format', 'csv', '-q']).status === 0;

if (!usable()) {
  if (process.env.BENCH_REPORTS_DB) {
    console.error(`${db} is not a complete crm base`);
    process.exit(1);
  }
  remove();
  if (complete(source)) {
    console.error(`copying ${source} to ${db} …`);
    const src = new Database(source, { readonly: true, fileMustExist: true });
    await src.backup(db);
    src.close();
  }
}
if (!usable()) {
  remove();
  if (!fs.existsSync(path.join(dir, 'activities.csv'))) {
    console.error(`generating the scale data set in ${dir} …`);
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bench/gen-scale.mjs'), '--out', dir], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(1);
  }
  console.error(`loading the scale data set into ${db} (a few minutes) …`);
  measure(process.execPath, [BIN, 'init', '--db', db, '-q']);
  for (const e of ENTITIES) measure(process.execPath, [BIN, 'import', e, path.join(dir, `${e}.csv`), '--db', db, '-q']);
}

const count = (table) => crm(['query', 'sql', `SELECT count(*) AS n FROM ${table}`, '--format', 'csv']).stdout.trim().split('\n')[1];
const cases = [
  ['promotions', []],
  ['promotions', ['--by', 'staff', '--attribution-days', '30']],
  ['promotions', ['--by', 'client-type', '--attribution-days', '30']],
  ['promotions', ['--by', 'month', '--from', '2026-01-01', '--to', '2026-06-30', '--attribution-days', '30']],
  ['follow-ups', ['--days', '14', '--as-of', ANCHOR]],
  ['follow-ups', ['--days', '14', '--as-of', '2025-11-20']],
  ['revenue', ['--from', '2025-11-21', '--to', ANCHOR]],
  ['revenue', ['--by', 'product', '--from', '2026-01-01', '--to', '2026-06-30', '--top', '10']],
  ['lost', []],
  ['lost', ['--section', 'reasons']],
];
/** wall and CPU seconds (user + system, via GNU time when present) of one run */
function run(args) {
  const start = process.hrtime.bigint();
  const timed = fs.existsSync('/usr/bin/time');
  const r = timed
    ? spawnSync('/usr/bin/time', ['-f', '%U %S %M', process.execPath, BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`crm ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  const [user, sys, kb] = timed ? r.stderr.trimEnd().split('\n').pop().split(' ').map(Number) : [NaN, NaN, NaN];
  return { wall, cpu: user + sys, peakMiB: kb / 1024, rowsOut: Math.max(0, r.stdout.trimEnd().split('\n').length - 1) };
}

const rows = [];
for (const [name, args] of cases) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(run(['report', name, ...args, '--db', db, '--format', 'csv', '-q']));
  const wall = median(results.map((x) => x.wall));
  rows.push({
    command: `crm report ${name} ${args.join(' ')}`.trim(),
    rows_out: results[0].rowsOut,
    median_s: wall.toFixed(2),
    cpu_s: median(results.map((x) => x.cpu)).toFixed(2),
    peak_MiB: median(results.map((x) => x.peakMiB)).toFixed(0),
    'goal < 2 s': wall < 2 ? 'ok' : 'SLOW',
  });
}
const [load1] = (await import('node:os')).loadavg();
printTable(
  `crm report over ${count('responses')} responses, ${count('deals')} deals, ${count('activities')} activities, ${count('clients')} clients (CSV to a pipe; median of ${runs}; node start-up included; cpu = user + system; load average ${load1.toFixed(1)})`,
  rows,
);
