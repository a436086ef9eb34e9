/**
 * crm migrate-to postgres://… [--db FILE]: the whole SQLite base into an empty PostgreSQL database
 * in one transaction, checked table by table (src/db/pg-migrate.ts); any difference rolls it back.
 */
import { openDatabase, resolveDbPath } from '../../db/open.js';
import { MIGRATIONS } from '../../db/migrations.js';
import { userVersion } from '../../db/sqlite.js';
import { isPostgresUrl, parsePostgresUrl } from '../../db/target.js';
import { IntegrityError, UsageError } from '../../errors.js';
import type { TableModel } from '../../render/model.js';
import type { Context } from '../context.js';

export async function run(ctx: Context, url: string): Promise<void> {
  if (!isPostgresUrl(url)) {
    throw new UsageError(`crm migrate-to copies into a PostgreSQL database; ${JSON.stringify(url)} is not a postgres:// URL`, 'write it as postgres://user@host:port/dbname (the source is --db FILE)');
  }
  const target = parsePostgresUrl(url);
  const file = resolveDbPath(ctx.dbFlag, ctx.env, 'the source of crm migrate-to (--db)');
  const source = openDatabase(file, { readonly: true, env: { ...ctx.env, CRM_TEST_EXTRA_MIGRATIONS: undefined } });
  try {
    const { migrateToPostgres } = await import('../../db/pg-migrate.js');
    const started = Date.now();
    const result = await migrateToPostgres({
      source: source.sqlite,
      sourceVersion: userVersion(source.sqlite),
      target,
      migrations: MIGRATIONS,
      env: ctx.env,
      progress: ctx.streams.stderr.isTTY ? (table, rows) => ctx.info(`copied ${table}: ${rows} rows`) : undefined,
    });
    const model: TableModel = {
      columns: [
        { key: 'table', header: 'Table' },
        { key: 'sqlite_rows', header: 'SQLite rows', type: 'int' },
        { key: 'postgres_rows', header: 'PostgreSQL rows', type: 'int' },
        { key: 'checksum', header: 'Checksum (sha256, SQLite)' },
        { key: 'match', header: 'Match' },
      ],
      rows: result.tables.map((t) => ({
        table: t.table,
        sqlite_rows: t.sqliteRows,
        postgres_rows: t.postgresRows,
        checksum: t.sqliteChecksum.slice(0, 16),
        match: t.ok ? 'ok' : t.sqliteRows !== t.postgresRows ? 'ROW COUNT DIFFERS' : 'CHECKSUM DIFFERS',
      })),
    };
    await ctx.output(model);
    if (!result.ok) {
      const bad = result.tables.filter((t) => !t.ok).map((t) => t.table);
      throw new IntegrityError(
        `the copy on ${target.display} differs from ${file} in ${bad.join(', ')}; everything was rolled back`,
        'the PostgreSQL database is empty again; run crm migrate-to again, and report it if it repeats',
      );
    }
    const rows = result.tables.reduce((n, t) => n + t.sqliteRows, 0);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    ctx.info(`copied ${rows} rows of ${result.tables.length} tables from ${file} to ${target.display} in ${secs} s; row counts and checksums match (schema version ${result.schemaVersion})`);
  } finally {
    await source.close();
  }
}
