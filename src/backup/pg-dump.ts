/**
 * Backups of a crm database on a PostgreSQL server: a pg_dump custom-format archive (crm writes
 * no dump format of its own), taken and checked like a SQLite backup and described by the same
 * manifest. The steps:
 *   1. one REPEATABLE READ transaction exports its snapshot; pg_dump --snapshot dumps exactly
 *      that moment while the same transaction counts the rows of every table, so the counts in
 *      the manifest are those of the dump, however busy the writers are (none is blocked);
 *   2. the archive goes to a hidden temporary file (mode 0600), fsynced; `pg_restore --list`
 *      reads its table of contents, and with --check full (the default) `pg_restore -f -` reads
 *      every data block and crm counts the rows of each table in it against the server's counts;
 *   3. the manifest (sha256 of the file) is written under a temporary name and renamed, then the
 *      archive is renamed to `crm-<database>-YYYYMMDD-HHMMSS.dump` and the directory fsynced.
 * A run killed at any point leaves only hidden temporary files (swept by the next run), never
 * something that looks like a backup. The caller holds the directory's lock.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { createPool, type PgTarget } from '../db/postgres.js';
import { CrmError, IntegrityError, atServer } from '../errors.js';
import type { FileInspection } from '../db/sqlite.js';
import type { CreatedBackup } from './create.js';
import { both, fsyncDir, fsyncFile, sha256File, timed, writeFileAtomic, type Hashed } from './files.js';
import { checkInterrupted } from './interrupt.js';
import { newManifest, serializeManifest, type CheckLevel, type Manifest } from './manifest.js';
import { TEMP_PREFIX, manifestNameFor } from './naming.js';
import { pgBackupFileName } from './pg-naming.js';
import { findPgTool, majorOf, pgToolEnv, runPgTool, type PgTool } from './pg-tools.js';
import { readManifestOf, type VerifyOutcome } from './verify.js';

/** Whether a file is a pg_dump custom-format archive (it starts with "PGDMP"). */
export function isPgDump(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const b = Buffer.alloc(5);
    return fs.readSync(fd, b, 0, 5, 0) === 5 && b.toString('latin1') === 'PGDMP';
  } catch {
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/** What the manifest says was checked: for the message after a backup. */
export function pgCheckLabel(m: Manifest): string {
  return m.check === 'full' ? 'pg_restore read-back' : 'pg_restore --list';
}

// ---- reading an archive back ------------------------------------------------------------------

export interface ArchiveContent {
  /** rows per table, from the COPY blocks of `pg_restore -f -` (only with level full) */
  readonly rows: Record<string, number> | null;
  /** crm_meta's values, when the archive has its data (level full) */
  readonly meta: Record<string, string> | null;
  /** the tables whose data the archive holds, from its table of contents */
  readonly tables: readonly string[];
  readonly dumpedBy: string | null;
}

const unquote = (name: string) => (name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name);

/** Counts the rows of each COPY block of a plain-SQL dump as it streams by. */
class CopyCounter {
  readonly rows: Record<string, number> = {};
  readonly meta: Record<string, string> = {};
  private table: string | null = null;
  private rest = '';

  push(chunk: Buffer): void {
    const text = this.rest + chunk.toString('utf8');
    const lines = text.split('\n');
    this.rest = lines.pop()!;
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (this.table === null) {
      const m = /^COPY (?:("(?:[^"]|"")*"|[^ .]+)\.)?("(?:[^"]|"")*"|[^ (]+) /.exec(line);
      if (m && line.endsWith('FROM stdin;')) {
        this.table = unquote(m[2]!);
        if (this.table !== 'crm_meta') this.rows[this.table] ??= 0;
      }
      return;
    }
    if (line === '\\.') {
      this.table = null;
      return;
    }
    if (this.table === 'crm_meta') {
      const [k, v] = line.split('\t');
      if (k !== undefined && v !== undefined) this.meta[k] = v;
    } else this.rows[this.table]! += 1;
  }
}

/** A problem with the archive (it is damaged), as opposed to a problem running the tool. */
class ArchiveProblem extends Error {}

/**
 * Reads an archive with pg_restore: its table of contents always, every data block with level
 * full. Damage is thrown as ArchiveProblem; a missing or too old pg_restore as CrmError.
 */
async function readArchive(file: string, tool: PgTool, level: CheckLevel, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<ArchiveContent> {
  let toc = '';
  const base = { tool, env: { ...env, PGPASSWORD: undefined }, signal };
  const asProblem = (err: unknown): never => {
    if (err instanceof CrmError && /unsupported version/i.test(err.message)) {
      throw new CrmError(`${err.message}`, `the archive was written by a newer pg_dump than ${tool.path}: install a newer PostgreSQL client, or set CRM_PG_BINDIR`);
    }
    if (err instanceof CrmError) throw new ArchiveProblem(err.message.replace(/^.*? failed: /, ''));
    throw err;
  };
  await runPgTool({ ...base, args: ['--list', file], what: 'pg_restore --list', onStdout: (d) => (toc += d.toString()) }).catch(asProblem);
  const tables = [...toc.matchAll(/^\d+; \d+ \d+ TABLE DATA (\S+) (\S+) /gm)].map((m) => unquote(m[2]!));
  const dumpedBy = /Dumped by pg_dump version: (.+)/.exec(toc)?.[1]?.trim() ?? null;
  if (!/^;\s+Format: CUSTOM/m.test(toc)) throw new ArchiveProblem('it is not a pg_dump custom-format archive');
  if (!tables.includes('crm_meta')) throw new ArchiveProblem('it is a PostgreSQL dump but not of a crm database (no crm_meta table)');
  if (level !== 'full') return { rows: null, meta: null, tables, dumpedBy };
  const counter = new CopyCounter();
  await runPgTool({ ...base, args: ['--file=-', file], what: 'pg_restore', onStdout: (d) => counter.push(d) }).catch(asProblem);
  checkInterrupted(signal);
  return { rows: counter.rows, meta: counter.meta, tables, dumpedBy };
}

/** The differences between two sets of row counts, in words; empty when they agree. */
export function rowDifferences(expected: Readonly<Record<string, number>>, actual: Readonly<Record<string, number>>): string[] {
  const out: string[] = [];
  for (const [t, n] of Object.entries(expected)) {
    if (actual[t] !== n) out.push(`${t}: ${actual[t] ?? 'missing'} rows, expected ${n}`);
  }
  return out;
}

// ---- taking a backup ----------------------------------------------------------------------------

export interface CreatePgBackupOptions {
  readonly target: PgTarget;
  readonly env: NodeJS.ProcessEnv;
  /** the backup directory: exists, locked by the caller */
  readonly dir: string;
  readonly check: CheckLevel;
  readonly crmVersion: string;
  readonly now: () => Date;
  readonly signal?: AbortSignal;
  /** tests only: stop after this step ('copied', 'checked', 'manifest') until killed or interrupted */
  readonly stallAt?: string;
  readonly onStall?: (step: string) => void;
}

/** Tests only: waits here until killed or interrupted. */
async function stall(opts: CreatePgBackupOptions, step: string): Promise<void> {
  if (opts.stallAt !== step) return;
  opts.onStall?.(step);
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    await new Promise((_resolve, reject) => opts.signal?.addEventListener('abort', () => reject(opts.signal!.reason as Error), { once: true }));
  } finally {
    clearInterval(keepAlive);
  }
}

function freeName(dir: string, database: string, at: Date): string {
  for (let seq = 0; ; seq++) {
    const name = pgBackupFileName(database, at, seq);
    if (!fs.existsSync(path.join(dir, name)) && !fs.existsSync(path.join(dir, manifestNameFor(name)))) return name;
  }
}

interface Snapshot {
  readonly id: string;
  readonly serverMajor: number;
  readonly serverVersion: string;
  readonly databaseBytes: number;
  readonly schemaVersion: number;
  readonly tables: readonly string[];
}

/** Opens the REPEATABLE READ transaction whose snapshot pg_dump will dump. */
async function exportSnapshot(client: pg.ClientBase): Promise<Snapshot> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const r = await client.query<{ id: string; num: string; ver: string; bytes: number }>(
    `SELECT pg_export_snapshot() AS id, current_setting('server_version_num') AS num, current_setting('server_version') AS ver, pg_database_size(current_database()) AS bytes`,
  );
  const row = r.rows[0]!;
  // crm_meta is what PRAGMA application_id and user_version are on SQLite: not counted as rows
  const tables = (await client.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'crm_meta' ORDER BY 1`)).rows.map((x) => x.t);
  const version = await client.query<{ value: string }>(`SELECT value FROM crm_meta WHERE key = 'schema_version'`);
  return {
    id: row.id,
    serverMajor: Math.floor(Number(row.num) / 10000),
    serverVersion: row.ver,
    databaseBytes: Number(row.bytes),
    schemaVersion: Number(version.rows[0]?.value ?? 0),
    tables,
  };
}

async function countRows(client: pg.ClientBase, tables: readonly string[]): Promise<Record<string, number>> {
  const rows: Record<string, number> = {};
  for (const t of tables) {
    const r = await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${client.escapeIdentifier(t)}`);
    rows[t] = Number(r.rows[0]!.n);
  }
  return rows;
}

export async function createPgBackup(opts: CreatePgBackupOptions): Promise<CreatedBackup> {
  const { dir, signal, target } = opts;
  const startedAt = opts.now();
  const t0 = performance.now();
  const tmp = path.join(dir, `${TEMP_PREFIX}${process.pid}-${crypto.randomBytes(6).toString('hex')}.dump`);
  const timings: Record<string, number> = {};
  let placedManifest: string | null = null;
  const pool = createPool(target, opts.env, 1);
  try {
    // 1. the snapshot, the dump of it and the row counts in it
    let snap: Snapshot;
    let rows: Record<string, number>;
    let dumper: PgTool;
    const client = await pool.connect().catch((err: unknown) => {
      throw atServer(err, target.display);
    });
    try {
      snap = await exportSnapshot(client);
      dumper = findPgTool('pg_dump', snap.serverMajor, opts.env);
      fs.closeSync(fs.openSync(tmp, 'wx', 0o600)); // pg_dump writes into it and keeps its mode
      const dump = timed(timings, 'copy', () =>
        runPgTool({
          tool: dumper,
          args: ['--format=custom', `--file=${tmp}`, `--snapshot=${snap.id}`, '--no-password', '--lock-wait-timeout=60000'],
          env: pgToolEnv(target, opts.env),
          signal,
          what: `pg_dump of ${target.display}`,
        }),
      );
      [, rows] = await both(dump, countRows(client, snap.tables));
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await pool.end();
    checkInterrupted(signal);
    await stall(opts, 'copied');

    // 2. durable, then read back
    await timed(timings, 'sync', () => fsyncFile(tmp));
    const restorer = findPgTool('pg_restore', dumper.major, opts.env);
    const check = timed(timings, 'check', () => readArchive(tmp, restorer, opts.check, opts.env, signal));
    const hash = timed(timings, 'hash', () => sha256File(tmp, signal));
    let content: ArchiveContent;
    let stored: Hashed;
    try {
      [content, stored] = await both(check, hash);
    } catch (err) {
      if (err instanceof ArchiveProblem) throw new IntegrityError(`pg_restore cannot read the new dump of ${target.display}: ${err.message}`, 'nothing was kept; run the backup again, and check the disk of the backup directory');
      throw err;
    }
    checkInterrupted(signal);
    if (content.rows) {
      const diff = rowDifferences(rows, content.rows);
      if (diff.length > 0) throw new IntegrityError(`the dump of ${target.display} does not hold what the server counted: ${diff[0]}`, 'nothing was kept; run the backup again');
    }
    await stall(opts, 'checked');

    // 3. manifest, then the name
    const name = freeName(dir, target.database, startedAt);
    const finishedAt = opts.now();
    const manifest = newManifest(startedAt, finishedAt, {
      file: name,
      bytes: stored.bytes,
      sha256: stored.sha256,
      compressed: false,
      database_bytes: snap.databaseBytes,
      source: target.display,
      schema_version: snap.schemaVersion,
      engine: 'postgresql',
      postgresql: { database: target.database, server_version: snap.serverVersion, pg_dump_version: dumper.version },
      crm_version: opts.crmVersion,
      check: opts.check,
      rows,
      timings_ms: { ...timings, total: Math.round(performance.now() - t0) },
    });
    const manifestPath = path.join(dir, manifestNameFor(name));
    writeFileAtomic(manifestPath, serializeManifest(manifest), `${path.basename(tmp)}.json`);
    placedManifest = manifestPath;
    await stall(opts, 'manifest');
    const final = path.join(dir, name);
    fs.renameSync(tmp, final);
    placedManifest = null;
    fsyncDir(dir);
    return { path: final, manifest, startedAt, finishedAt };
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    if (placedManifest) fs.rmSync(placedManifest, { force: true });
    throw err;
  } finally {
    await pool.end().catch(() => {});
  }
}

// ---- verifying a backup -----------------------------------------------------------------------

export interface VerifyPgOptions {
  readonly level: CheckLevel;
  readonly env: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
}

/**
 * Checks a PostgreSQL backup again, changing nothing: its sha256 against the manifest, its table
 * of contents with `pg_restore --list` and, with level full, every data block read back and the
 * rows of each table counted against the manifest.
 */
export async function verifyPgBackupFile(file: string, opts: VerifyPgOptions): Promise<VerifyOutcome> {
  if (!fs.existsSync(file)) throw new CrmError(`no backup at ${file}`, 'crm backup list shows the backups in the backup directory');
  const { manifest, problem: manifestProblem } = readManifestOf(file);
  const minMajor = manifest?.postgresql ? majorOf(manifest.postgresql.pg_dump_version) : 0;
  const restorer = findPgTool('pg_restore', minMajor, opts.env);
  const [stored, read] = await Promise.all([
    sha256File(file, opts.signal),
    readArchive(file, restorer, opts.level, opts.env, opts.signal).then(
      (content) => ({ content, problem: null as string | null }),
      (err: unknown) => {
        if (err instanceof ArchiveProblem) return { content: null, problem: err.message };
        throw err;
      },
    ),
  ]);
  const checksum = !manifest ? 'no manifest' : manifest.sha256 === stored.sha256 && manifest.bytes === stored.bytes ? 'ok' : 'mismatch';
  const problems: string[] = [];
  const archiveProblems: string[] = [];
  if (manifestProblem) problems.push(`its manifest cannot be used: ${manifestProblem}`);
  if (checksum === 'mismatch') problems.push('its sha256 differs from the manifest: the file was changed or damaged after it was written');
  if (read.problem) archiveProblems.push(`pg_restore: ${read.problem}`);
  const content = read.content;
  if (content?.meta && content.meta.application !== 'crm') archiveProblems.push('it is a PostgreSQL dump but not of a crm database');
  if (content?.rows && manifest) {
    const diff = rowDifferences(manifest.rows, content.rows);
    if (diff.length > 0) archiveProblems.push(`its rows differ from the manifest: ${diff[0]}`);
  }
  problems.push(...archiveProblems);
  const userVersion = content?.meta?.schema_version !== undefined ? Number(content.meta.schema_version) : (manifest?.schema_version ?? null);
  const inspection: FileInspection = {
    problems: archiveProblems,
    applicationId: null,
    userVersion,
    sqliteVersion: '',
    rows: content?.rows ?? (manifest?.rows as Record<string, number> | undefined) ?? {},
  };
  return { path: file, manifest, manifestProblem, checksum, stored, inspection, problems };
}
