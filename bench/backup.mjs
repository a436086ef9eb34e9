// Backup of a ~1 GB database: `crm backup` side by side with the sqlite3 shell's `.backup` (and
// VACUUM INTO, and .backup followed by the same integrity_check, for reference). Goal: crm backup
// within 1.5x the time of `.backup`. The methods take turns within each run, so a load that comes
// and goes (other benchmarks on the machine) falls on all of them alike; prints every run, the
// medians, MB/s, peak RSS, the ratio, the load average, and crm's own breakdown (copy / sync /
// check / hash) from its manifest; then the same under a steady writer, which is what the copy
// method was chosen for.
//
// The database is built once and cached: $BENCH_BACKUP_DIR (default /tmp/crm-bench-backup).
// BENCH_RUNS=3 (median), BENCH_BACKUP_MB=1000, BENCH_COMPRESS=0 to skip the (slow) gzip row.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BIN, ensureSqlite3, measure, median, printTable } from './lib.mjs';

const work = process.env.BENCH_BACKUP_DIR ?? '/tmp/crm-bench-backup';
const runs = Number(process.env.BENCH_RUNS ?? 3);
const targetMb = Number(process.env.BENCH_BACKUP_MB ?? 1000);
const withCompress = process.env.BENCH_COMPRESS !== '0';
const db = path.join(work, `bench-${targetMb}mb-v1.db`);
const out = path.join(work, 'out');

if (!ensureSqlite3()) {
  console.error('bench/backup: the sqlite3 shell is needed for the comparison; skipped');
  process.exit(0);
}
fs.mkdirSync(work, { recursive: true });

