// crm import at the scale of DESIGN.md §6, side by side with the sqlite3 shell's .import.
//
//   node bench/import.mjs            the scale set (100k clients … 1M activities), then a ~1 GB file
//   BENCH_IMPORT_GB=0 node bench/import.mjs    skip the 1 GB memory run
//   BENCH_IMPORT_REUSE=1 node bench/import.mjs  keep a loaded $BENCH_DIR/crm.db, run only the 1 GB part
//   BENCH_IMPORT_RUNS=5 node bench/import.mjs   pairs of crm vs sqlite3 runs on the 1M activities (default 3)
//
// Prints seconds, rows/s and peak RSS per file; leaves the loaded base at $BENCH_DIR/crm.db
// (default /tmp/crm-scale) for the other benchmarks. The 1M activities are then imported again
// BENCH_IMPORT_RUNS times into a copy of the base as it was before them, each time right next
// to the sqlite3 shell's .import of the same file, so both see the same machine load.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { BIN, ROOT, ensureSqlite3, measure, median, printTable } from './lib.mjs';

const dir = process.env.BENCH_DIR ?? '/tmp/crm-scale';
const db = path.join(dir, 'crm.db');
const ENTITIES = ['staff', 'clients', 'contacts', 'account_team', 'products', 'promotions', 'responses', 'deals', 'plan_tasks', 'activities', 'goals', 'assessments'];

function countRows(file) {
  return Number(spawnSync('bash', ['-c', `python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline='', encoding='utf-8'))) - 1)" '${file}'`], { encoding: 'utf8' }).stdout.trim());
}

