import fs from 'node:fs';
import { sql } from 'kysely';
import type { CrmDatabase } from '../open.js';
import { journalMode, sqliteVersion, userVersion } from '../sqlite.js';
import { TABLES, type TableName } from '../types.js';

export interface DatabaseFacts {
  readonly path: string;
  readonly bytes: number;
  readonly schemaVersion: number;
  readonly engine: string;
  /** SQLite's journal mode (wal); null on PostgreSQL, which has none */
  readonly journalMode: string | null;
  readonly rows: ReadonlyArray<{ table: TableName; count: number }>;
  readonly lastImport: { at: string; entity: string; file: string; inserted: number; updated: number; status: string } | null;
  readonly lastBackup: { at: string; file: string; bytes: number; verified: boolean } | null;
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Where the base is, how big, which schema version and engine: the part that differs by backend. */
async function engineFacts(cdb: CrmDatabase): Promise<Pick<DatabaseFacts, 'path' | 'bytes' | 'schemaVersion' | 'engine' | 'journalMode'>> {
  if (cdb.kind === 'postgres') {
    const pg = await import('../postgres.js');
    return {
      path: cdb.path,
      bytes: await pg.databaseBytes(cdb.db),
      schemaVersion: await pg.schemaVersion(cdb.db),
      engine: await pg.serverVersion(cdb.db),
      journalMode: null,
    };
  }
  return {
    path: cdb.path,
    bytes: fileSize(cdb.path) + fileSize(`${cdb.path}-wal`),
    schemaVersion: userVersion(cdb.sqlite),
    engine: `SQLite ${sqliteVersion(cdb.sqlite)}`,
    journalMode: journalMode(cdb.sqlite),
  };
}

export async function databaseFacts(cdb: CrmDatabase): Promise<DatabaseFacts> {
  const { db } = cdb;
  const rows: { table: TableName; count: number }[] = [];
  for (const table of TABLES) {
    const r = await db
      .selectFrom(table)
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    rows.push({ table, count: Number(r.n) });
  }
  const imp = await db
    .selectFrom('import_batches')
    .select(['started_at', 'finished_at', 'entity', 'file_name', 'inserted', 'updated', 'status'])
    .where('status', '!=', 'dry_run')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const bak = await db.selectFrom('backup_runs').select(['finished_at', 'file', 'bytes', 'verified']).orderBy('id', 'desc').limit(1).executeTakeFirst();
  return {
    ...(await engineFacts(cdb)),
    rows,
    lastImport: imp
      ? { at: imp.finished_at ?? imp.started_at, entity: imp.entity, file: imp.file_name, inserted: imp.inserted, updated: imp.updated, status: imp.status }
      : null,
    lastBackup: bak ? { at: bak.finished_at, file: bak.file, bytes: bak.bytes, verified: bak.verified === 1 } : null,
  };
}
