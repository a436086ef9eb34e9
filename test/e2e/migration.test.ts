import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PG, crm, execSql, query, snapshot, tempDir, newDb } from '../helpers/cli.js';

/** The schema version: PRAGMA user_version of a file, crm_meta on a server. */
function version(target: string): number {
  return PG ? Number(query<{ value: string }>(target, "SELECT value FROM crm_meta WHERE key = 'schema_version'")[0]!.value) : (query<{ user_version: number }>(target, 'PRAGMA user_version')[0]!.user_version);
}

function hasColumn(target: string, table: string, column: string): boolean {
  const q = PG
    ? `SELECT count(*) AS n FROM information_schema.columns WHERE table_name = '${table}' AND column_name = '${column}'`
    : `SELECT count(*) AS n FROM pragma_table_info('${table}') WHERE name = '${column}'`;
  return Number(query<{ n: number }>(target, q)[0]!.n) > 0;
}

let dir: string;
let db: string;
let migrations: string;
beforeEach(() => {
  dir = tempDir();
  db = newDb(dir);
  migrations = path.join(dir, 'migrations.json');
  // a test-only migration: the "newer tool" adds a column and fills it from existing data
  fs.writeFileSync(
    migrations,
    JSON.stringify([
      {
        version: 2,
        description: 'test: clients.search_name',
        sql: "ALTER TABLE clients ADD COLUMN search_name TEXT; UPDATE clients SET search_name = '#' || name;",
      },
    ]),
  );
  expect(crm(['init', '--db', db]).status).toBe(0);
  execSql(
    db,
    "INSERT INTO staff (name, role, email) VALUES ('Петров Пётр', 'account_manager', 'petrov@example.ru');" +
      "INSERT INTO clients (name, client_type, manager_id, inn) VALUES ('ЗАО «Ёлка»', 'retail', 1, '7707083893');" +
      "INSERT INTO clients (name, client_type, manager_id, inn) VALUES ('O''Brien & Sons; DROP TABLE clients;--', 'retail', 1, NULL);",
  );
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('schema migration', () => {
  it('a newer tool migrates an older database forward (a file after saving a copy; a server in one transaction), data intact', () => {
    const before = query(db, 'SELECT id, name, inn, manager_id FROM clients ORDER BY id');
    const r = crm(['info', '--db', db, '--format', 'csv'], { env: { CRM_TEST_EXTRA_MIGRATIONS: migrations } });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(PG ? /migrated postgres:\/\/.* from schema version 1 in one transaction/ : /migrated .* from schema version 1; the old file was saved as /);
    expect(version(db)).toBe(2);
    expect(query(db, 'SELECT id, name, inn, manager_id FROM clients ORDER BY id')).toEqual(before);
    expect(query(db, 'SELECT search_name FROM clients ORDER BY id').map((x) => (x as { search_name: string }).search_name)).toEqual([
      '#ЗАО «Ёлка»',
      "#O'Brien & Sons; DROP TABLE clients;--",
    ]);
    if (!PG) {
      const copies = fs.readdirSync(dir).filter((f) => f.endsWith('.bak'));
      expect(copies).toHaveLength(1);
      const copy = path.join(dir, copies[0]!);
      expect(fs.statSync(copy).mode & 0o777).toBe(0o600);
      expect(version(copy)).toBe(1);
      expect(query(copy, 'SELECT id, name, inn, manager_id FROM clients ORDER BY id')).toEqual(before);
    }
    // a second run has nothing to migrate
    const again = crm(['info', '--db', db], { env: { CRM_TEST_EXTRA_MIGRATIONS: migrations } });
    expect(again.stderr).toBe('');
  });

  it('an older tool refuses a newer database and leaves it untouched', () => {
    crm(['info', '--db', db], { env: { CRM_TEST_EXTRA_MIGRATIONS: migrations } });
    const before = PG ? snapshot(db) : fs.readFileSync(db);
    const r = crm(['info', '--db', db]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('schema version 2, newer than this crm understands (1)');
    expect(r.stderr).toContain('upgrade crm');
    if (PG) expect(snapshot(db)).toBe(before);
    else expect(fs.readFileSync(db).equals(before as Buffer)).toBe(true);
  });

  it('a migration that fails changes nothing', () => {
    fs.writeFileSync(migrations, JSON.stringify([{ version: 2, description: 'broken', sql: 'ALTER TABLE clients ADD COLUMN x TEXT; SELECT * FROM no_such_table;' }]));
    const r = crm(['info', '--db', db], { env: { CRM_TEST_EXTRA_MIGRATIONS: migrations } });
    expect(r.status).not.toBe(0);
    expect(version(db)).toBe(1);
    expect(hasColumn(db, 'clients', 'x')).toBe(false);
  });
});
