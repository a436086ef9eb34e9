// `crm import` on PostgreSQL beside `psql \copy` of the same CSV into a plain table, on the scale
// data set of DESIGN.md §6 (bench/gen-scale.mjs writes it to $BENCH_DIR, default /tmp/crm-scale).
// Goal (issue 12): 1M activity rows imported within 2× of psql \copy. Prints rows/s, the ratio and
// crm's peak memory.
//
//   node bench/import-pg.mjs                  the whole activities.csv (1M rows)
//   BENCH_IMPORT_PG_ROWS=200000 node bench/import-pg.mjs    only the first rows (a quicker look)
//
// A throwaway local server (scripts/pg-cluster.mjs, as the tests use). The activities refer to
// staff, clients, contacts, promotions/responses and plan tasks: those are imported first with
// crm import too (timed, shown in a second table). Needs PostgreSQL's binaries; without them it
// says so and exits 0 when BENCH_PG_OPTIONAL=1 (bench/run.mjs sets it).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { findBinDir, start, stop } from '../scripts/pg-cluster.mjs';
import { BIN, measure, printTable } from './lib.mjs';

const dir = process.env.BENCH_DIR ?? '/tmp/crm-scale';
const limit = process.env.BENCH_IMPORT_PG_ROWS ? Number(process.env.BENCH_IMPORT_PG_ROWS) : null;
const PREREQUISITES = ['staff', 'clients', 'contacts', 'promotions', 'responses', 'plan_tasks'];

if (!findBinDir()) {
  console.error('bench/import-pg: PostgreSQL is not installed (no initdb); skipped');
  process.exit(process.env.BENCH_PG_OPTIONAL === '1' ? 0 : 1);
}
for (const e of [...PREREQUISITES, 'activities']) {
  if (!fs.existsSync(path.join(dir, `${e}.csv`))) {
    console.error(`no ${e}.csv in ${dir}: run node bench/gen-scale.mjs first`);
    process.exit(1);
  }
}

/** The first `n` data rows of a CSV (rows may not span lines in the generated files). */
async function head(file, n, out) {
  const w = fs.createWriteStream(out);
  let i = -1;
  for await (const line of readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })) {
    if (i++ >= n) break;
    w.write(line + '\n');
  }
  await new Promise((r) => w.end(r));
  return out;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bench-import-pg-'));
