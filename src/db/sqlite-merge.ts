/**
 * The SQLite side of a write transaction (src/db/transaction.ts picks it): one transaction around
 * many Kysely statements. SQLite needs BEGIN IMMEDIATE for it (a deferred transaction that reads
 * first and writes later fails with SQLITE_BUSY when another writer commits in between, and the
 * busy timeout cannot help). Also the foreign keys SQLite reports for a table.
 */
import type { Kysely } from 'kysely';
import type { CrmDatabase } from './open.js';
import type { SqliteHandle } from './sqlite.js';
import type { DB } from './types.js';

/** Runs `fn` in one BEGIN IMMEDIATE transaction: all of it is committed, or (on an error, or a dry run) none of it. */
export async function sqliteWriteTransaction<T>(cdb: Pick<CrmDatabase, 'db' | 'sqlite'>, fn: (db: Kysely<DB>) => Promise<T>, dryRun: boolean): Promise<T> {
  const sqlite = cdb.sqlite;
  sqlite.exec('BEGIN IMMEDIATE');
  let open = true;
  try {
    const result = await fn(cdb.db);
    sqlite.exec(dryRun ? 'ROLLBACK' : 'COMMIT');
    open = false;
    return result;
  } finally {
    if (open && sqlite.inTransaction) sqlite.exec('ROLLBACK');
  }
}

/** Every column that references `table` by a foreign key: [table, column]. */
export function foreignKeysToSqlite(sqlite: SqliteHandle, table: string): [string, string][] {
  const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
  const out: [string, string][] = [];
  for (const { name } of tables) {
    const fks = sqlite.prepare(`SELECT "table" AS target, "from" AS col FROM pragma_foreign_key_list(?)`).all(name) as { target: string; col: string }[];
    for (const fk of fks) if (fk.target === table) out.push([name, fk.col]);
  }
  return out;
}
