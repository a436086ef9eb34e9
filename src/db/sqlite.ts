/**
 * What only SQLite has: pragmas, VACUUM INTO, integrity_check, sqlite_master. Everything
 * outside src/db talks to the database through Kysely or through functions here, so a second
 * backend is an addition, not a rewrite.
 */
import { availableParallelism } from 'node:os';
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

/** How copyDatabase() made its copy. */
export type CopyMethod = 'backup-api' | 'vacuum-into';

/** sqlite3_backup_step(N) with N at least the page count: the whole database in one step. */
const ALL_PAGES = 0x7fffffff;

class NotInOneStep extends Error {}

/**
 * The online backup API in ONE step: every page copied as it is (no index is rebuilt, unlike
 * VACUUM INTO) within the step's single read transaction, so the copy is a snapshot of one
 * moment. Writers in other processes cannot make it start over: a restart is only noticed when
 * a step begins, and there is only one. (The sqlite3 shell copies 100 pages a step, and each
 * commit by another process sends it back to page 1.) Resolves false when the copy did not
 * complete in that step — the source was locked — and the caller should use another method.
 */
async function backupInOneStep(sqlite: SqliteHandle, target: string): Promise<boolean> {
  let steps = 0;
  try {
    // better-sqlite3 first calls sqlite3_backup_step(0) (locks, page count), then asks the
    // progress callback how many pages the next step should copy: all of them
    const done = await sqlite.backup(target, {
      progress: () => {
        if (++steps > 1) throw new NotInOneStep();
        return ALL_PAGES;
      },
    });
    // a source locked at step 0 reports 0 pages and 0 remaining, which looks like "done"
    return done.totalPages > 0 && done.remainingPages === 0;
  } catch (err) {
    if (err instanceof NotInOneStep) return false;
    throw err;
  }
}

/** A failed copy and the rollback journal its writer may have left beside it. */
function removeWithJournal(file: string): void {
  for (const f of [file, `${file}-journal`]) fs.rmSync(f, { force: true });
}

/**
 * A consistent copy of the whole database into `target` (which must not exist), created 0600;
 * the caller fsyncs it. The online backup API in one step (a page copy, as fast as the
 * sqlite3 shell's .backup); VACUUM INTO when that did not complete, or when `prefer` says so.
 * Both read in one transaction, so they finish however busy the writers are.
 */
export async function copyDatabase(sqlite: SqliteHandle, target: string, prefer: CopyMethod = 'backup-api'): Promise<CopyMethod> {
  if (prefer === 'backup-api') {
    fs.closeSync(fs.openSync(target, 'wx', 0o600));
    let complete: boolean;
    try {
      complete = await backupInOneStep(sqlite, target);
    } catch (err) {
      removeWithJournal(target);
      throw err;
    }
    if (complete) return 'backup-api';
    removeWithJournal(target);
  }
  vacuumInto(sqlite, target);
  return 'vacuum-into';
}

export type IntegrityLevel = 'full' | 'quick';

export interface FileInspection {
  /** what the check found, or why the file could not be read; [] when sound */
  readonly problems: readonly string[];
  readonly applicationId: number | null;
  readonly userVersion: number | null;
  readonly sqliteVersion: string;
  /** rows per table (only when there are no problems) */
  readonly rows: Readonly<Record<string, number>>;
}

/**
 * One PRAGMA of a file check: quick_check of the whole file, or integrity_check of one table and
 * its indexes. `cost` is a rough estimate, for running the biggest first.
 */
export interface CheckTask {
  readonly pragma: 'quick_check' | 'integrity_check';
  readonly table?: string;
  readonly cost: number;
}

/** What a file check needs to know first, and the PRAGMAs that make it up. */
export interface CheckPlan {
  readonly applicationId: number | null;
  readonly userVersion: number | null;
  readonly rows: Readonly<Record<string, number>>;
  /** why the file could not even be read (then there are no tasks) */
  readonly problems: readonly string[];
  /** counting the rows failed: a problem unless the tasks find a better one */
  readonly countProblem: string | null;
  readonly tasks: readonly CheckTask[];
}

