/**
 * schema.sql is the one source of the model; the PostgreSQL DDL is derived from it. This test
 * creates both and fails when they disagree on tables, columns, keys, constraints or indexes.
 * It needs the test server (CRM_TEST_BACKEND=postgres); the SQLite run checks the translation only.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG, crm, newPgDatabase, psql, tempDir } from '../helpers/cli.js';

interface Model {
  tables: string[];
  columns: Record<string, string[]>;
  primaryKeys: Record<string, string>;
  uniques: Record<string, string[]>;
  foreignKeys: Record<string, string[]>;
  checks: Record<string, number>;
  indexes: Record<string, string>;
}

const TYPE: Record<string, string> = { INTEGER: 'bigint', TEXT: 'text', REAL: 'double precision' };

function sqliteModel(file: string): Model {
  const db = new Database(file, { readonly: true });
  try {
    const tables = (db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_search%' ORDER BY name").all() as { name: string; sql: string }[]);
    const m: Model = { tables: tables.map((t) => t.name), columns: {}, primaryKeys: {}, uniques: {}, foreignKeys: {}, checks: {}, indexes: {} };
    for (const { name, sql } of tables) {
      const cols = db.prepare(`SELECT name, type, "notnull" AS nn, dflt_value AS d, pk FROM pragma_table_info(?) ORDER BY cid`).all(name) as { name: string; type: string; nn: number; d: string | null; pk: number }[];
      const rowid = (c: { pk: number; type: string }) => c.pk === 1 && c.type === 'INTEGER' && cols.filter((x) => x.pk).length === 1;
      m.columns[name] = cols.map((c) => `${c.name} ${TYPE[c.type]}${c.nn || c.pk ? ' not null' : ''}${c.d !== null || rowid(c) ? ' default' : ''}`);
      m.primaryKeys[name] = cols.filter((c) => c.pk).sort((a, b) => a.pk - b.pk).map((c) => c.name).join(',');
      const idx = db.prepare(`SELECT name, "unique", origin, partial FROM pragma_index_list(?)`).all(name) as { name: string; unique: number; origin: string; partial: number }[];
      m.uniques[name] = idx.filter((i) => i.origin === 'u').map((i) => (db.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).all(i.name) as { name: string }[]).map((c) => c.name).join(',')).sort();
      for (const i of idx.filter((x) => x.origin === 'c')) {
        const cols2 = (db.prepare(`SELECT name FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno`).all(i.name) as { name: string | null }[]).map((c) => c.name ?? 'expr');
        const nocase = /COLLATE NOCASE/i.test((db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(i.name) as { sql: string }).sql);
        m.indexes[i.name] = `${name}(${nocase ? cols2.map((c) => `lower(${c})`).join(',') : cols2.join(',')})${i.unique ? ' unique' : ''}${i.partial ? ' partial' : ''}`;
      }
      m.foreignKeys[name] = (db.prepare(`SELECT "from" AS f, "table" AS t, on_delete AS d FROM pragma_foreign_key_list(?)`).all(name) as { f: string; t: string; d: string }[]).map((f) => `${f.f}->${f.t} ${f.d.toLowerCase()}`).sort();
      m.checks[name] = (sql.match(/\bCHECK\s*\(/gi) ?? []).length;
    }
    return m;
  } finally {
    db.close();
  }
}

function pgModel(url: string): Model {
  const json = (q: string) => JSON.parse(psql(url, `SELECT coalesce(json_agg(x), '[]') FROM (${q}) x`)) as Record<string, string>[];
  const tables = json(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'crm_meta' ORDER BY 1`).map((r) => r.t!);
  const m: Model = { tables, columns: {}, primaryKeys: {}, uniques: {}, foreignKeys: {}, checks: {}, indexes: {} };
  for (const t of tables) {
    m.columns[t] = json(`SELECT column_name AS n, data_type AS ty, is_nullable AS nl, (column_default IS NOT NULL OR is_identity = 'YES') AS d FROM information_schema.columns WHERE table_name = '${t}' ORDER BY ordinal_position`).map(
      (c) => `${c.n} ${c.ty}${c.nl === 'NO' ? ' not null' : ''}${c.d ? ' default' : ''}`,
    );
    const cons = json(`SELECT c.contype AS k, c.confdeltype AS d, f.relname AS ft, (SELECT string_agg(a.attname, ',' ORDER BY u.ord) FROM unnest(c.conkey) WITH ORDINALITY u(n, ord) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = u.n) AS cols
      FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid LEFT JOIN pg_class f ON f.oid = c.confrelid WHERE r.relname = '${t}'`);
    m.primaryKeys[t] = cons.find((c) => c.k === 'p')?.cols ?? '';
    m.uniques[t] = cons.filter((c) => c.k === 'u').map((c) => c.cols!).sort();
    const action: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };
    m.foreignKeys[t] = cons.filter((c) => c.k === 'f').map((c) => `${c.cols}->${c.ft} ${action[c.d!]}`).sort();
    m.checks[t] = cons.filter((c) => c.k === 'c').length;
    for (const i of json(`SELECT i.relname AS n, x.indisunique AS u, x.indpred IS NOT NULL AS p, pg_get_indexdef(x.indexrelid) AS def FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class r ON r.oid = x.indrelid
      WHERE r.relname = '${t}' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`)) {
      const cols = /USING btree \((.*?)\)(?: WHERE|$)/.exec(i.def!)![1]!.replace(/\s+/g, '').replace(/lower\(\(?(\w+)\)?\)/g, 'lower($1)');
      m.indexes[i.n!] = `${t}(${cols})${i.u ? ' unique' : ''}${i.p ? ' partial' : ''}`;
    }
  }
  return m;
}

describe.skipIf(!PG)('the PostgreSQL schema is derived from schema.sql', () => {
  let dir: string;
  let sqliteFile: string;
  let url: string;
  beforeAll(() => {
    dir = tempDir();
    sqliteFile = path.join(dir, 'crm.db');
    expect(crm(['init', '--db', sqliteFile, '-q']).status).toBe(0);
    url = newPgDatabase();
    const r = crm(['init', '--db', url]);
    expect(r.stderr).toMatch(/created postgres:\/\//);
    expect(r.status).toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has the same tables, columns, keys, constraints and indexes', () => {
    const a = sqliteModel(sqliteFile);
    const b = pgModel(url);
    expect(b.tables).toEqual(a.tables);
    for (const t of a.tables) {
      expect({ t, cols: b.columns[t] }).toEqual({ t, cols: a.columns[t] });
      expect({ t, pk: b.primaryKeys[t] }).toEqual({ t, pk: a.primaryKeys[t] });
      expect({ t, u: b.uniques[t] }).toEqual({ t, u: a.uniques[t] });
      expect({ t, fk: b.foreignKeys[t] }).toEqual({ t, fk: a.foreignKeys[t] });
      expect({ t, checks: b.checks[t] }).toEqual({ t, checks: a.checks[t] });
    }
    expect(b.indexes).toEqual(a.indexes);
  });

  it('keeps the data model\'s rules on the server: a bad date, INN or week is refused', () => {
    const bad = [
      `INSERT INTO staff (name, role) VALUES ('Иванов', 'boss')`,
      `INSERT INTO clients (name, client_type, inn) VALUES ('ООО "Ромашка"', 'завод', '12345X7890')`,
      `INSERT INTO promotions (name, channel, starts_on) VALUES ('Выставка', 'mail', '2026-02-30')`,
      `INSERT INTO staff (name, role) VALUES ('Петров', 'account_manager'); INSERT INTO plan_tasks (week, staff_id, task) VALUES ('2026-47', 1, 'Позвонить')`,
    ];
    for (const q of bad) expect(() => psql(url, q)).toThrow(/violates check constraint/);
    psql(url, `INSERT INTO promotions (name, channel, starts_on) VALUES ('Выставка', 'mail', '2026-02-28')`);
  });

  it('crm_fold() on the server folds like fold() in the tool: case, ё, spaces, quotes', () => {
    const out = psql(url, `SELECT crm_fold(E'  ЁЛКА\\u00a0 «Ромашка»—Плюс ') || '|' || crm_fold('ÉCOLE Straße')`).trim();
    expect(out).toBe('елка "ромашка"-плюс|école straße');
  });

  it('crm_date() and crm_datetime() on the server answer as SQLite\'s date() and datetime() do', () => {
    const inputs = ['2026-11-20', '2026-02-28', '2026-02-29', '2024-02-29', '2026-02-30', '2026-02-31', '2026-02-32', '2026-04-31', '2026-13-01', '2026-00-10', '2026-11-00',
      '2026-11-20 10:05', '2026-11-20T10:05:07', '2026-11-20 10:05:07.123', '2026-11-20 24:00', '2026-11-20 23:60', '2026-11-20 10:05:61', '2026-1-2', '20.11.2026', 'garbage', ''];
    const lite = new Database(':memory:');
    const want = inputs.map((t) => lite.prepare('SELECT date(?) AS d, datetime(?) AS dt').get(t, t) as { d: string | null; dt: string | null });
    lite.close();
    const got = JSON.parse(psql(url, `SELECT json_agg(json_build_object('d', crm_date(t), 'dt', crm_datetime(t)) ORDER BY i) FROM unnest(ARRAY[${inputs.map((t) => `'${t}'`).join(', ')}]) WITH ORDINALITY AS x(t, i)`)) as unknown[];
    expect(got).toEqual(want);
  });
});
