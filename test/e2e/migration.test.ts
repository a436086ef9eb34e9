import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crm, query, tempDir, newDb } from '../helpers/cli.js';

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
  const conn = new Database(db);
  conn.prepare("INSERT INTO staff (name, role, email) VALUES ('Петров Пётр', 'account_manager', 'petrov@example.ru')").run();
  const insert = conn.prepare("INSERT INTO clients (name, client_type, manager_id, inn) VALUES (?, 'retail', 1, ?)");
  insert.run('ЗАО «Ёлка»', '7707083893');
  insert.run("O'Brien & Sons; DROP TABLE clients;--", null);
  conn.close();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('schema migration', () => {
  it('a newer tool migrates an older file forward after saving a copy, data intact', () => {
    const before = query(db, 'SELECT id, name, inn, manager_id FROM clients ORDER BY id');
    const r = crm(['info', '--db', db, '--format', 'csv'], { env: { CRM_TEST_EXTRA_MIGRATIONS: migrations } });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/migrated .* from schema version 1; the old file was saved as /);
    expect(query(db, 'PRAGMA user_version')[0]).toEqual({ user_version: 2 });
    expect(query(db, 'SELECT id, name, inn, manager_id FROM clients ORDER BY id')).toEqual(before);
    expect(query(db, 'SELECT search_name FROM clients ORDER BY id').map((x) => (x as { search_name: string }).search_name)).toEqual([
      '#ЗАО «Ёлка»',
      "#O'Brien & Sons; DROP TABLE clients;--",
    ]);
    const copies = fs.readdirSync(dir).filter((f) => f.endsWith('.bak'));
    expect(copies).toHaveLength(1);
    const copy = path.join(dir, copies[0]!);
    expect(fs.statSync(copy).mode & 0o777).toBe(0o600);
    expect(query(copy, 'PRAGMA user_version')[0]).toEqual({ user_version: 1 });
    expect(query(copy, 'SELECT id, name, inn, manager_id FROM clients ORDER BY id')).toEqual(before);
    // a second run has nothing to migrate
    const again = crm(['info', '--db', db], { env: { CRM_TEST_EXTRA_MIGRATIONS: migrations } });
    expect(again.stderr).toBe('');
  });

  it('an older tool refuses a newer file and leaves it untouched', () => {
    crm(['info', '--db', db], { env: { CRM_TEST_EXTRA_MIGRATIONS: migrations } });
    const bytes = fs.readFileSync(db);
    const r = crm(['info', '--db', db]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('schema version 2, newer than this crm understands (1)');
    expect(r.stderr).toContain('upgrade crm');
    expect(fs.readFileSync(db).equals(bytes)).toBe(true);
  });

  it('a migration that fails changes nothing', () => {
    fs.writeFileSync(migrations, JSON.stringify([{ version: 2, description: 'broken', sql: 'ALTER TABLE clients ADD COLUMN x TEXT; SELECT * FROM no_such_table;' }]));
    const r = crm(['info', '--db', db], { env: { CRM_TEST_EXTRA_MIGRATIONS: migrations } });
    expect(r.status).not.toBe(0);
    expect(query(db, 'PRAGMA user_version')[0]).toEqual({ user_version: 1 });
    expect(query(db, "SELECT count(*) AS n FROM pragma_table_info('clients') WHERE name = 'x'")[0]).toEqual({ n: 0 });
  });
});
