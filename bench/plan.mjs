// The weekly plan review and `crm plan next` at the scale of DESIGN.md §6 (100k clients, 1M
// activities, ~66k plan tasks over 10 weeks, 3,000 key accounts, 400 staff). Goal: each under 2 s.
//
// The base: $BENCH_DIR/plan.db (default /tmp/crm-scale). It is a copy of $BENCH_DIR/crm.db when
// that file has the current schema (bench/import.mjs leaves it there), else built from the CSVs
// with crm init + crm import, once; rebuilt when schema.sql is newer. Never writes to crm.db.
// `plan next --yes` runs on a throw-away copy. BENCH_RUNS=3 (median), BENCH_WEEK=2026-W47.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BIN, ROOT, measure, median, printTable } from './lib.mjs';

const dir = process.env.BENCH_DIR ?? '/tmp/crm-scale';
const base = path.join(dir, 'plan.db');
const week = process.env.BENCH_WEEK ?? '2026-W47';
const runs = Number(process.env.BENCH_RUNS ?? 3);
const ENTITIES = ['staff', 'clients', 'contacts', 'account_team', 'products', 'promotions', 'responses', 'deals', 'plan_tasks', 'activities', 'goals', 'assessments'];

/** The schema of a database: every CREATE statement, and the version. */
function schemaOf(file) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const sql = db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all().map((r) => `${r.type} ${r.name} ${r.sql}`);
    return `${db.pragma('user_version', { simple: true })}\n${sql.join('\n')}`;
  } finally {
    db.close();
  }
}

function currentSchema() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bench-plan-'));
  try {
    measure(process.execPath, [BIN, 'init', '--db', path.join(tmp, 'x.db'), '-q']);
    return schemaOf(path.join(tmp, 'x.db'));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function removeDb(file) {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
}

function prepareBase() {
  const fresh = fs.existsSync(base) && fs.statSync(base).mtimeMs > fs.statSync(path.join(ROOT, 'schema.sql')).mtimeMs;
  if (fresh) return 'cached';
  const schema = currentSchema();
  const loaded = path.join(dir, 'crm.db');
  removeDb(base);
  if (fs.existsSync(loaded) && !fs.existsSync(`${loaded}-wal`) && schemaOf(loaded) === schema) {
    console.error(`copying ${loaded} to ${base} …`);
    fs.copyFileSync(loaded, base);
    return `copy of ${loaded}`;
  }
  if (!fs.existsSync(path.join(dir, 'activities.csv'))) {
    console.error(`generating the scale data set in ${dir} …`);
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bench/gen-scale.mjs'), '--out', dir], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(1);
  }
  console.error(`loading the scale data set into ${base} (a few minutes, once) …`);
  measure(process.execPath, [BIN, 'init', '--db', base, '-q']);
  for (const e of ENTITIES) measure(process.execPath, [BIN, 'import', e, path.join(dir, `${e}.csv`), '--db', base, '-q']);
  return 'built from the CSVs';
}

const origin = prepareBase();
const counts = (() => {
  const db = new Database(base, { readonly: true });
  try {
    const one = (sql) => Object.values(db.prepare(sql).get())[0];
    return {
      clients: one('SELECT count(*) FROM clients'),
      key: one('SELECT count(*) FROM clients WHERE is_key_account = 1'),
      activities: one('SELECT count(*) FROM activities'),
      tasks: one('SELECT count(*) FROM plan_tasks'),
      weekTasks: one(`SELECT count(*) FROM plan_tasks WHERE week = '${week}'`),
      staff: one('SELECT count(*) FROM staff'),
    };
  } finally {
    db.close();
  }
})();

/** Wall and CPU seconds (user + sys, via GNU time) of one run: on a busy shared machine the CPU time tells what the wall time would be on an idle one. */
function run(args) {
  const hasTime = spawnSync('/usr/bin/time', ['--version']).status === 0;
  const start = process.hrtime.bigint();
  const r = hasTime
    ? spawnSync('/usr/bin/time', ['-f', '%U %S %M', process.execPath, BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  let cpu = null;
  let peak = null;
  if (hasTime) {
    const lines = r.stderr.trimEnd().split('\n');
    const [u, sys, kb] = lines.pop().split(' ').map(Number);
    cpu = u + sys;
    peak = kb / 1024;
    r.stderr = lines.join('\n');
  }
  if (r.status !== 0) throw new Error(`crm ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  return { wall, cpu, peak, stdout: r.stdout };
}

function timed(what, args, db = base, n = runs) {
  const results = [];
  for (let i = 0; i < n; i++) results.push(run([...args, '--db', db, '-q']));
  const last = results[results.length - 1];
  const wall = median(results.map((x) => x.wall));
  const cpu = last.cpu === null ? null : median(results.map((x) => x.cpu));
  const rows = last.stdout.trim() ? last.stdout.trim().split('\n').length - 1 : 0;
  return {
    command: what,
    rows_out: rows,
    wall_s: wall.toFixed(2),
    cpu_s: cpu?.toFixed(2) ?? '?',
    peak_MiB: last.peak?.toFixed(0) ?? '?',
    goal: wall < 2 ? 'ok (< 2 s)' : 'SLOW (>= 2 s)',
  };
}

const rows = [
  timed(`crm report weekly --week ${week}`, ['report', 'weekly', '--week', week, '--format', 'csv']),
  timed(`crm report weekly --week ${week} --carry-over`, ['report', 'weekly', '--week', week, '--carry-over', '--format', 'csv']),
  timed(`crm report weekly --week ${week} --weeks 8`, ['report', 'weekly', '--week', week, '--weeks', '8', '--format', 'csv']),
  timed(`crm plan list --week ${week}`, ['plan', 'list', '--week', week, '--format', 'csv']),
  timed(`crm plan next --week ${week} --dry-run`, ['plan', 'next', '--week', week, '--dry-run', '--format', 'csv']),
];

// the writing run on a copy: once, then again (idempotent: nothing left to propose)
const copy = path.join(dir, 'plan-next-bench.db');
removeDb(copy);
fs.copyFileSync(base, copy);
try {
  rows.push(timed(`crm plan next --week ${week} --yes (writes)`, ['plan', 'next', '--week', week, '--yes', '--format', 'csv'], copy, 1));
  rows.push(timed(`crm plan next --week ${week} --yes (again: nothing new)`, ['plan', 'next', '--week', week, '--yes', '--format', 'csv'], copy, 1));
} finally {
  removeDb(copy);
}

printTable(
  `weekly plans at scale: ${counts.clients} clients (${counts.key} key accounts), ${counts.activities} activities, ${counts.tasks} plan tasks (${counts.weekTasks} in ${week}), ${counts.staff} staff; base ${origin}; median of ${runs}, node start-up included; cpu_s = user + sys; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`,
  rows,
);