const activities = limit ? await head(path.join(dir, 'activities.csv'), limit, path.join(work, 'activities.csv')) : path.join(dir, 'activities.csv');
let stopped = false;
const cleanup = () => {
  if (!stopped) stop(work);
  stopped = true;
  fs.rmSync(work, { recursive: true, force: true });
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

const counts = (stderr) => {
  const m = /(\d+) inserted, (\d+) updated, (\d+) unchanged, (\d+) rejected/.exec(stderr);
  return m ? m.slice(1).map(Number) : [0, 0, 0, 0];
};

try {
  console.error('starting a throwaway PostgreSQL server …');
  const env = await start(work);
  const psql = path.join(env.CRM_TEST_PG_BINDIR, 'psql');
  const url = new URL(env.CRM_TEST_PG_URL);
  spawnSync(psql, [url.toString(), '-qc', 'CREATE DATABASE crm_bench'], { stdio: 'inherit' });
  url.pathname = '/crm_bench';
  const db = url.toString();
  measure(process.execPath, [BIN, 'init', '--db', db]);

  const setup = [];
  for (const e of PREREQUISITES) {
    console.error(`crm import ${e} …`);
    const r = measure(process.execPath, [BIN, 'import', e, path.join(dir, `${e}.csv`), '--db', db]);
    const [ins, upd, , rej] = counts(r.stderr);
    setup.push({ entity: e, rows: ins + upd, rejected: rej, seconds: r.seconds.toFixed(1), 'rows/s': Math.round((ins + upd) / r.seconds), peak_MiB: r.peakMiB?.toFixed(0) ?? '?' });
  }

  // psql \copy into a plain table with the file's columns, all text: the server's raw load speed
  const header = fs.readFileSync(activities, 'utf8').slice(0, 4096).split('\n')[0];
  const cols = header.split(',').map((c) => `"${c.trim()}" text`).join(', ');
  spawnSync(psql, [db, '-qc', `CREATE TABLE plain_activities (${cols})`], { stdio: 'inherit' });
  console.error('psql \\copy activities …');
  const copy = measure(psql, [db, '-X', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy plain_activities FROM '${activities}' WITH (FORMAT csv, HEADER true)`]);
  const copied = Number(/COPY (\d+)/.exec(copy.stdout)?.[1] ?? 0);

  console.error('crm import activities …');
  const imp = measure(process.execPath, [BIN, 'import', 'activities', activities, '--db', db]);
  const [ins, upd, , rej] = counts(imp.stderr);
  const rows = ins + upd;
  const bytes = fs.statSync(activities).size;
  const version = spawnSync(psql, [db, '-Atc', 'SHOW server_version'], { encoding: 'utf8' }).stdout.trim();
  const [load1] = os.loadavg();

  printTable(`the rows the activities refer to, imported first with crm import on PostgreSQL ${version}`, setup);
  printTable(
    `${rows.toLocaleString('en-US')} activities (${(bytes / 1048576).toFixed(0)} MB CSV) on PostgreSQL ${version}, local server; load average ${load1.toFixed(1)} on ${os.cpus().length} CPUs`,
    [
      { tool: 'psql \\copy (plain table, all text)', rows: copied, seconds: copy.seconds.toFixed(1), 'rows/s': Math.round(copied / copy.seconds), peak_MiB: copy.peakMiB?.toFixed(0) ?? '?' },
      { tool: 'crm import activities', rows, seconds: imp.seconds.toFixed(1), 'rows/s': Math.round(rows / imp.seconds), peak_MiB: imp.peakMiB?.toFixed(0) ?? '?' },
    ],
  );
  const ratio = imp.seconds / copy.seconds;
  console.log(`\ncrm import / psql \\copy = ${ratio.toFixed(2)}× (goal ≤ 2×: ${ratio <= 2 ? 'ok' : 'SLOW'}); ${rej} rejected`);

  // The floor under any import into the real table: the same rows, already converted and resolved,
  // moved by the server alone from a table into activities (INSERT … SELECT, rolled back) — with
  // its keys, checks and indexes as they are, then without the foreign keys.
  const list = 'client_id, contact_id, staff_id, kind, occurred_at, outcome, subject, notes, plan_task_id, response_id, deal_id, source, external_id, created_at, created_by';
  const moved = list.replace('source, external_id', "'floor' || source, external_id");
  spawnSync(psql, [db, '-qc', 'CREATE TABLE floor_rows AS SELECT * FROM activities'], { stdio: 'inherit' });
  const fks = spawnSync(psql, [db, '-Atc', "SELECT string_agg(format('DROP CONSTRAINT %I', conname), ', ') FROM pg_constraint WHERE conrelid = 'activities'::regclass AND contype = 'f'"], { encoding: 'utf8' }).stdout.trim();
  const timed = (label, sql) => {
    const r = measure(psql, [db, '-X', '-v', 'ON_ERROR_STOP=1', '-c', '\\timing on', '-c', 'BEGIN', ...sql.map((q) => ['-c', q]).flat(), '-c', 'ROLLBACK'], { encoding: 'utf8' });
    const ms = [...r.stdout.matchAll(/Time: ([\d.]+) ms/g)].map((m) => Number(m[1]));
    return { step: label, rows, seconds: (ms[ms.length - 2] / 1000).toFixed(1), 'x psql \\copy': (ms[ms.length - 2] / 1000 / copy.seconds).toFixed(1) };
  };
  printTable('the server alone: the same rows, converted and resolved, from a plain table into activities (rolled back)', [
    timed('INSERT … SELECT with its foreign keys and indexes', [`INSERT INTO activities (${list}) SELECT ${moved} FROM floor_rows`]),
    timed('the same without the foreign keys', [`ALTER TABLE activities ${fks}`, `INSERT INTO activities (${list}) SELECT ${moved} FROM floor_rows`]),
  ]);
  if (rej > 0 || rows === 0) process.exitCode = 1;
} finally {
  cleanup();
}