/** Realistic tables at the scale of DESIGN.md §6, then scanned-document blobs up to the target size. */
function build() {
  console.error(`building ${db} (~${targetMb} MB, once; cached for later runs) …`);
  const t = Date.now();
  const tmp = `${db}.building`;
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true });
  const init = spawnSync(process.execPath, [BIN, 'init', '--db', tmp, '--quiet']);
  if (init.status !== 0) throw new Error(`crm init failed: ${init.stderr}`);
  const c = new Database(tmp);
  c.pragma('journal_mode = WAL');
  c.pragma('synchronous = OFF');
  const rows = (n, sql) => c.exec(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${n}) ${sql}`);
  c.transaction(() => {
    rows(200, `INSERT INTO staff (id, name, role, region) SELECT i, 'Сотрудник ' || i, CASE i % 5 WHEN 0 THEN 'account_manager' WHEN 1 THEN 'field_rep' WHEN 2 THEN 'sales_manager' WHEN 3 THEN 'executive' ELSE 'service' END, 'Регион ' || (i % 40) FROM c`);
    rows(100_000, `INSERT INTO clients (id, name, client_type, region, city, address, phone, email, inn, status, is_key_account, purchase_potential_minor, manager_id)
      SELECT i, 'ООО «Клиент ' || i || '»', CASE i % 4 WHEN 0 THEN 'retail' WHEN 1 THEN 'wholesale' WHEN 2 THEN 'manufacturer' ELSE 'distributor' END,
        'Регион ' || (i % 40), 'Город ' || (i % 300), 'ул. Ленина, д. ' || (i % 200) || ', офис ' || i, '+7 495 ' || printf('%07d', i), 'info' || i || '@client' || i || '.ru',
        printf('%010d', 7700000000 + i), CASE WHEN i % 10 = 0 THEN 'prospect' ELSE 'active' END, CASE WHEN i % 100 = 0 THEN 1 ELSE 0 END, (i % 1000) * 100000, 1 + i % 200 FROM c`);
    rows(300_000, `INSERT INTO contacts (id, client_id, full_name, position, level, phone, email)
      SELECT i, 1 + i % 100000, 'Иванов Иван Иванович ' || i, 'Менеджер по закупкам', CASE i % 3 WHEN 0 THEN 'executive' WHEN 1 THEN 'manager' ELSE 'staff' END, '+7 916 ' || printf('%07d', i), 'contact' || i || '@mail.ru' FROM c`);
    rows(200_000, `INSERT INTO deals (id, client_id, owner_id, title, amount_minor, stage, opened_on, closed_on)
      SELECT i, 1 + i % 100000, 1 + i % 200, 'Поставка ' || i, (i % 5000) * 10000, CASE i % 3 WHEN 0 THEN 'open' WHEN 1 THEN 'won' ELSE 'lost' END,
        date('2020-01-01', '+' || (i % 1500) || ' days'), CASE WHEN i % 3 = 0 THEN NULL ELSE date('2020-01-01', '+' || (i % 1500 + 30) || ' days') END FROM c`);
    rows(1_000_000, `INSERT INTO activities (id, client_id, contact_id, staff_id, kind, occurred_at, outcome, subject, notes)
      SELECT i, 1 + i % 100000, 1 + i % 300000, 1 + i % 200, CASE i % 4 WHEN 0 THEN 'call' WHEN 1 THEN 'meeting' WHEN 2 THEN 'email' ELSE 'visit' END,
        datetime('2020-01-01 09:00', '+' || (i % 2000) || ' days', '+' || (i % 480) || ' minutes'), CASE i % 3 WHEN 0 THEN 'success' WHEN 1 THEN 'neutral' ELSE 'failure' END,
        'Звонок по поставке ' || i, 'Обсудили условия договора, клиент просит скидку ' || (i % 15) || '%' FROM c`);
  })();
  c.pragma('wal_checkpoint(TRUNCATE)');
  const realistic = fs.statSync(tmp).size;
  const blobs = Math.max(0, Math.round((targetMb * 1e6 - realistic) / 6100));
  c.exec('CREATE TABLE bench_attachments (id INTEGER PRIMARY KEY, client_id INTEGER, name TEXT, body BLOB)');
  c.transaction(() => rows(blobs, `INSERT INTO bench_attachments SELECT i, 1 + i % 100000, 'scan-' || i || '.pdf', randomblob(6000) FROM c`))();
  c.exec('VACUUM'); // the state every run leaves it in (see the end of this script)
  c.pragma('wal_checkpoint(TRUNCATE)');
  c.close();
  fs.renameSync(tmp, db);
  console.error(`built in ${((Date.now() - t) / 1000).toFixed(0)} s: ${(fs.statSync(db).size / 1e6).toFixed(0)} MB (${(realistic / 1e6).toFixed(0)} MB of tables and indexes, ${blobs} blobs of 6 KB)`);
}

if (!fs.existsSync(db)) build();
const sizeMb = fs.statSync(db).size / 1e6;

function clean() {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  spawnSync('sync'); // write back the previous run's copy now, not during the next one
}

function readManifest() {
  const m = fs.existsSync(out) ? fs.readdirSync(out).find((n) => n.endsWith('.json')) : undefined;
  return m ? JSON.parse(fs.readFileSync(path.join(out, m), 'utf8')) : null;
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

// warm the page cache with the source once, so every method reads it from memory
spawnSync('sqlite3', [db, 'SELECT count(*) FROM bench_attachments; SELECT count(*) FROM activities;']);
spawnSync('cat', [db], { stdio: ['ignore', 'ignore', 'ignore'] });

const target = path.join(out, 'copy.db');
const crmBackup = (...flags) => [process.execPath, [BIN, 'backup', '--db', db, '--to', out, '--quiet', ...flags]];
const methods = [
  { name: 'sqlite3 .backup', run: ['sqlite3', [db, `.backup '${target}'`]] },
  { name: 'sqlite3 VACUUM INTO', run: ['sqlite3', [db, `VACUUM INTO '${target}'`]] },
  // what the shell takes for the same promise as crm backup: the copy, then its integrity_check
  { name: 'sqlite3 .backup + integrity_check', run: ['sh', ['-c', `sqlite3 '${db}' ".backup '${target}'" && sqlite3 '${target}' 'PRAGMA integrity_check' >/dev/null`]] },
  { name: 'crm backup', run: crmBackup() },
  { name: 'crm backup --check quick', run: crmBackup('--check', 'quick') },
];
const loadBefore = load();
const results = methods.map((m) => ({ ...m, times: [], peak: 0, manifest: null }));
for (let i = 0; i < runs; i++) {
  for (const r of results) {
    clean();
    const t = measure(...r.run);
    r.times.push(t.seconds);
    r.peak = Math.max(r.peak, t.peakMiB ?? 0);
    r.manifest = readManifest();
  }
}
for (const r of results) r.seconds = median(r.times);
if (withCompress) {
  clean();
  const r = measure(...crmBackup('--compress'));
  results.push({ name: 'crm backup --compress (1 run)', times: [r.seconds], seconds: r.seconds, peak: r.peakMiB ?? 0, manifest: readManifest() });
}

const base = results[0].seconds;
printTable(`backup of a ${sizeMb.toFixed(0)} MB database, median of ${runs} runs, methods taking turns (goal: crm backup <= 1.5x sqlite3 .backup); load average ${loadBefore} before, ${load()} after, ${os.availableParallelism()} cores`, results.map((r) => ({
  method: r.name,
  seconds: r.seconds.toFixed(2),
  runs: r.times.map((t) => t.toFixed(2)).join(' '),
  'MB/s': (sizeMb / r.seconds).toFixed(0),
  peak_rss_mib: r.peak ? r.peak.toFixed(0) : '?',
  ratio_to_backup: (r.seconds / base).toFixed(2),
})));
const steps = ['copy', 'sync', 'check', 'hash', 'compress', 'total'];
printTable(
  'crm backup, where the time goes (ms, last run, from its manifest; check runs beside hash/compress)',
  results.filter((r) => r.manifest).map((r) => ({ method: r.name, copy_by: r.manifest.copy ?? '?', ...Object.fromEntries(steps.map((s) => [s, r.manifest.timings_ms[s] ?? '-'])), stored_mb: (r.manifest.bytes / 1e6).toFixed(0) })),
);

// verify and restore, once each
clean();
measure(process.execPath, [BIN, 'backup', '--db', db, '--to', out, '--quiet']);
const file = path.join(out, fs.readdirSync(out).find((n) => /^crm-.*\.db$/.test(n)));
const verify = measure(process.execPath, [BIN, 'backup', 'verify', file, '--db', db, '--quiet']);
const scratch = path.join(work, 'restore-target.db');
fs.copyFileSync(db, scratch);
const restore = measure(process.execPath, [BIN, 'restore', file, '--db', scratch, '--yes', '--quiet']);
for (const f of fs.readdirSync(work)) if (f.startsWith('restore-target.db')) fs.rmSync(path.join(work, f), { force: true });
printTable('verify and restore (1 run)', [
  { command: 'crm backup verify FILE', seconds: verify.seconds.toFixed(2), peak_rss_mib: verify.peakMiB?.toFixed(0) ?? '?' },
  { command: 'crm restore FILE --yes', seconds: restore.seconds.toFixed(2), peak_rss_mib: restore.peakMiB?.toFixed(0) ?? '?' },
]);

// under a steady writer: one small transaction after another for the whole run
const writerScript = path.join(work, 'writer.mjs');
fs.writeFileSync(
  writerScript,
  `import Database from ${JSON.stringify(new URL('../node_modules/better-sqlite3/lib/index.js', import.meta.url).pathname)};
   const db = new Database(process.argv[2]); db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL'); db.pragma('busy_timeout = 10000');
   db.exec('CREATE TABLE IF NOT EXISTS bench_writes (id INTEGER PRIMARY KEY, at INTEGER)');
   const ins = db.prepare('INSERT INTO bench_writes (at) VALUES (?)');
   let n = 0, stop = false; process.on('SIGTERM', () => { stop = true; });
   const tick = () => { const end = Date.now() + 50; while (Date.now() < end) { ins.run(Date.now()); n++; } if (stop) { process.stdout.write(String(n)); process.exit(0); } setImmediate(tick); };
   tick();`,
);
async function underWriter(name, cmd, args, timeoutS) {
  clean();
  const w = spawn(process.execPath, [writerScript, db], { stdio: ['ignore', 'pipe', 'inherit'] });
  let commits = '';
  w.stdout.on('data', (d) => (commits += d));
  await new Promise((r) => setTimeout(r, 500));
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { timeout: timeoutS * 1000, stdio: 'ignore' });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  w.kill('SIGTERM');
  await new Promise((r2) => w.on('close', r2));
  const finished = r.status === 0 ? 'yes' : r.signal ? `no (killed after ${timeoutS} s)` : `no (exit ${r.status})`;
  return { method: name, seconds: seconds.toFixed(2), finished, copy_by: readManifest()?.copy ?? '-', writer_commits_per_s: (Number(commits) / (seconds + 0.5)).toFixed(0) };
}
const limit = Math.max(30, Math.ceil(base * 10));
printTable('under a steady writer (another process committing small transactions)', [
  await underWriter('sqlite3 .backup', 'sqlite3', [db, `.backup '${target}'`], limit),
  await underWriter('crm backup', process.execPath, [BIN, 'backup', '--db', db, '--to', out, '--quiet'], limit),
]);
fs.rmSync(out, { recursive: true, force: true });
// put the cached database back as it was: drop what the writer and the runs added, and vacuum
// so that free pages do not make the next .backup copy more than the last one
const c = new Database(db);
c.exec('DROP TABLE IF EXISTS bench_writes; DELETE FROM backup_runs');
if (c.pragma('freelist_count', { simple: true }) > 0) c.exec('VACUUM');
c.pragma('wal_checkpoint(TRUNCATE)');
c.close();
