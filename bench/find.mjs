// crm find at the scale of DESIGN.md §6 (100k clients, 300k contacts): median wall time per
// query, side by side with the sqlite3 shell doing a plain LIKE scan (case-sensitive for
// Cyrillic, no ranking) over the same table.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, ROOT, ensureSqlite3, measure, median, printTable } from './lib.mjs';

const dir = process.env.BENCH_DIR ?? '/tmp/crm-scale';
const db = path.join(dir, 'find.db');
if (!fs.existsSync(path.join(dir, 'contacts.csv'))) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bench/gen-scale.mjs'), '--out', dir], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}
const haveSqlite = ensureSqlite3();
const stale = !fs.existsSync(db) || fs.statSync(db).mtimeMs < fs.statSync(path.join(ROOT, 'schema.sql')).mtimeMs;
if (stale) {
  console.error(`loading staff, clients and contacts into ${db} …`);
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  measure(process.execPath, [BIN, 'init', '--db', db, '-q']);
  for (const e of ['staff', 'clients', 'contacts']) measure(process.execPath, [BIN, 'import', e, path.join(dir, `${e}.csv`), '--db', db, '-q']);
}
const one = (sql) => spawnSync('sqlite3', [db, sql], { encoding: 'utf8' }).stdout.trim();
const sample = haveSqlite ? one("SELECT name || '|' || coalesce(phone,'') || '|' || coalesce(inn,'') || '|' || coalesce(email,'') || '|' || coalesce(city,'') FROM clients WHERE inn IS NOT NULL AND phone IS NOT NULL AND email IS NOT NULL LIMIT 1 OFFSET 50000").split('|') : [];
const [name = 'Ромашка', phone = '+74951234567', inn = '7707083893', email = 'info@example.ru', city = 'Казань'] = sample;
const word = name.replace(/[«»"]/g, ' ').split(/\s+/).filter((w) => w.length > 4)[0] ?? 'Ромашка';
const local = phone.replace(/\D/g, '').slice(-7).replace(/(\d{3})(\d{2})(\d{2})/, '$1-$2-$3');
const queries = [
  ['part of a name, lower case', word.toLowerCase()],
  ['part of a name, upper case', word.toUpperCase()],
  ['full phone, +7 (XXX) format', phone.replace(/^\+7(\d{3})(\d{3})(\d{2})(\d{2}).*/, '+7 ($1) $2-$3-$4')],
  ['phone with 8 prefix', phone.replace(/^\+7/, '8').replace(/;.*/, '')],
  ['local number only', local],
  ['INN', inn],
  ['e-mail', email],
  ['city', city],
];
const runs = Number(process.env.BENCH_RUNS ?? 5);
const rows = [];
for (const [what, q] of queries) {
  const times = [];
  let hits = 0;
  for (let i = 0; i < runs; i++) {
    const m = measure(process.execPath, [BIN, 'find', q, '--db', db, '--format', 'csv', '--limit', '0']);
    times.push(m.seconds);
    hits = m.stdout.trim().split('\n').length - 1;
  }
  let shell = '';
  if (haveSqlite) {
    const like = q.replace(/'/g, "''");
    const t = [];
    for (let i = 0; i < runs; i++) t.push(measure('sqlite3', [db, `SELECT count(*) FROM clients WHERE name LIKE '%${like}%' OR city LIKE '%${like}%' OR phone LIKE '%${like}%' OR inn = '${like}' OR email = '${like}'; SELECT count(*) FROM contacts WHERE full_name LIKE '%${like}%' OR phone LIKE '%${like}%' OR email = '${like}';`]).seconds);
    shell = (median(t) * 1000).toFixed(0);
  }
  rows.push({ query: what, text: q, hits, crm_find_ms: (median(times) * 1000).toFixed(0), sqlite3_like_scan_ms: shell });
}
printTable(`crm find over ${one('SELECT count(*) FROM clients')} clients and ${one('SELECT count(*) FROM contacts')} contacts (median of ${runs}; includes node start-up)`, rows);
