/**
 * `crm query sql`: arbitrary SELECTs on a connection that cannot write. On SQLite three locks:
 * the file is opened read-only; a statement SQLite says would write is refused before it runs;
 * and extension loading stays off. On PostgreSQL the statement runs in a READ ONLY transaction
 * that is rolled back (src/db/pg-read-only.ts).
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { DatabaseError, UsageError } from '../errors.js';
import { APPLICATION_ID, applyConnectionPragmas } from './sqlite.js';
import { resolveTarget } from './target.js';

export const WOULD_WRITE_MESSAGE = 'crm query sql only reads: this statement would change the database, and was not run';
export const WOULD_WRITE_HINT = 'use SELECT (or WITH … SELECT)';

export async function readOnlyQuery(
  dbFlag: string | undefined,
  env: NodeJS.ProcessEnv,
  text: string,
  params: Record<string, string | number>,
): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
  const target = resolveTarget(dbFlag, env);
  if (target.kind === 'postgres') {
    const { pgReadOnlyQuery } = await import('./pg-read-only.js');
    return pgReadOnlyQuery(target, env, text, params);
  }
  const file = target.path;
  if (!fs.existsSync(file)) throw new DatabaseError(`no database at ${file}`, `create one with: crm init --db ${JSON.stringify(file)}`);
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    if (sqlite.pragma('application_id', { simple: true }) !== APPLICATION_ID) throw new DatabaseError(`${file} is not a crm database`);
    applyConnectionPragmas(sqlite, true);
    let stmt: Database.Statement;
    try {
      stmt = sqlite.prepare(text);
    } catch (err) {
      const msg = (err as Error).message;
      if (/more than one statement/.test(msg)) throw new UsageError('crm query sql runs one statement at a time');
      throw new UsageError(`the SQL does not compile: ${msg}`);
    }
    if (!stmt.readonly) throw new UsageError(WOULD_WRITE_MESSAGE, WOULD_WRITE_HINT);
    if (!stmt.reader) throw new UsageError('the statement returns no rows');
    const named = Object.keys(params).length > 0;
    let rows: Record<string, unknown>[];
    try {
      rows = (named ? stmt.all(params) : stmt.all()) as Record<string, unknown>[];
    } catch (err) {
      const msg = (err as Error).message;
      if (/not authorized/.test(msg)) throw new UsageError(`refused: ${msg}`);
      if (/Missing named parameter|Too few parameter/.test(msg)) throw new UsageError(`${msg}: give it with --param name=value`);
      throw new UsageError(`the query failed: ${msg}`);
    }
    return { columns: stmt.columns().map((c) => c.name), rows };
  } finally {
    sqlite.close();
  }
}
