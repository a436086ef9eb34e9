/**
 * What only SQLite has: pragmas, VACUUM INTO, integrity_check, sqlite_master. Everything
 * outside src/db talks to the database through Kysely or through functions here, so a second
 * backend is an addition, not a rewrite.
 */
import fs from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { fold } from '../util/normalize.js';

export type SqliteHandle = BetterSqlite3.Database;

/** 'CRM1' — marks a file as a crm database. */
export const APPLICATION_ID = 0x43524d31;
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Pragmas and SQL functions every connection gets. crm_fold(x) is fold() of src/util/normalize:
 * SQLite's own lower() knows only ASCII, and names here are Cyrillic.
 */
export function applyConnectionPragmas(sqlite: SqliteHandle, readonly: boolean): void {
  sqlite.function('crm_fold', { deterministic: true }, (v: unknown) => (v === null ? null : fold(String(v))));
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma('foreign_keys = ON');
  if (!readonly) {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
  }
}

export function userVersion(sqlite: SqliteHandle): number {
  return sqlite.pragma('user_version', { simple: true }) as number;
}

export function applicationId(sqlite: SqliteHandle): number {
  return sqlite.pragma('application_id', { simple: true }) as number;
}

export function listTables(sqlite: SqliteHandle): string[] {
  return (
    sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as { name: string }[]
  ).map((r) => r.name);
}

export function sqliteVersion(sqlite: SqliteHandle): string {
  return (sqlite.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
}

export function journalMode(sqlite: SqliteHandle): string {
  return sqlite.pragma('journal_mode', { simple: true }) as string;
}

/** 'ok' or the list of problems PRAGMA integrity_check found. */
export function integrityCheck(sqlite: SqliteHandle): string[] {
  const rows = sqlite.pragma('integrity_check') as { integrity_check: string }[];
  const problems = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
  const fk = sqlite.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
  for (const r of fk.slice(0, 20)) problems.push(`foreign key: ${r.table} row ${r.rowid} points at a missing ${r.parent}`);
  return problems;
}

/**
 * A consistent copy of the whole database into `target` (which must not exist), created 0600.
 * VACUUM INTO reads in one transaction, so it finishes even under a steady writer.
 */
export function vacuumInto(sqlite: SqliteHandle, target: string): void {
  fs.closeSync(fs.openSync(target, 'wx', 0o600));
  try {
    sqlite.prepare('VACUUM INTO ?').run(target);
  } catch (err) {
    fs.rmSync(target, { force: true });
    throw err;
  }
}
