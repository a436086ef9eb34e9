/**
 * The SQLite side of dedupe's writes: one write transaction around many Kysely statements.
 * SQLite needs BEGIN IMMEDIATE for it (a deferred transaction that reads first and writes later
 * fails with SQLITE_BUSY when another writer commits in between, and the busy timeout cannot
 * help). A PostgreSQL backend would use db.transaction() here instead; the merge code in
 * src/db/merge.ts only ever sees a Kysely instance.
 */
import type { Kysely } from 'kysely';
import type { CrmDatabase } from './open.js';
import type { DB } from './types.js';

export interface WriteOptions {
  /** roll back at the end, whatever happened: what a --dry-run reports is what would have been written */
  readonly dryRun?: boolean;
}

/** Runs `fn` in one write transaction: all of it is committed, or (on an error, or a dry run) none of it. */
export async function writeTransaction<T>(cdb: CrmDatabase, fn: (db: Kysely<DB>) => Promise<T>, opts: WriteOptions = {}): Promise<T> {
  cdb.sqlite.exec('BEGIN IMMEDIATE');
  let open = true;
  try {
    const result = await fn(cdb.db);
    cdb.sqlite.exec(opts.dryRun ? 'ROLLBACK' : 'COMMIT');
    open = false;
    return result;
  } finally {
    if (open && cdb.sqlite.inTransaction) cdb.sqlite.exec('ROLLBACK');
  }
}

/** Every column that references `table` by a foreign key: [table, column] (for the test that keeps the merge complete). */
export function foreignKeysTo(cdb: CrmDatabase, table: string): [string, string][] {
  const tables = cdb.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
  const out: [string, string][] = [];
  for (const { name } of tables) {
    const fks = cdb.sqlite.prepare(`SELECT "table" AS target, "from" AS col FROM pragma_foreign_key_list(?)`).all(name) as { target: string; col: string }[];
    for (const fk of fks) if (fk.target === table) out.push([name, fk.col]);
  }
  return out.sort((x, y) => (x.join('.') < y.join('.') ? -1 : 1));
}
