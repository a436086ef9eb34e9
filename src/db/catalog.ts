/**
 * What the database says about its own tables, on either backend: the columns of a table in
 * their order (crm query's fields follow the schema, migrations included) and the foreign keys
 * that point at a table (the test that keeps merges complete).
 */
import { sql } from 'kysely';
import type { CrmDatabase } from './open.js';

type Catalog = Pick<CrmDatabase, 'kind' | 'db' | 'sqlite'>;

/** The columns of `table` in schema order; empty for a table that does not exist. */
export async function tableColumns(cdb: Catalog, table: string): Promise<string[]> {
  if (cdb.kind === 'sqlite') {
    const { columnsOf } = await import('./sqlite.js');
    return columnsOf(cdb.sqlite, table);
  }
  const r = await sql<{ name: string }>`
    SELECT column_name AS name FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = ${table}
    ORDER BY ordinal_position`.execute(cdb.db);
  return r.rows.map((x) => x.name);
}

/** Every column that references `table` by a foreign key: [table, column], sorted. */
export async function foreignKeysTo(cdb: Catalog, table: string): Promise<[string, string][]> {
  let out: [string, string][];
  if (cdb.kind === 'sqlite') {
    const { foreignKeysToSqlite } = await import('./sqlite-merge.js');
    out = foreignKeysToSqlite(cdb.sqlite, table);
  } else {
    const r = await sql<{ t: string; c: string }>`
      SELECT src.relname AS t, a.attname AS c
      FROM pg_constraint k
      JOIN pg_class src ON src.oid = k.conrelid
      JOIN pg_class dst ON dst.oid = k.confrelid
      JOIN pg_namespace n ON n.oid = dst.relnamespace AND n.nspname = current_schema()
      CROSS JOIN LATERAL unnest(k.conkey) AS key(attnum)
      JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = key.attnum
      WHERE k.contype = 'f' AND dst.relname = ${table}`.execute(cdb.db);
    out = r.rows.map((x) => [x.t, x.c]);
  }
  return out.sort((x, y) => (x.join('.') < y.join('.') ? -1 : x.join('.') > y.join('.') ? 1 : 0));
}
