/**
 * Finding, creating and opening the database file. The only module that constructs a
 * better-sqlite3 connection or a Kysely instance.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type pg from 'pg';
import { DatabaseError, UsageError } from '../errors.js';
import { LATEST_VERSION, MIGRATIONS, migrationPlan, type Migration } from './migrations.js';
import {
  APPLICATION_ID,
  applicationId,
  applyConnectionPragmas,
  listTables,
  userVersion,
  vacuumInto,
  type SqliteHandle,
} from './sqlite.js';
import { resolveTarget, type DbTarget } from './target.js';
import type { DB } from './types.js';

export type BackendKind = 'sqlite' | 'postgres';

export interface CrmDatabase {
  readonly kind: BackendKind;
  /** The SQLite file, or the PostgreSQL URL as shown to people (never with a password). */
  readonly path: string;
  readonly db: Kysely<DB>;
  /**
   * The raw SQLite connection: for the SQLite-only helpers in src/db, not for commands. On
   * PostgreSQL reading it throws a clear error, so a path not yet built for the server says so.
   */
  readonly sqlite: SqliteHandle;
  /**
   * The connection pool on PostgreSQL (undefined on SQLite): for the pg-only helpers in src/db
   * that need a client of their own (COPY, a transaction held across awaits, advisory locks).
   */
  readonly pgPool?: pg.Pool;
  /** Set when opening migrated the database forward: from which version, and where the copy of the old file went (SQLite). */
  readonly migratedFrom?: { version: number; backup?: string };
  close(): Promise<void>;
}

/**
 * `--db`, else `CRM_DB`, else ./crm.db — as an absolute path. For the commands that only work on
 * a SQLite file; a PostgreSQL URL gets a clear error here.
 */
export function resolveDbPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, what = 'this command'): string {
  const target = resolveTarget(flag, env);
  if (target.kind === 'postgres') throw notOnPostgres(what);
  return target.path;
}

export function notOnPostgres(what: string): UsageError {
  return new UsageError(`${what} works on a SQLite file, not on a PostgreSQL server`, 'run it with --db FILE');
}

export function schemaSql(): string {
  return fs.readFileSync(new URL('../../schema.sql', import.meta.url), 'utf8');
}

/**
 * Extra migrations for tests only, from a JSON file named by CRM_TEST_EXTRA_MIGRATIONS:
 * `[{"version": 2, "description": "…", "sql": "…"}]`. Lets an end-to-end test play a newer tool.
 */
function allMigrations(env: NodeJS.ProcessEnv): readonly Migration[] {
  const file = env.CRM_TEST_EXTRA_MIGRATIONS;
  if (!file) return MIGRATIONS;
  return [...MIGRATIONS, ...(JSON.parse(fs.readFileSync(file, 'utf8')) as Migration[])];
}

function wrap(file: string, sqlite: SqliteHandle, migratedFrom?: CrmDatabase['migratedFrom']): CrmDatabase {
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    kind: 'sqlite',
    path: file,
    db,
    sqlite,
    migratedFrom,
    close: () => db.destroy(),
  };
}

function missing(file: string): DatabaseError {
  return new DatabaseError(
    `no database at ${file}`,
    `create one with: crm init --db ${JSON.stringify(file)} (or point --db / CRM_DB at an existing one)`,
  );
}

export interface InitResult {
  readonly path: string;
  readonly created: boolean;
  readonly version: number;
}

/** Creates a new database from schema.sql (mode 0600). An existing crm database is left untouched. */
export function initDatabase(file: string, env: NodeJS.ProcessEnv = process.env): InitResult {
  const migrations = allMigrations(env);
  const latest = 1 + migrations.length;
  if (fs.existsSync(file) && fs.statSync(file).size > 0) {
    const sqlite = new Database(file, { fileMustExist: true, readonly: true });
    try {
      checkIdentity(file, sqlite);
      return { path: file, created: false, version: userVersion(sqlite) };
    } finally {
      sqlite.close();
    }
  }
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) {
    throw new DatabaseError(`the directory ${dir} does not exist`, 'create it first, or choose another --db path');
  }
  const existedEmpty = fs.existsSync(file);
  if (!existedEmpty) fs.closeSync(fs.openSync(file, 'wx', 0o600));
  fs.chmodSync(file, 0o600);
  const sqlite = new Database(file);
  try {
    applyConnectionPragmas(sqlite, false);
    sqlite.transaction(() => {
      sqlite.exec(schemaSql());
      for (const m of migrationPlan(migrations, LATEST_VERSION, latest)) sqlite.exec(m.sql);
      sqlite.pragma(`application_id = ${APPLICATION_ID}`);
      sqlite.pragma(`user_version = ${latest}`);
    })();
  } catch (err) {
    sqlite.close();
    if (!existedEmpty) fs.rmSync(file, { force: true });
    throw err;
  }
  sqlite.close();
  return { path: file, created: true, version: latest };
}