/** A whole database file of up to 2 GB mapped: the checks follow b-tree pointers all over the file. */
const CHECK_MMAP_BYTES = 0x7fff0000;

/**
 * Opens a file read-only for checking. Not one byte of it changes (its checksum stays valid). The
 * file must use a rollback journal (see useRollbackJournal), or a read-only open would create
 * -wal and -shm files beside it. Throws only when the file is missing or unreadable.
 */
export function openForCheck(file: string): SqliteHandle {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  // reads through the map instead of read() calls into the page cache: integrity_check of a
  // 1 GB file about 15% faster than with a 64 MiB page cache, quick_check about 35%
  sqlite.pragma(`mmap_size = ${CHECK_MMAP_BYTES}`);
  return sqlite;
}

/**
 * A second, read-only connection to a base another connection of this process is writing in
 * WAL mode (an import's validating thread): it sees the last commit, and nothing else can
 * commit while the writer holds the write lock.
 */
export function openReader(file: string): SqliteHandle {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  applyConnectionPragmas(sqlite, true);
  // pages through a bounded cache, not a map of the file: the import's memory stays flat
  sqlite.pragma('mmap_size = 0');
  return sqlite;
}

const quoteName = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Reads the header fields and the row counts, and splits the check into tasks that can run in
 * parallel on separate connections. 'quick' is one quick_check. 'full' — everything PRAGMA
 * integrity_check checks — is quick_check of the whole file (every b-tree and page, the freelist,
 * pages used twice or never, NOT NULL, CHECK and column types, virtual tables) plus
 * integrity_check(T) for every table with an index or WITHOUT ROWID (what quick_check leaves
 * out: each index entry against its row, UNIQUE, primary-key order). A table's integrity_check
 * (SQLite 3.33+) checks that table's b-trees, rows and indexes but not the pages of the file as
 * a whole, which is why quick_check goes with them.
 */
export function planCheck(sqlite: SqliteHandle, level: IntegrityLevel): CheckPlan {
  let appId: number | null = null;
  let version: number | null = null;
  try {
    appId = applicationId(sqlite);
    version = userVersion(sqlite);
  } catch (err) {
    const problem = err instanceof Error ? err.message : String(err);
    return { applicationId: appId, userVersion: version, rows: {}, problems: [problem], countProblem: null, tasks: [] };
  }
  const rows: Record<string, number> = {};
  let countProblem: string | null = null;
  try {
    for (const t of listTables(sqlite)) rows[t] = (sqlite.prepare(`SELECT count(*) AS n FROM ${quoteName(t)}`).get() as { n: number }).n;
  } catch (err) {
    countProblem = err instanceof Error ? err.message : String(err);
  }
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  const tasks: CheckTask[] = [{ pragma: 'quick_check', cost: total }];
  if (level === 'full') {
    try {
      const indexes = new Map<string, number>();
      for (const r of sqlite.prepare("SELECT tbl_name AS t, count(*) AS n FROM sqlite_master WHERE type = 'index' GROUP BY tbl_name").all() as { t: string; n: number }[]) {
        indexes.set(r.t, r.n);
      }
      const tables = sqlite.prepare("SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow')").all() as { name: string; wr: number }[];
      for (const t of tables) {
        const n = indexes.get(t.name) ?? 0;
        if (n > 0 || t.wr === 1) tasks.push({ pragma: 'integrity_check', table: t.name, cost: (rows[t.name] ?? total) * (1 + n) });
      }
    } catch {
      // the schema cannot be read table by table: one integrity_check of everything
      tasks.splice(0, tasks.length, { pragma: 'integrity_check', cost: total });
    }
  }
  tasks.sort((a, b) => b.cost - a.cost);
  return { applicationId: appId, userVersion: version, rows, problems: [], countProblem, tasks };
}

