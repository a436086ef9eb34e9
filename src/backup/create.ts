/**
 * Taking one backup. The order of steps is what makes it safe:
 *   1. copy into a hidden temporary file with the online backup API in one single step (or
 *      VACUUM INTO when that step cannot complete): one read transaction, so the copy is a
 *      consistent snapshot and finishes however busy the writers are (the backup API stepped
 *      a few pages at a time, as the sqlite3 shell does, restarts on every write by another
 *      connection);
 *   2. fsync it; check it with PRAGMA integrity_check (read-only) while hashing or gzipping it;
 *   3. write the manifest (temporary name, fsync, rename), then rename the copy to its backup
 *      name and fsync the directory.
 * A run killed at any point leaves only hidden temporary files (or, between the two renames, a
 * manifest without its file): nothing that is, or looks like, a backup without being a whole,
 * checked one. The caller holds the directory's lock.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { IntegrityError } from '../errors.js';
import { copyDatabase, useRollbackJournal, type CopyMethod, type FileInspection, type SqliteHandle } from '../db/sqlite.js';
import { both, fsyncDir, fsyncFile, gzipHashed, sha256File, timed, writeFileAtomic, type Hashed } from './files.js';
import { inspectCopy } from './inspect.js';
import { checkInterrupted } from './interrupt.js';
import { newManifest, serializeManifest, type CheckLevel, type Manifest } from './manifest.js';
import { TEMP_PREFIX, backupFileName, manifestNameFor } from './naming.js';

export interface CreateBackupOptions {
  /** the open live database */
  readonly sqlite: SqliteHandle;
  /** its path */
  readonly source: string;
  /** the backup directory: exists, locked by the caller */
  readonly dir: string;
  readonly compress: boolean;
  readonly check: CheckLevel;
  readonly crmVersion: string;
  readonly now: () => Date;
  readonly signal?: AbortSignal;
  /** tests only: copy with VACUUM INTO instead of the backup API (the fallback path) */
  readonly copyMethod?: CopyMethod;
  /** tests only: stop after this step ('copied', 'checked', 'manifest') until killed or interrupted */
  readonly stallAt?: string;
  /** tells the test that the run stalled */
  readonly onStall?: (step: string) => void;
}

export interface CreatedBackup {
  readonly path: string;
  readonly manifest: Manifest;
  readonly startedAt: Date;
  readonly finishedAt: Date;
}

/** The first free backup name for that second: crm-…-020000.db, crm-…-020000.1.db, … */
function freeName(dir: string, at: Date, compressed: boolean): string {
  for (let seq = 0; ; seq++) {
    const name = backupFileName(at, seq, compressed);
    if (!fs.existsSync(path.join(dir, name)) && !fs.existsSync(path.join(dir, manifestNameFor(name)))) return name;
  }
}

/** Tests only: waits here until killed or interrupted. */
async function stall(opts: CreateBackupOptions, step: string): Promise<void> {
  if (opts.stallAt !== step) return;
  opts.onStall?.(step);
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    await new Promise((_resolve, reject) => opts.signal?.addEventListener('abort', () => reject(opts.signal!.reason as Error), { once: true }));
  } finally {
    clearInterval(keepAlive);
  }
}

export async function createBackup(opts: CreateBackupOptions): Promise<CreatedBackup> {
  const { dir, signal } = opts;
  const startedAt = opts.now();
  const t0 = performance.now();
  const work = `${TEMP_PREFIX}${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  const rawTmp = path.join(dir, `${work}.db`);
  const gzTmp = path.join(dir, `${work}.db.gz`);
  const timings: Record<string, number> = {};
  let placedManifest: string | null = null;
  try {
    const copy = await timed(timings, 'copy', () => copyDatabase(opts.sqlite, rawTmp, opts.copyMethod));
    checkInterrupted(signal);
    await stall(opts, 'copied');
    await timed(timings, 'sync', () => {
      fsyncFile(rawTmp);
      useRollbackJournal(rawTmp); // a page copy of a WAL database says WAL in its header: make it say rollback
    });
    const check = timed(timings, 'check', () => inspectCopy(rawTmp, opts.check, signal));
    const store = timed(timings, opts.compress ? 'compress' : 'hash', () => (opts.compress ? gzipHashed(rawTmp, gzTmp, signal) : sha256File(rawTmp, signal)));
    const [inspection, stored]: [FileInspection, Hashed] = await both(check, store);
    checkInterrupted(signal);
    if (inspection.problems.length > 0) {
      throw new IntegrityError(
        `the copy of ${opts.source} fails ${opts.check === 'full' ? 'integrity_check' : 'quick_check'}: ${inspection.problems[0]}`,
        'the database itself is probably damaged: check it with sqlite3 "PRAGMA integrity_check" and restore the latest verified backup (crm backup list)',
      );
    }
    const databaseBytes = fs.statSync(rawTmp).size;
    if (opts.compress) {
      fsyncFile(gzTmp);
      fs.rmSync(rawTmp);
    }
    await stall(opts, 'checked');
    const name = freeName(dir, startedAt, opts.compress);
    const finishedAt = opts.now();
    const manifest = newManifest(startedAt, finishedAt, {
      file: name,
      bytes: stored.bytes,
      sha256: stored.sha256,
      compressed: opts.compress,
      database_bytes: databaseBytes,
      source: opts.source,
      schema_version: inspection.userVersion ?? 0,
      sqlite_version: inspection.sqliteVersion,
      crm_version: opts.crmVersion,
      check: opts.check,
      copy,
      rows: inspection.rows,
      timings_ms: { ...timings, total: Math.round(performance.now() - t0) },
    });
    const manifestPath = path.join(dir, manifestNameFor(name));
    writeFileAtomic(manifestPath, serializeManifest(manifest), `${work}.json`);
    placedManifest = manifestPath;
    await stall(opts, 'manifest');
    const final = path.join(dir, name);
    fs.renameSync(opts.compress ? gzTmp : rawTmp, final);
    placedManifest = null;
    fsyncDir(dir);
    return { path: final, manifest, startedAt, finishedAt };
  } catch (err) {
    for (const f of [rawTmp, gzTmp]) fs.rmSync(f, { force: true });
    if (placedManifest) fs.rmSync(placedManifest, { force: true });
    throw err;
  }
}
