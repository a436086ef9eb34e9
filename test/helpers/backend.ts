/**
 * The one switch that runs the end-to-end suite on PostgreSQL: CRM_TEST_BACKEND=postgres with a
 * server named by CRM_TEST_PG_URL (scripts/pg-cluster.mjs starts a throwaway one). Every test asks
 * newDb() for its database: a file path on SQLite, a fresh database's URL on PostgreSQL.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export const BACKEND: 'sqlite' | 'postgres' = process.env.CRM_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';
export const PG = BACKEND === 'postgres';

let counter = 0;

function adminUrl(): URL {
  const url = process.env.CRM_TEST_PG_URL;
  if (!url) throw new Error('CRM_TEST_BACKEND=postgres needs CRM_TEST_PG_URL (run the tests through scripts/pg-cluster.mjs run)');
  return new URL(url);
}

function psqlBin(): string {
  return process.env.CRM_TEST_PG_BINDIR ? path.join(process.env.CRM_TEST_PG_BINDIR, 'psql') : 'psql';
}

/** Runs SQL through psql on the given database URL; returns stdout. */
export function psql(url: string, sqlText: string): string {
  return execFileSync(psqlBin(), [url, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sqlText], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The URL of a database on the test server (another name, same server). */
export function pgUrl(database: string): string {
  const u = adminUrl();
  u.pathname = `/${database}`;
  return u.toString();
}

/** A new, empty PostgreSQL database on the test server; returns its URL. */
export function newPgDatabase(): string {
  const name = `crm_t_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  psql(adminUrl().toString(), `CREATE DATABASE ${name}`);
  return pgUrl(name);
}

/** Where a test's database lives: crm.db in its directory, or a new database on the test server. */
export function newDb(dir: string, file = 'crm.db'): string {
  return PG ? newPgDatabase() : path.join(dir, file);
}

/**
 * A copy of a test database for one test: the file copied, or on PostgreSQL a new database made
 * from the source as its template (the source must have no open connection: no crm running on it).
 */
export function copyDb(source: string, dir: string, file = 'crm.db'): string {
  if (!isPgUrl(source)) {
    const target = path.join(dir, file);
    fs.copyFileSync(source, target);
    return target;
  }
  const name = `crm_t_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  const from = decodeURIComponent(new URL(source).pathname.slice(1));
  psql(adminUrl().toString(), `CREATE DATABASE ${name} TEMPLATE "${from.replaceAll('"', '""')}"`);
  return pgUrl(name);
}

/** Runs SQL that changes a test database behind crm's back (a hand edit, a clean-up). */
export function execSql(target: string, sqlText: string): void {
  if (isPgUrl(target)) {
    psql(target, sqlText);
    return;
  }
  const db = new Database(target);
  try {
    db.exec(sqlText);
  } finally {
    db.close();
  }
}

export function isPgUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//.test(target);
}

/** `?` placeholders filled with SQL literals: for the tests' own read-back queries on PostgreSQL. */
export function inlineParams(sqlText: string, params: unknown[]): string {
  let i = 0;
  return sqlText.replace(/\?/g, () => {
    const v = params[i++];
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'number' || typeof v === 'bigint') return String(v);
    return `'${String(v).replace(/'/g, "''")}'`;
  });
}

/** Rows of a query on a PostgreSQL database, as JSON objects (numbers as numbers). */
export function pgQuery<T>(url: string, sqlText: string, params: unknown[]): T[] {
  const out = psql(url, `SELECT coalesce(json_agg(q), '[]') FROM (${inlineParams(sqlText, params)}) q`);
  return JSON.parse(out) as T[];
}

/** A stable digest of a PostgreSQL crm database: its columns and every row of every table. */
export function pgSnapshot(url: string): string {
  const tables = psql(url, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`).trim().split('\n').filter(Boolean);
  const parts: string[] = [];
  for (const t of tables) {
    parts.push(t + ':' + psql(url, `SELECT string_agg(column_name || ' ' || data_type, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '${t}'`).trim());
    parts.push(psql(url, `SELECT coalesce(string_agg(r, E'\\n' ORDER BY r), '') FROM (SELECT row_to_json(x)::text AS r FROM "${t}" x) s`).trim());
  }
  return parts.join('\n');
}
