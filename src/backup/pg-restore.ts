/**
 * Putting a PostgreSQL backup back on a server: the archive is verified first (sha256, table of
 * contents, every data block read and counted), then `pg_restore --clean --if-exists
 * --single-transaction --exit-on-error` replaces the crm tables of the target database in one
 * transaction (any error rolls it all back), and the result is checked: crm_meta says crm and
 * the schema version of the backup, and every table has the rows the manifest says.
 */
import type pg from 'pg';
import { LATEST_VERSION } from '../db/migrations.js';
import { createPool, type PgTarget } from '../db/postgres.js';
import { DatabaseError, IntegrityError, atServer } from '../errors.js';
import { checkInterrupted } from './interrupt.js';
import { majorOf, findPgTool, pgToolEnv, runPgTool } from './pg-tools.js';
import { rowDifferences, verifyPgBackupFile } from './pg-dump.js';
import type { VerifyOutcome } from './verify.js';

export interface PgTargetState {
  /** crm_meta's schema version; null when the database has no crm_meta */
  readonly crmVersion: number | null;
  /** tables in its schema */
  readonly tables: number;
  readonly serverMajor: number;
}

async function withClient<T>(target: PgTarget, env: NodeJS.ProcessEnv, fn: (c: pg.ClientBase) => Promise<T>): Promise<T> {
  const pool = createPool(target, env, 1);
  try {
    const client = await pool.connect().catch((err: unknown) => {
      throw atServer(err, target.display);
    });
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  } finally {
    await pool.end().catch(() => {});
  }
}

/** What the target database holds now: a crm database, an empty one, or something else. */
export function targetState(target: PgTarget, env: NodeJS.ProcessEnv): Promise<PgTargetState> {
  return withClient(target, env, async (c) => {
    const num = Number((await c.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]!.v);
    const tables = Number((await c.query<{ n: number }>(`SELECT count(*) AS n FROM pg_tables WHERE schemaname = current_schema()`)).rows[0]!.n);
    const has = (await c.query<{ t: string | null }>(`SELECT to_regclass('crm_meta')::text AS t`)).rows[0]?.t;
    let crmVersion: number | null = null;
    if (has) {
      const meta = new Map((await c.query<{ key: string; value: string }>('SELECT key, value FROM crm_meta')).rows.map((r) => [r.key, r.value]));
      if (meta.get('application') === 'crm') crmVersion = Number(meta.get('schema_version') ?? 0);
    }
    return { crmVersion, tables, serverMajor: Math.floor(num / 10000) };
  });
}

/** Verifies a backup fully and throws unless it can be restored. */
export async function checkPgBackup(backup: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<VerifyOutcome> {
  const outcome = await verifyPgBackupFile(backup, { level: 'full', env, signal });
  if (outcome.problems.length > 0) {
    throw new IntegrityError(`refusing to restore ${backup}: ${outcome.problems[0]}`, 'nothing was changed; choose another backup (crm backup list, crm backup verify --all)');
  }
  const version = outcome.inspection?.userVersion ?? 0;
  if (version > LATEST_VERSION) {
    throw new DatabaseError(`refusing to restore ${backup}: its schema version ${version} is newer than this crm understands (${LATEST_VERSION})`, 'restore it with the newer crm that wrote it');
  }
  return outcome;
}

/** Refuses a target that holds something other than crm (an empty database is fine). */
export function checkRestoreTarget(target: PgTarget, state: PgTargetState): void {
  if (state.crmVersion === null && state.tables > 0) {
    throw new DatabaseError(`${target.display} is not a crm database (it has ${state.tables} other tables); nothing was changed`, 'restore into a crm database or an empty one (createdb NAME)');
  }
}

/** Restores a checked archive into the target in one transaction, then checks what arrived. */
export async function restorePgBackup(backup: string, outcome: VerifyOutcome, target: PgTarget, state: PgTargetState, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  const dumpedBy = outcome.manifest?.postgresql ? majorOf(outcome.manifest.postgresql.pg_dump_version) : 0;
  const tool = findPgTool('pg_restore', Math.max(dumpedBy, state.serverMajor), env);
  checkInterrupted(signal);
  // a session still using the tables makes DROP wait: give up after a minute instead of hanging
  const options = [env.PGOPTIONS, '-c lock_timeout=60000'].filter(Boolean).join(' ');
  await runPgTool({
    tool,
    args: ['--clean', '--if-exists', '--single-transaction', '--exit-on-error', '--no-owner', '--no-privileges', '--no-password', `--dbname=dbname='${target.database.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`, backup],
    env: pgToolEnv(target, env, { PGOPTIONS: options, PGDATABASE: target.database }),
    signal,
    what: `pg_restore into ${target.display}`,
  });
  const expected = outcome.manifest?.rows ?? outcome.inspection?.rows ?? {};
  const version = outcome.inspection?.userVersion ?? null;
  const problem = await withClient(target, env, async (c) => {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const meta = new Map((await c.query<{ key: string; value: string }>('SELECT key, value FROM crm_meta')).rows.map((r) => [r.key, r.value]));
      if (meta.get('application') !== 'crm') return 'crm_meta does not say crm';
      if (version !== null && Number(meta.get('schema_version')) !== version) return `schema version ${meta.get('schema_version')}, the backup has ${version}`;
      const rows: Record<string, number> = {};
      for (const t of Object.keys(expected)) {
        const r = await c.query<{ n: number }>(`SELECT count(*) AS n FROM ${c.escapeIdentifier(t)}`);
        rows[t] = Number(r.rows[0]!.n);
      }
      return rowDifferences(expected, rows)[0] ?? null;
    } finally {
      await c.query('COMMIT');
    }
  });
  if (problem) {
    throw new IntegrityError(`${target.display} was restored from ${backup}, but does not hold what the backup does: ${problem}`, 'another session may have written to it right after the restore; check it, and restore again if need be');
  }
}