/** Throws unless the file is a crm database; returns its schema version. */
function checkIdentity(file: string, sqlite: SqliteHandle): number {
  const version = userVersion(sqlite); // throws SQLITE_NOTADB for a file that is not SQLite
  if (applicationId(sqlite) !== APPLICATION_ID) {
    if (version === 0 && listTables(sqlite).length === 0) {
      throw new DatabaseError(`${file} is an empty SQLite file, not yet a crm database`, `initialise it: crm init --db ${JSON.stringify(file)}`);
    }
    throw new DatabaseError(`${file} is a SQLite database but not a crm database`, 'check the path given with --db or CRM_DB');
  }
  return version;
}

export interface OpenOptions {
  readonly readonly?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Opens an existing crm database: WAL, foreign keys, busy timeout. An older schema is migrated
 * forward after a copy of the file is saved beside it; a newer one is refused.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): CrmDatabase {
  const env = opts.env ?? process.env;
  if (!fs.existsSync(file)) throw missing(file);
  if (fs.statSync(file).isDirectory()) throw new DatabaseError(`${file} is a directory, not a database file`);
  const sqlite = new Database(file, { fileMustExist: true, readonly: opts.readonly ?? false });
  try {
    const version = checkIdentity(file, sqlite);
    applyConnectionPragmas(sqlite, opts.readonly ?? false);
    const migrations = allMigrations(env);
    const latest = 1 + migrations.length;
    if (version > latest) {
      throw new DatabaseError(
        `${file} has schema version ${version}, newer than this crm understands (${latest})`,
        'it was written by a newer crm: upgrade crm to use it (this one will not touch the file)',
      );
    }
    if (version < latest) {
      if (opts.readonly) {
        throw new DatabaseError(`${file} has schema version ${version}; this crm needs ${latest}`, 'run any command without read-only access once to migrate it');
      }
      const backup = migrate(file, sqlite, version, migrationPlan(migrations, version, latest));
      return wrap(file, sqlite, { version, backup });
    }
    return wrap(file, sqlite);
  } catch (err) {
    sqlite.close();
    throw err;
  }
}

/** Saves a copy of the file, then applies the plan in one transaction. Returns the copy's path. */
function migrate(file: string, sqlite: SqliteHandle, from: number, plan: Migration[]): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const backup = `${file}.v${from}-${stamp}.bak`;
  vacuumInto(sqlite, backup);
  sqlite.pragma('foreign_keys = OFF');
  try {
    sqlite.transaction(() => {
      for (const m of plan) {
        sqlite.exec(m.sql);
        sqlite.pragma(`user_version = ${m.version}`);
      }
      const broken = sqlite.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new DatabaseError(`migration broke ${broken.length} foreign keys; nothing was changed`, `the copy is at ${backup}`);
    })();
  } finally {
    sqlite.pragma('foreign_keys = ON');
  }
  return backup;
}

/** Opens the database a target names: a SQLite file, or a crm database on a PostgreSQL server. */
export async function openTarget(target: DbTarget, opts: OpenOptions = {}): Promise<CrmDatabase> {
  if (target.kind === 'sqlite') return openDatabase(target.path, opts);
  const env = opts.env ?? process.env;
  const { openPostgres } = await import('./postgres.js');
  const opened = await openPostgres(target, allMigrations(env), env);
  return {
    kind: 'postgres',
    path: target.display,
    db: opened.db,
    pgPool: opened.pool,
    get sqlite(): SqliteHandle {
      throw notOnPostgres('this command');
    },
    migratedFrom: opened.migratedFrom !== undefined ? { version: opened.migratedFrom } : undefined,
    // Kysely ends the pool only if it ever used it; a command that worked on pgPool alone ends it here
    close: async () => {
      await opened.db.destroy();
      if (!opened.pool.ended) await opened.pool.end();
    },
  };
}

export interface TargetInitResult extends InitResult {
  readonly kind: DbTarget['kind'];
}

/** `crm init` on either backend. */
export async function initTarget(target: DbTarget, env: NodeJS.ProcessEnv = process.env): Promise<TargetInitResult> {
  if (target.kind === 'sqlite') return { kind: 'sqlite', ...initDatabase(target.path, env) };
  const { initPostgres } = await import('./postgres.js');
  const r = await initPostgres(target, allMigrations(env), env);
  return { kind: 'postgres', path: target.display, ...r };
}
