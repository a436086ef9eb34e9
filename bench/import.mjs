// crm import at the scale of DESIGN.md §6, side by side with the sqlite3 shell's .import.
//
//   node bench/import.mjs            the scale set (100k clients … 1M activities), then a ~1 GB file
//   BENCH_IMPORT_GB=0 node bench/import.mjs    skip the 1 GB memory run
//   BENCH_IMPORT_REUSE=1 node bench/import.mjs  keep a loaded $BENCH_DIR/crm.db, run only the 1 GB part
//
// Prints seconds, rows/s and peak RSS per file; leaves the loaded base at $BENCH_DIR/crm.db
// (default /tmp/crm-scale) for the other benchmarks.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { BIN, ROOT, ensureSqlite3, measure, printTable } from './lib.mjs';

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
for (const entity of reuse ? [] : ENTITIES) {
  const file = path.join(dir, `${entity}.csv`);
  const n = countRows(file);
  const m = measure(process.execPath, [BIN, 'import', entity, file, '--db', db, '-q']);
  rows.push({ file: `${entity}.csv`, MB: (fs.statSync(file).size / 1048576).toFixed(1), rows: n, seconds: m.seconds.toFixed(2), 'rows/s': Math.round(n / m.seconds), peak_MiB: m.peakMiB?.toFixed(0) ?? '?' });
  if (entity === 'activities') activityFigures = { n, seconds: m.seconds, peak: m.peakMiB };
}
if (rows.length) printTable(`crm import of the scale data set (${dir})`, rows);

if (haveSqlite && activityFigures) {
  const plain = path.join(dir, 'plain.db');
  fs.rmSync(plain, { force: true });
  const file = path.join(dir, 'activities.csv');
  const s = measure('sqlite3', [plain, '-cmd', '.mode csv', `.import ${file} activities`]);
  fs.rmSync(plain, { force: true });
  printTable('1M activities: crm import vs the sqlite3 shell .import into a plain table (goal: within 3x)', [
    { tool: 'crm import activities', seconds: activityFigures.seconds.toFixed(2), 'rows/s': Math.round(activityFigures.n / activityFigures.seconds), peak_MiB: activityFigures.peak?.toFixed(0) ?? '?', ratio: (activityFigures.seconds / s.seconds).toFixed(2) },
    { tool: 'sqlite3 .import (no types, no checks, no keys, no indexes)', seconds: s.seconds.toFixed(2), 'rows/s': Math.round(activityFigures.n / s.seconds), peak_MiB: s.peakMiB?.toFixed(0) ?? '?', ratio: '1.00' },
  ]);
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