if (!fs.existsSync(path.join(dir, 'activities.csv'))) {
  console.error(`generating the scale data set in ${dir} …`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bench/gen-scale.mjs'), '--out', dir], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}
const haveSqlite = ensureSqlite3();

const reuse = process.env.BENCH_IMPORT_REUSE === '1' && fs.existsSync(db);
if (!reuse) {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  measure(process.execPath, [BIN, 'init', '--db', db, '-q']);
}

const rows = [];
let activityFigures;
const preActivities = path.join(dir, 'crm-pre-activities.db');
for (const entity of reuse ? [] : ENTITIES) {
  const file = path.join(dir, `${entity}.csv`);
  const n = countRows(file);
  if (entity === 'activities' && haveSqlite) {
    fs.rmSync(preActivities, { force: true });
    spawnSync('sqlite3', [db, `VACUUM INTO '${preActivities}'`]);
  }
  const m = measure(process.execPath, [BIN, 'import', entity, file, '--db', db, '-q']);
  rows.push({ file: `${entity}.csv`, MB: (fs.statSync(file).size / 1048576).toFixed(1), rows: n, seconds: m.seconds.toFixed(2), 'rows/s': Math.round(n / m.seconds), peak_MiB: m.peakMiB?.toFixed(0) ?? '?' });
  if (entity === 'activities') activityFigures = { n, seconds: m.seconds, peak: m.peakMiB };
}
if (rows.length) printTable(`crm import of the scale data set (${dir})`, rows);

if (haveSqlite && activityFigures) {
  const plain = path.join(dir, 'plain.db');
  const copy = path.join(dir, 'crm-activities-run.db');
  const file = path.join(dir, 'activities.csv');
  const { n } = activityFigures;
  const runs = Math.max(1, Number(process.env.BENCH_IMPORT_RUNS ?? 3));
  const pairs = [];
  for (let run = 1; run <= runs; run++) {
    // crm into the base as it was before the activities, then sqlite3 into an empty file, back to back
    for (const f of [copy, `${copy}-wal`, `${copy}-shm`, plain]) fs.rmSync(f, { force: true });
    fs.copyFileSync(preActivities, copy);
    const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const c = measure(process.execPath, [BIN, 'import', 'activities', file, '--db', copy, '-q']);
    const s = measure('sqlite3', [plain, '-cmd', '.mode csv', `.import ${file} activities`]);
    pairs.push({ run, crm_s: c.seconds, sqlite3_s: s.seconds, crm_peak: c.peakMiB, load });
  }
  // The floor under any import into the real table: the rows as crm wrote them (converted,
  // resolved) moved by SQLite alone into the empty table — plain indexes dropped and built again
  // after, as crm does for a big file — in one transaction.
  const setup = spawnSync('sqlite3', [copy, 'CREATE TABLE floor_rows AS SELECT * FROM activities; DELETE FROM activities;'], { encoding: 'utf8' });
  const plainIndexes = spawnSync('sqlite3', [copy, "SELECT name || char(9) || sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'activities' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'"], { encoding: 'utf8' })
    .stdout.trim().split('\n').filter(Boolean).map((l) => l.split('\t'));
  let floor = null;
  if (setup.status === 0) {
    const script = ['PRAGMA foreign_keys = OFF;', 'BEGIN IMMEDIATE;', ...plainIndexes.map(([n]) => `DROP INDEX "${n}";`), 'INSERT INTO activities SELECT * FROM floor_rows;', ...plainIndexes.map(([, sql]) => `${sql};`), 'COMMIT;'].join('\n');
    floor = measure('sqlite3', [copy], { input: script });
  }
  for (const f of [copy, `${copy}-wal`, `${copy}-shm`, plain, preActivities]) fs.rmSync(f, { force: true });
  const fmt = (p) => ({
    run: p.run,
    'crm s': p.crm_s.toFixed(2),
    'crm rows/s': Math.round(n / p.crm_s),
    'crm peak_MiB': p.crm_peak?.toFixed(0) ?? '?',
    'sqlite3 s': p.sqlite3_s.toFixed(2),
    'sqlite3 rows/s': Math.round(n / p.sqlite3_s),
    ratio: (p.crm_s / p.sqlite3_s).toFixed(2),
    'load avg before': p.load,
  });
  const med = (k) => median(pairs.map((p) => p[k]));
  printTable(
    `${n} activities: crm import vs the sqlite3 shell .import into a plain table (no types, checks, keys or indexes), side by side (goal: within 3x)`,
    [...pairs.map(fmt), { ...fmt({ run: 'median', crm_s: med('crm_s'), sqlite3_s: med('sqlite3_s'), crm_peak: med('crm_peak'), load: '' }), ratio: median(pairs.map((p) => p.crm_s / p.sqlite3_s)).toFixed(2) }],
  );
  if (floor) {
    console.log(
      `\nthe floor: the same 1M rows, converted and resolved, moved by the sqlite3 shell alone from a table into activities (plain indexes dropped and built again, one transaction): ${floor.seconds.toFixed(2)} s = ${(floor.seconds / med('sqlite3_s')).toFixed(2)}x the median .import — before any reading, parsing or checking`,
    );
  }
}

if (process.env.BENCH_IMPORT_GB !== '0') {
  // ~1 GB of activities: the scale file repeated with fresh external ids, into a copy of the base
  const big = path.join(dir, 'activities-1gb.csv');
  const target = 1024 * 1048576;
  if (!fs.existsSync(big) || fs.statSync(big).size < target) {
    console.error('writing a ~1 GB activities file …');
    const out = fs.openSync(big, 'w');
    let written = 0;
    let copy = 0;
    let header = true;
    while (written < target) {
      copy++;
      const rl = readline.createInterface({ input: fs.createReadStream(path.join(dir, 'activities.csv')), crlfDelay: Infinity });
      let chunk = '';
      let first = true;
      for await (const line of rl) {
        if (first) {
          first = false;
          if (!header) continue;
          header = false;
          chunk += line + '\n';
          continue;
        }
        // the external id is the first field; a line may continue a quoted note, so only rows that start one
        chunk += (/^A-\d+,/.test(line) ? line.replace(/^(A-\d+)/, `$1-${copy}`) : line) + '\n';
        if (chunk.length > 1 << 20) {
          written += fs.writeSync(out, chunk);
          chunk = '';
        }
      }
      written += fs.writeSync(out, chunk);
    }
    fs.closeSync(out);
  }
  const copyDb = path.join(dir, 'crm-1gb.db');
  for (const f of [copyDb, `${copyDb}-wal`, `${copyDb}-shm`]) fs.rmSync(f, { force: true });
  spawnSync('sqlite3', [db, `VACUUM INTO '${copyDb}'`]);
  // the same source as the base, so the references resolve; the external ids are new
  const m = measure(process.execPath, [BIN, 'import', 'activities', big, '--db', copyDb, '-q']);
  const n = countRows(big);
  printTable('peak memory for a ~1 GB input (goal: under 300 MB)', [
    { file: path.basename(big), MB: (fs.statSync(big).size / 1048576).toFixed(0), rows: n, seconds: m.seconds.toFixed(1), 'rows/s': Math.round(n / m.seconds), peak_MiB: m.peakMiB?.toFixed(0) ?? '?' },
  ]);
  for (const f of [copyDb, `${copyDb}-wal`, `${copyDb}-shm`]) fs.rmSync(f, { force: true });
}
