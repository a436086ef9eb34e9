/**
 * What only SQLite has: pragmas, VACUUM INTO, integrity_check, sqlite_master. Everything
 * outside src/db talks to the database through Kysely or through functions here, so a second
 * backend is an addition, not a rewrite.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { BusyError } from '../errors.js';
import { fold } from '../util/normalize.js';

export type SqliteHandle = BetterSqlite3.Database;

/** 'CRM1' — marks a file as a crm database. */
export const APPLICATION_ID = 0x43524d31;
export const BUSY_TIMEOUT_MS = 5000;
const MMAP_BYTES = 256 * 1024 * 1024;

/**
 * Pragmas and SQL functions every connection gets. crm_fold(x) is fold() of src/util/normalize:
 * SQLite's own lower() knows only ASCII, and names here are Cyrillic.
 */
export function applyConnectionPragmas(sqlite: SqliteHandle, readonly: boolean): void {
  sqlite.function('crm_fold', { deterministic: true }, (v: unknown) => (v === null ? null : fold(String(v))));
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma('foreign_keys = ON');
  // reads map the file instead of copying pages through the page cache: large reports read
  // hundreds of megabytes (writes still go through the WAL as usual)
  sqlite.pragma(`mmap_size = ${MMAP_BYTES}`);
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

/** The columns of a table in declaration order ([] if there is no such table). */
export function columnsOf(sqlite: SqliteHandle, table: string): string[] {
  return (sqlite.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').all(table) as { name: string }[]).map((r) => r.name);
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

export type IntegrityLevel = 'full' | 'quick';

/**
 * PRAGMA integrity_check ('full': pages, b-trees, constraints and every index entry against its
 * row) or quick_check ('quick': the same without the index cross-check — much faster on big
 * indexes). [] when sound. Unlike integrityCheck() it ignores foreign keys: those are data, not damage.
 */
export function fileIntegrity(sqlite: SqliteHandle, level: IntegrityLevel, maxProblems = 20): string[] {
  const pragma = level === 'full' ? 'integrity_check' : 'quick_check';
  const rows = sqlite.pragma(`${pragma}(${maxProblems})`) as Record<string, string>[];
  return rows.map((r) => r[pragma] ?? '').filter((m) => m !== 'ok');
}

export interface FileInspection {
  /** what fileIntegrity() found, or why the file could not be read; [] when sound */
  readonly problems: readonly string[];
  readonly applicationId: number | null;
  readonly userVersion: number | null;
  readonly sqliteVersion: string;
  /** rows per table (only when there are no problems) */
  readonly rows: Readonly<Record<string, number>>;
}

/**
 * Checks a database file and counts the rows of every table. Opens it read-only, so not one
 * byte of it changes (its checksum stays valid). Damage is returned as problems, not thrown;
 * only a missing or unreadable file throws. The file must use a rollback journal (see
 * useRollbackJournal), or a read-only open would create -wal and -shm files beside it.
 */
export function inspectDatabaseFile(file: string, level: IntegrityLevel): FileInspection {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  let appId: number | null = null;
  let version: number | null = null;
  const problems: string[] = [];
  const rows: Record<string, number> = {};
  try {
    // a bigger page cache makes the index cross-check of a large file about 15% faster
    sqlite.pragma('cache_size = -65536');
    appId = applicationId(sqlite);
    version = userVersion(sqlite);
    problems.push(...fileIntegrity(sqlite, level));
    if (problems.length === 0) {
      for (const t of listTables(sqlite)) {
        rows[t] = (sqlite.prepare(`SELECT count(*) AS n FROM "${t.replace(/"/g, '""')}"`).get() as { n: number }).n;
      }
    }
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  } finally {
    sqlite.close();
  }
  return { problems, applicationId: appId, userVersion: version, sqliteVersion: sqliteVersionOf(), rows };
}

let libraryVersion: string | undefined;
function sqliteVersionOf(): string {
  if (libraryVersion === undefined) {
    const mem = new Database(':memory:');
    libraryVersion = sqliteVersion(mem);
    mem.close();
  }
  return libraryVersion;
}

/** What a closed database file's header says (bytes 18 and 19): 'wal', 'rollback', or null when too short to say. */
export function headerJournal(file: string): 'wal' | 'rollback' | null {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(2);
    if (fs.readSync(fd, b, 0, 2, 18) !== 2) return null;
    return b[0] === 2 || b[1] === 2 ? 'wal' : 'rollback';
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Makes a closed database file that says "WAL" in its header use a rollback journal, so it can
 * be checked read-only without -wal and -shm files appearing beside it. For private copies
 * only (it writes the header); files that already use a rollback journal are not opened.
 */
export function useRollbackJournal(file: string): void {
  if (headerJournal(file) !== 'wal') return;
  const sqlite = new Database(file, { fileMustExist: true });
  try {
    sqlite.pragma('journal_mode = DELETE');
  } finally {
    sqlite.close();
  }
}

export interface SoleAccess {
  /** Ends the exclusive lock (closes the connection). */
  release(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * Waits up to `timeoutMs` until no other connection has the database open, then holds it alone:
 * the WAL is folded into the main file and deleted, the header switched to a rollback journal,
 * and an exclusive lock held until release(), so nobody can read or write the file meanwhile.
 * This is what makes it safe to replace the file by a rename (a stale -wal beside a new file
 * would be replayed into it). The journal is kept in memory so that closing deletes no
 * `-journal` file by name — after a rename that name may belong to the new file. A leftover
 * -shm is harmless (the next WAL opener rebuilds it) and may be deleted while this is held.
 * Throws BusyError when other connections stay open; errors on a damaged file pass through.
 */
export async function takeSoleAccess(file: string, timeoutMs: number): Promise<SoleAccess> {
  // timeout 0: the loop below waits, so the event loop keeps running in between
  const sqlite = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    // WAL readers hold a shared lock on the file for as long as they are open, so the
    // exclusive lock below succeeds only when this is the only connection.
    sqlite.pragma('locking_mode = EXCLUSIVE');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const mode = sqlite.pragma('journal_mode = MEMORY', { simple: true });
        if (mode !== 'memory') throw Object.assign(new Error(`journal mode stays ${String(mode)}`), { code: 'SQLITE_BUSY' });
        break;
      } catch (err) {
        if (!isBusy(err)) throw err;
        if (Date.now() >= deadline) {
          throw new BusyError(`${file} is open in another process`, 'close the other crm or sqlite3 sessions that use it, then try again');
        }
        await sleep(100);
      }
    }
    return { release: () => sqlite.close() };
  } catch (err) {
    sqlite.close();
    throw err;
  }
}

/** A bigger page cache for one long write (a large import): index pages stay in memory. */
export function tuneForBulkWrite(sqlite: SqliteHandle): void {
  sqlite.pragma('cache_size = -32768'); // 32 MiB
  // a bounded page cache, not a map that grows with the file: an import's memory stays flat
  sqlite.pragma('mmap_size = 0');
}

/**
 * Drops a table's plain (non-unique) indexes and returns a function that creates them again.
 * For a bulk load inside one transaction: building an index once after the load is several
 * times faster than updating it row by row, and a rollback brings the indexes back anyway.
 */
export function dropSecondaryIndexes(sqlite: SqliteHandle, table: string): () => void {
  const indexes = sqlite
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'")
    .all(table) as { name: string; sql: string }[];
  for (const i of indexes) sqlite.exec(`DROP INDEX "${i.name.replaceAll('"', '""')}"`);
  return () => {
    for (const i of indexes) sqlite.exec(i.sql);
  };
}

/**
 * Turns foreign-key enforcement off for one bulk load and returns the function that turns it
 * back on. Both must run outside a transaction (SQLite ignores the pragma inside one). A load
 * that uses this checks its rows with missingReferences() before it commits: one set-based
 * check per reference column instead of a random look-up in each parent table for every row.
 */
export function foreignKeysOff(sqlite: SqliteHandle): () => void {
  if (sqlite.pragma('foreign_keys', { simple: true }) !== 1) return () => {};
  sqlite.pragma('foreign_keys = OFF');
  return () => sqlite.pragma('foreign_keys = ON');
}

/** The largest rowid of a table (0 when empty): rows a load writes afterwards are above it. */
export function maxRowid(sqlite: SqliteHandle, table: string): number {
  return (sqlite.prepare(`SELECT coalesce(max(rowid), 0) AS m FROM "${table.replaceAll('"', '""')}"`).get() as { m: number }).m;
}

/**
 * What foreign_keys = ON would have refused in the rows of `table` above rowid `after` and in the
 * rows `alsoIds`: a description of the first reference to a missing row, or undefined when every
 * reference resolves. The new rows' values are checked distinct and in order, so each parent
 * table is read once, in order.
 */
export function missingReferences(sqlite: SqliteHandle, table: string, after: number, alsoIds: readonly number[] = []): string | undefined {
  const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const fks = sqlite.prepare('SELECT "table" AS parent, "from" AS col, "to" AS target FROM pragma_foreign_key_list(?)').all(table) as { parent: string; col: string; target: string | null }[];
  for (const fk of fks) {
    const target = fk.target ?? 'rowid';
    const missing = `NOT EXISTS (SELECT 1 FROM ${q(fk.parent)} p WHERE p.${q(target)} = v)`;
    const bulk = sqlite.prepare(`SELECT v FROM (SELECT DISTINCT ${q(fk.col)} AS v FROM ${q(table)} WHERE rowid > ? AND ${q(fk.col)} IS NOT NULL ORDER BY 1) WHERE ${missing} LIMIT 1`).get(after) as { v: unknown } | undefined;
    const one = sqlite.prepare(`SELECT v FROM (SELECT ${q(fk.col)} AS v FROM ${q(table)} WHERE rowid = ? AND ${q(fk.col)} IS NOT NULL) WHERE ${missing}`);
    const found = bulk ?? alsoIds.map((id) => one.get(id) as { v: unknown } | undefined).find((r) => r !== undefined);
    if (found) return `${table}.${fk.col} = ${String(found.v)} refers to no row of ${fk.parent}`;
  }
  return undefined;
}
