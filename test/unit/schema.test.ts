import Database from 'better-sqlite3';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TABLES } from '../../src/db/types.js';

const typesSource = fs.readFileSync(new URL('../../src/db/types.ts', import.meta.url), 'utf8');
const schema = fs.readFileSync(new URL('../../schema.sql', import.meta.url), 'utf8');

function db() {
  const d = new Database(':memory:');
  d.exec(schema);
  return d;
}

describe('schema.sql', () => {
  it('loads, with foreign keys that point at real tables and columns', () => {
    const d = db();
    const tables = (d.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]).map((t) => t.name);
    for (const t of tables) {
      for (const fk of d.prepare(`SELECT "table" AS parent, "to" AS col FROM pragma_foreign_key_list(?)`).all(t) as { parent: string; col: string }[]) {
        expect(tables).toContain(fk.parent);
        const cols = (d.prepare('SELECT name FROM pragma_table_info(?)').all(fk.parent) as { name: string }[]).map((c) => c.name);
        expect(cols).toContain(fk.col);
      }
    }
  });

  it('the Kysely types name every table and column of the schema, and nothing else', () => {
    const d = db();
    // the full-text indexes of crm find are virtual tables with shadow tables: not data tables
    const tables = (d.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE '%\\_search%' ESCAPE '\\' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    expect([...TABLES].sort()).toEqual(tables);
    for (const t of tables) {
      const cols = (d.prepare('SELECT name FROM pragma_table_info(?)').all(t) as { name: string }[]).map((c) => c.name);
      for (const c of cols) {
        const stamped = ['created_at', 'created_by', 'updated_at', 'updated_by', 'source', 'external_id'].includes(c);
        if (!stamped) expect(typesSource, `${t}.${c} missing from src/db/types.ts`).toMatch(new RegExp(`\\n  ${c}: `));
      }
    }
  });

  it('enumerations are enforced by CHECK constraints', () => {
    const d = db();
    d.prepare("INSERT INTO clients (name, client_type) VALUES ('А', 'retail')").run();
    expect(() => d.prepare("INSERT INTO clients (name, client_type, status) VALUES ('Б', 'retail', 'gone')").run()).toThrow(/CHECK/);
    expect(() => d.prepare("INSERT INTO clients (name, client_type, status) VALUES ('Б', 'retail', 'lost')").run()).toThrow(/CHECK/);
    expect(() => d.prepare("INSERT INTO clients (name, client_type, inn) VALUES ('Б', 'retail', '12345')").run()).toThrow(/CHECK/);
    expect(() => d.prepare("INSERT INTO staff (name, role) VALUES ('Б', 'boss')").run()).toThrow(/CHECK/);
    expect(() => d.prepare("INSERT INTO plan_tasks (week, staff_id, task) VALUES ('2026-48', 1, 'x')").run()).toThrow(/CHECK/);
    expect(() => d.prepare("INSERT INTO activities (client_id, staff_id, kind, occurred_at) VALUES (1, 1, 'call', '2026-02-30')").run()).toThrow(/CHECK/);
    expect(() => d.prepare("INSERT INTO deals (client_id, amount_minor, stage, opened_on) VALUES (1, 100, 'won', '2026-01-01')").run()).toThrow(/CHECK/);
    expect(() => d.prepare("INSERT INTO deals (client_id, amount_minor, opened_on) VALUES (1, -1, '2026-01-01')").run()).toThrow(/CHECK/);
  });
});