/** Runs one task: the problems it found ([] when sound); a file that cannot be read at all is a problem too. */
export function runCheck(sqlite: SqliteHandle, task: CheckTask, maxProblems = 20): string[] {
  try {
    // the argument is either a table name or a number of problems, not both; a table's own
    // check reports at most 100
    const arg = task.table === undefined ? String(maxProblems) : quoteName(task.table);
    const rows = sqlite.pragma(`${task.pragma}(${arg})`) as Record<string, string>[];
    return rows.map((r) => r[task.pragma] ?? '').filter((m) => m !== 'ok').slice(0, maxProblems);
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
}

/** The outcome of a plan and the problems its tasks found. */
export function inspectionOf(plan: CheckPlan, found: readonly string[], maxProblems = 20): FileInspection {
  const problems = [...plan.problems, ...found].slice(0, maxProblems);
  if (problems.length === 0 && plan.countProblem) problems.push(plan.countProblem);
  return {
    problems,
    applicationId: plan.applicationId,
    userVersion: plan.userVersion,
    sqliteVersion: sqliteVersionOf(),
    rows: problems.length === 0 ? plan.rows : {},
  };
}

/**
 * Checks a database file and counts the rows of every table, on this thread, one task after
 * the other (src/backup/inspect.ts runs the same tasks on worker threads). Damage is returned as
 * problems, not thrown; only a missing or unreadable file throws.
 */
export function inspectDatabaseFile(file: string, level: IntegrityLevel): FileInspection {
  const sqlite = openForCheck(file);
  try {
    const plan = planCheck(sqlite, level);
    const found: string[] = [];
    for (const task of plan.tasks) {
      found.push(...runCheck(sqlite, task));
      if (found.length > 0) break;
    }
    return inspectionOf(plan, found);
  } finally {
    sqlite.close();
  }
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

/**
 * The page cache of one long write (a large import): 16 MiB keeps the pages the load touches in
 * memory (32 MiB was no faster for 1M activities, and 35 MB more at the peak of a 1 GB file).
 */
export function tuneForBulkWrite(sqlite: SqliteHandle): void {
  sqlite.pragma('cache_size = -16384'); // 16 MiB
  // a bounded page cache, not a map that grows with the file: an import's memory stays flat
  sqlite.pragma('mmap_size = 0');
}

/** Page cache while indexes are rebuilt (negative: KiB). */
const SORT_CACHE = -8192;

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
    // the sorter that builds an index may use helper threads: the other cores are idle by now
    // (each sorting thread keeps up to cache_size in memory: a smaller cache meanwhile keeps the
    // peak flat, and sorts no slower)
    const threads = sqlite.pragma('threads', { simple: true }) as number;
    const cache = sqlite.pragma('cache_size', { simple: true }) as number;
    sqlite.pragma(`threads = ${Math.min(4, availableParallelism())}`);
    sqlite.pragma(`cache_size = ${SORT_CACHE}`);
    try {
      for (const i of indexes) sqlite.exec(i.sql);
    } finally {
      sqlite.pragma(`threads = ${threads}`);
      sqlite.pragma(`cache_size = ${cache}`);
    }
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
    // every row (a table that was empty): an index that starts with the column gives its values in order
    const range = after > 0 ? `rowid > ${Number(after)} AND ` : '';
    const bulk = sqlite.prepare(`SELECT v FROM (SELECT DISTINCT ${q(fk.col)} AS v FROM ${q(table)} WHERE ${range}${q(fk.col)} IS NOT NULL ORDER BY 1) WHERE ${missing} LIMIT 1`).get() as { v: unknown } | undefined;
    const one = sqlite.prepare(`SELECT v FROM (SELECT ${q(fk.col)} AS v FROM ${q(table)} WHERE rowid = ? AND ${q(fk.col)} IS NOT NULL) WHERE ${missing}`);
    const found = bulk ?? alsoIds.map((id) => one.get(id) as { v: unknown } | undefined).find((r) => r !== undefined);
    if (found) return `${table}.${fk.col} = ${String(found.v)} refers to no row of ${fk.parent}`;
  }
  return undefined;
}
