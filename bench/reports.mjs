// The key-account reports on the scale data set (DESIGN.md §6: 100k clients, 3,000 key accounts,
// 1M activities): median wall time, CPU time and peak memory of each, node start-up included.
// Target (issue 8): crm report key-accounts under 2 s.
//
// Reads a private copy of the loaded base: $BENCH_DIR/crm.db (default /tmp/crm-scale, as
// bench/import.mjs leaves it) is copied to reports.db beside it and never touched; without it, the
// CSVs of bench/gen-scale.mjs are imported into reports.db (a few minutes, once).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, ROOT, median, printTable } from './lib.mjs';

const dir = process.env.BENCH_DIR ?? '/tmp/crm-scale';
const source = path.join(dir, 'crm.db');
const db = path.join(dir, 'reports.db');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const ENTITIES = ['staff', 'clients', 'contacts', 'account_team', 'products', 'promotions', 'responses', 'deals', 'plan_tasks', 'activities', 'goals', 'assessments'];

function crm(args, opts = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--db', db], { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  if (r.status !== 0) throw new Error(`crm ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  return r;
}

const mtime = (f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0);
const schemaTime = mtime(path.join(ROOT, 'schema.sql'));
if (mtime(db) < Math.max(mtime(source), schemaTime)) {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  if (fs.existsSync(source)) {
    // a plain copy, so only while nothing writes the loaded base (bench/import.mjs rebuilds it)
    const idle = (Date.now() - Math.max(mtime(source), mtime(`${source}-wal`))) / 1000;
    if (idle < 60) {
      console.error(`${source} was written ${idle.toFixed(0)} s ago (bench/import.mjs still loading it?): run again when it has finished`);
      process.exit(1);
    }
    console.error(`copying ${source} to ${db} …`);
    fs.copyFileSync(source, db);
    if (fs.existsSync(`${source}-wal`)) fs.copyFileSync(`${source}-wal`, `${db}-wal`);
  } else {
    if (!fs.existsSync(path.join(dir, 'activities.csv'))) {
      const g = spawnSync(process.execPath, [path.join(ROOT, 'bench/gen-scale.mjs'), '--out', dir], { stdio: 'inherit' });
      if (g.status !== 0) process.exit(1);
    }
    console.error(`importing the scale data set into ${db} (once; a few minutes) …`);
    crm(['init', '-q']);
    for (const e of ENTITIES) crm(['import', e, path.join(dir, `${e}.csv`), '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

// the file in the page cache, as on a machine that has been using it
for (const f of [db, `${db}-wal`]) {
  if (!fs.existsSync(f)) continue;
  const fd = fs.openSync(f, 'r');
  const buf = Buffer.alloc(1 << 20);
  while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
  fs.closeSync(fd);
}

const haveTime = spawnSync('/usr/bin/time', ['--version']).status === 0;
function timed(args) {
  const cmd = [process.execPath, BIN, ...args, '--db', db];
  const start = process.hrtime.bigint();
  const r = haveTime
    ? spawnSync('/usr/bin/time', ['-f', '%U %S %M', ...cmd], { encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`crm ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  let cpu = null;
  let peak = null;
  if (haveTime) {
    const [u, s, m] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
    cpu = (u + s) * 1000;
    peak = m / 1024;
  }
  return { wall, cpu, peak, rows: Math.max(0, r.stdout.trim().split('\n').length - 1), stdout: r.stdout };
}

const count = (sql) => JSON.parse(crm(['query', 'sql', sql, '--format', 'json']).stdout)[0].n;
const keys = count('SELECT count(*) AS n FROM clients WHERE is_key_account = 1 AND merged_into_id IS NULL');
const acts = count('SELECT count(*) AS n FROM activities');
if (!keys || !acts) {
  console.error(`${db} holds ${keys} key accounts and ${acts} activities: not a loaded scale base (delete it and run again)`);
  process.exit(1);
}
const national = JSON.parse(crm(['query', 'sql', 'SELECT external_id AS x FROM clients WHERE is_key_account = 1 AND id IN (SELECT parent_id FROM clients) LIMIT 1', '--format', 'json']).stdout)[0]?.x;

const asOf = ['--as-of', '2026-11-20'];
const cases = [
  ['key-accounts (CSV)', ['report', 'key-accounts', ...asOf, '--format', 'csv'], 2000],
  ['key-accounts (JSON, with settings)', ['report', 'key-accounts', ...asOf, '--format', 'json'], 2000],
  ['key-accounts --explain (CSV, every rule of every account)', ['report', 'key-accounts', ...asOf, '--explain', '--format', 'csv'], null],
  ...(national ? [[`key-accounts --client ${national} --explain`, ['report', 'key-accounts', ...asOf, '--client', national, '--explain', '--format', 'csv'], null]] : []),
  ['key-candidates', ['report', 'key-candidates', ...asOf, '--format', 'csv'], null],
  ['national-accounts', ['report', 'national-accounts', ...asOf, '--format', 'csv'], null],
];

const out = [];
for (const [what, args, target] of cases) {
  timed(args); // warm-up, not counted
  const m = [];
  for (let i = 0; i < runs; i++) m.push(timed(args));
  const wall = median(m.map((x) => x.wall));
  out.push({
    report: what,
    rows: m[0].rows,
    wall_ms: wall.toFixed(0),
    cpu_ms: haveTime ? median(m.map((x) => x.cpu)).toFixed(0) : '',
    peak_mib: haveTime ? median(m.map((x) => x.peak)).toFixed(0) : '',
    target: target ? `< ${target} ms: ${wall < target ? 'ok' : 'MISSED'}` : '',
  });
}
printTable(`crm report … over ${keys} key accounts, ${acts} activities (median of ${runs}, node start-up included, as of 2026-11-20)`, out);
