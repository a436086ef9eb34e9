// crm migrate-to: a SQLite base into an empty PostgreSQL database, in one transaction, checked
// by row counts and checksums. Needs the test server: runs in the PostgreSQL suite only.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG, crm, newPgDatabase, psql, query, snapshot, tempDir } from '../helpers/cli.js';
import { fixturesSqlite } from '../helpers/fixtures-base.js';

interface Check {
  table: string;
  sqlite_rows: number;
  postgres_rows: number;
  checksum: string;
  match: string;
}

let dir: string;
let source: string;

/** a copy of the fixtures base, changed by `edit` through the SQLite file directly */
function variant(name: string, edit: (db: Database.Database) => void): string {
  const file = path.join(dir, `${name}.db`);
  fs.copyFileSync(source, file);
  const db = new Database(file);
  try {
    db.pragma('foreign_keys = OFF');
    edit(db);
  } finally {
    db.close();
  }
  return file;
}

const tablesOn = (url: string) => psql(url, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).trim();

beforeAll(() => {
  if (!PG) return;
  dir = tempDir();
  source = fixturesSqlite(dir);
  // values that test the copy format and the checksum: tabs, newlines, backslashes, \N as text,
  // Cyrillic, an empty string beside NULL, and REAL scores that have no short decimal form
  const db = new Database(source);
  db.prepare(`UPDATE clients SET notes = ? WHERE id = (SELECT min(id) FROM clients)`).run('строка 1\tтаб\nстрока 2\r\\N \\ «ёлка» \b\f\v');
  db.prepare(`UPDATE clients SET mission = '' WHERE id = (SELECT max(id) FROM clients)`).run();
  const ins = db.prepare(`INSERT INTO merges (entity, survivor_id, merged_id, score, merged_row, survivor_before, moved) VALUES ('client', 1, 2, ?, ?, '{}', '[]')`);
  ins.run(0.1 + 0.2, '{"name":"ООО \\"Ромашка\\"\\n"}');
  ins.run(1e-7, '{}');
  ins.run(null, '{}');
  db.close();
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!PG)('crm migrate-to', () => {
  let url: string;

  it('copies the fixtures base: every table with the same rows, counts and checksums', () => {
    url = newPgDatabase();
    const r = crm(['migrate-to', url, '--db', source, '--format', 'json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/row counts and checksums match/);
    const checks = JSON.parse(r.stdout) as Check[];
    expect(checks.length).toBeGreaterThanOrEqual(18);
    for (const c of checks) {
      expect(c.match, c.table).toBe('ok');
      expect(c.postgres_rows, c.table).toBe(c.sqlite_rows);
      const n = (db: string) => (query<{ n: number }>(db, `SELECT count(*) AS n FROM ${c.table}`)[0]!.n);
      expect(n(url), c.table).toBe(n(source));
    }
    expect(checks.find((c) => c.table === 'activities')!.sqlite_rows).toBeGreaterThan(1000);
    for (const t of ['clients', 'contacts', 'deals', 'activities', 'plan_tasks', 'merges', 'import_batches']) {
      expect(query(url, `SELECT * FROM ${t} ORDER BY id`), t).toEqual(query(source, `SELECT * FROM ${t} ORDER BY id`));
    }
    expect(query(url, `SELECT notes FROM clients ORDER BY id LIMIT 1`)).toEqual([{ notes: 'строка 1\tтаб\nстрока 2\r\\N \\ «ёлка» \b\f\v' }]);
    expect(query(url, `SELECT mission FROM clients ORDER BY id DESC LIMIT 1`)).toEqual([{ mission: '' }]);
    expect(query(url, `SELECT score FROM merges ORDER BY id`)).toEqual([{ score: 0.1 + 0.2 }, { score: 1e-7 }, { score: null }]);
    // a crm database of the same schema version
    expect(psql(url, `SELECT value FROM crm_meta WHERE key = 'schema_version'`).trim()).toBe(String(query<{ user_version: number }>(source, 'PRAGMA user_version')[0]!.user_version));
  });

  it('moves every id sequence past the copied ids', () => {
    const max = Number(psql(url, 'SELECT max(id) FROM staff').trim());
    const id = Number(psql(url, `INSERT INTO staff (name, role) VALUES ('Новиков Новый', 'crm') RETURNING id`).trim());
    expect(id).toBe(max + 1);
    psql(url, `DELETE FROM staff WHERE id = ${id}`);
  });

  it('gives the same reports on the copy as on the file', () => {
    for (const args of [
      ['report', 'key-accounts', '--as-of', '2026-11-20'],
      ['report', 'revenue', '--from', '2025-11-21', '--to', '2026-11-20'],
    ]) {
      const a = crm([...args, '--db', source, '--format', 'csv']);
      const b = crm([...args, '--db', url, '--format', 'csv']);
      expect(b.status, b.stderr).toBe(0);
      expect(b.stdout).toBe(a.stdout);
    }
  });

  it('crm info on the server: the URL, the engine, the size, the schema version, the same rows per table', () => {
    type Fact = { property: string; value: unknown };
    const facts = (db: string) => {
      const r = crm(['info', '--db', db, '--format', 'json']);
      expect(r.status, r.stderr).toBe(0);
      return new Map((JSON.parse(r.stdout) as Fact[]).map((f) => [f.property, f.value]));
    };
    const a = facts(source);
    const b = facts(url);
    expect(b.get('path')).toBe(url.replace(/\?.*$/, ''));
    expect(b.get('engine')).toMatch(/^PostgreSQL 1[5-9]\.\d+/);
    expect(b.get('size_bytes')).toBeGreaterThan(1_000_000);
    expect(b.get('schema_version')).toBe(a.get('schema_version'));
    expect(b.has('journal_mode')).toBe(false);
    expect(a.get('journal_mode')).toBe('wal');
    const rows = (m: Map<string, unknown>) => [...m].filter(([k]) => k.startsWith('rows.'));
    expect(rows(b)).toEqual(rows(a));
    expect(b.get('last_import')).toBe(a.get('last_import'));
    expect(crm(['info', '--db', url]).stdout).not.toMatch(/password|pw-/i);
  });

  it('refuses a target that is already a crm database, and leaves it as it was', () => {
    const before = snapshot(url);
    const r = crm(['migrate-to', url, '--db', source]);
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/is already a crm database; crm migrate-to copies only into an empty database/);
    expect(snapshot(url)).toBe(before);
  });

  it('refuses a database that has any table, and leaves it as it was', () => {
    const other = newPgDatabase();
    psql(other, `CREATE TABLE заметки (id int PRIMARY KEY, текст text); INSERT INTO заметки VALUES (1, 'не трогать')`);
    const before = snapshot(other);
    const r = crm(['migrate-to', other, '--db', source]);
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/already has 1 table \(заметки\)/);
    expect(r.stdout).toBe('');
    expect(snapshot(other)).toBe(before);
  });

  it('rolls everything back when the server refuses a row in the last table', () => {
    // a REAL in an INTEGER column: SQLite keeps it, PostgreSQL's bigint refuses it
    const bad = variant('bad-row', (db) => db.prepare(`UPDATE activities SET deal_id = 1.5 WHERE id = (SELECT max(id) FROM activities)`).run());
    const target = newPgDatabase();
    const r = crm(['migrate-to', target, '--db', bad]);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/the server refused a row of activities: .*bigint.*1\.5.*nothing was copied/s);
    expect(tablesOn(target)).toBe('0');
  });

  it('rolls everything back when a checksum differs (test hook), and says where', () => {
    const target = newPgDatabase();
    const r = crm(['migrate-to', target, '--db', source, '--format', 'csv'], { env: { CRM_TEST_MIGRATE_TAMPER: 'deals' } });
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/differs from .* in deals; everything was rolled back/);
    expect(r.stdout).toMatch(/^deals,\d+,\d+,[0-9a-f]{16},ROW COUNT DIFFERS$/m);
    expect(r.stdout).toMatch(/^clients,\d+,\d+,[0-9a-f]{16},ok$/m);
    expect(tablesOn(target)).toBe('0');
  });

  it('refuses a target that is not a URL, a URL with a password, and a source that is not a crm database', () => {
    const notUrl = crm(['migrate-to', path.join(dir, 'x.db'), '--db', source]);
    expect(notUrl.status).toBe(2);
    expect(notUrl.stderr).toMatch(/is not a postgres:\/\/ URL/);

    const secret = crm(['migrate-to', 'postgres://crm:Секрет123@localhost/x', '--db', source]);
    expect(secret.status).toBe(2);
    expect(secret.stderr).not.toContain('Секрет123');

    const plain = path.join(dir, 'plain.db');
    const db = new Database(plain);
    db.exec('CREATE TABLE t (x)');
    db.close();
    const target = newPgDatabase();
    const notCrm = crm(['migrate-to', target, '--db', plain]);
    expect(notCrm.status).toBe(4);
    expect(notCrm.stderr).toMatch(/not a crm database/);
    expect(crm(['migrate-to', target, '--db', path.join(dir, 'missing.db')]).status).toBe(4);
    expect(tablesOn(target)).toBe('0');

    const fromServer = crm(['migrate-to', target, '--db', url]);
    expect(fromServer.status).toBe(2);
    expect(fromServer.stderr).toMatch(/works on a SQLite file/);
  });
});
