/**
 * The PostgreSQL backend: connecting, creating the schema, opening with forward migrations.
 * The only module that constructs a pg pool. Loaded only when --db / CRM_DB is a postgres:// URL,
 * so SQLite users never pay for it.
 */
import fs from 'node:fs';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { DatabaseError } from '../errors.js';
import { LATEST_VERSION, migrationPlan, type Migration } from './migrations.js';
import { pgClientClass } from './pg-pass.js';
import { PG_FUNCTIONS, PG_META, toPostgres } from './pg-schema.js';
import type { DbTarget } from './target.js';
import type { DB } from './types.js';

export type PgTarget = DbTarget & { kind: 'postgres' };

/** The value crm_meta holds under 'application': what PRAGMA application_id is on SQLite. */
const APPLICATION = 'crm';
/** Serialises crm init and migrations of one database between processes. */
const SCHEMA_LOCK = 0x43524d31; // 'CRM1'

const INT8 = 20;
const NUMERIC = 1700;

/**
 * Numbers come back as JavaScript numbers, as they do from SQLite: bigint ids, counts and
 * kopeck sums are far below 2^53. (pg's default is a string, to be safe for any bigint.)
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

/** The local time zone, so that created_at defaults read like SQLite's 'localtime'. */
function timeZone(env: NodeJS.ProcessEnv): string {
  return env.TZ || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function createPool(target: PgTarget, env: NodeJS.ProcessEnv = process.env, max = 4): pg.Pool {
  const pool = new pg.Pool({
    connectionString: target.url,
    Client: pgClientClass(pg, target.url, env),
    types,
    max,
    application_name: 'crm',
    options: `-c TimeZone=${timeZone(env)}`,
    connectionTimeoutMillis: 15_000,
  });
  // an idle client that loses its server must not crash the process; the next query reports it
  pool.on('error', () => {});
  return pool;
}

export function kyselyOf(pool: pg.Pool): Kysely<DB> {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

export function schemaSql(): string {
  return fs.readFileSync(new URL('../../schema.sql', import.meta.url), 'utf8');
}

/** The whole PostgreSQL DDL of a new crm database at version 1 + migrations.length. */
export function postgresDdl(migrations: readonly Migration[]): string[] {
  const out = [PG_FUNCTIONS, PG_META, ...toPostgres(schemaSql())];
  for (const m of migrationPlan(migrations, LATEST_VERSION, 1 + migrations.length)) out.push(...toPostgres(m.sql));
  return out;
}

/** crm_meta's version, or null when the database has no crm_meta (not a crm database). */
async function metaVersion(client: pg.ClientBase, display: string): Promise<number | null> {
  const has = await client.query<{ t: string | null }>(`SELECT to_regclass('crm_meta')::text AS t`);
  if (!has.rows[0]?.t) return null;
  const rows = (await client.query<{ key: string; value: string }>('SELECT key, value FROM crm_meta')).rows;
  const meta = new Map(rows.map((r) => [r.key, r.value]));
  if (meta.get('application') !== APPLICATION) throw new DatabaseError(`${display} has a crm_meta table but is not a crm database`, 'check the URL given with --db or CRM_DB');
  return Number(meta.get('schema_version'));
}

async function userTableCount(client: pg.ClientBase): Promise<number> {
  const r = await client.query<{ n: number }>(
    `SELECT count(*) AS n FROM pg_tables WHERE schemaname = current_schema()`,
  );
  return Number(r.rows[0]?.n ?? 0);
}

export interface PgInitResult {
  readonly created: boolean;
  readonly version: number;
}

/** Creates the crm schema in an empty database, in one transaction; an existing crm database is left alone. */
export async function initPostgres(target: PgTarget, migrations: readonly Migration[], env: NodeJS.ProcessEnv): Promise<PgInitResult> {
  return inSchemaTransaction(target, env, async (client) => {
    const existing = await metaVersion(client, target.display);
    if (existing !== null) {
      await client.query('ROLLBACK');
      return { created: false, version: existing };
    }
    if ((await userTableCount(client)) > 0) {
      throw new DatabaseError(`${target.display} already has tables and is not a crm database`, 'give crm an empty database of its own (createdb), or check the URL');
    }
    const latest = 1 + migrations.length;
    for (const stmt of postgresDdl(migrations)) await client.query(stmt);
    await client.query(`INSERT INTO crm_meta (key, value) VALUES ('application', $1), ('schema_version', $2)`, [APPLICATION, String(latest)]);
    await client.query('COMMIT');
    return { created: true, version: latest };
  });
}

/**
 * One connection of its own, in a transaction holding the schema lock (crm init, migrate-to):
 * `body` commits or rolls back itself; an error it throws rolls back. The pool is closed after.
 */
export async function inSchemaTransaction<T>(target: PgTarget, env: NodeJS.ProcessEnv, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const pool = createPool(target, env, 1);
  try {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      return await body(client);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

export interface PgOpened {
  readonly pool: pg.Pool;
  readonly db: Kysely<DB>;
  readonly migratedFrom?: number;
}

/** Opens a crm database on a server: checks what it is, migrates it forward in one transaction. */
export async function openPostgres(target: PgTarget, migrations: readonly Migration[], env: NodeJS.ProcessEnv): Promise<PgOpened> {
  const pool = createPool(target, env);
  try {
    const latest = 1 + migrations.length;
    let migratedFrom: number | undefined;
    const client = await pool.connect();
    try {
      let version = await metaVersion(client, target.display);
      if (version === null) {
        if ((await userTableCount(client)) === 0) {
          throw new DatabaseError(`${target.display} is an empty database, not yet a crm database`, `initialise it: crm init --db ${target.display}`);
        }
        throw new DatabaseError(`${target.display} is not a crm database`, 'check the URL given with --db or CRM_DB');
      }
      if (version > latest) {
        throw new DatabaseError(
          `${target.display} has schema version ${version}, newer than this crm understands (${latest})`,
          'it was written by a newer crm: upgrade crm to use it (this one will not touch the database)',
        );
      }
      if (version < latest) {
        await client.query('BEGIN');
        try {
          await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
          version = (await metaVersion(client, target.display))!; // another process may have done it meanwhile
          const from = version;
          for (const m of migrationPlan(migrations, version, latest)) {
            for (const stmt of toPostgres(m.sql)) await client.query(stmt);
            await client.query(`UPDATE crm_meta SET value = $1 WHERE key = 'schema_version'`, [String(m.version)]);
          }
          await client.query('COMMIT');
          if (from < latest) migratedFrom = from;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw err;
        }
      }
    } finally {
      client.release();
    }
    return { pool, db: kyselyOf(pool), migratedFrom };
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
}

/** The server's version string, e.g. "PostgreSQL 15.18". */
export async function serverVersion(db: Kysely<DB>): Promise<string> {
  const r = await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(db);
  return `PostgreSQL ${r.rows[0]?.v ?? '?'}`;
}

/** The database's size on the server, in bytes. */
export async function databaseBytes(db: Kysely<DB>): Promise<number> {
  const r = await sql<{ n: number }>`SELECT pg_database_size(current_database()) AS n`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

export async function schemaVersion(db: Kysely<DB>): Promise<number> {
  const r = await sql<{ value: string }>`SELECT value FROM crm_meta WHERE key = 'schema_version'`.execute(db);
  return Number(r.rows[0]?.value ?? 0);
}
