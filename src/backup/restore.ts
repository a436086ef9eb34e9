/**
 * Restoring a backup over the live database, in two halves:
 *   prepare — copy the backup beside the database under a hidden name (decompressed, hashed on
 *             the way), then refuse it unless its sha256 matches its manifest and the copy passes
 *             integrity_check; nothing else is touched yet, so declining changes nothing;
 *   commit  — take sole access to the database (no other connection open; its WAL folded and
 *             deleted), give the current file a second name as the safety copy, and rename the
 *             checked copy over it. The rename is atomic: the database path always holds either
 *             the old or the new database, never a mix, and no stale -wal or -shm is left beside
 *             the new file to be replayed into it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LATEST_VERSION } from '../db/migrations.js';
import { BUSY_TIMEOUT_MS, takeSoleAccess, type SoleAccess } from '../db/sqlite.js';
import { BusyError, CrmError, DatabaseError, IntegrityError } from '../errors.js';
import { fsyncDir, fsyncFile } from './files.js';
import { checkInterrupted } from './interrupt.js';
import { RESTORE_TEMP_PREFIX } from './naming.js';
import { materializeAndCheck, type VerifyOutcome } from './verify.js';

export interface PreparedRestore {
  readonly backup: string;
  readonly live: string;
  /** the checked copy beside the live database, ready to be renamed over it */
  readonly copy: string;
  readonly outcome: VerifyOutcome;
}

export async function prepareRestore(backup: string, live: string, signal?: AbortSignal): Promise<PreparedRestore> {
  if (!fs.existsSync(backup) || fs.statSync(backup).isDirectory()) {
    throw new CrmError(`no backup file at ${backup}`, 'crm backup list shows the backups in the backup directory');
  }
  const dir = path.dirname(live);
  if (!fs.existsSync(dir)) throw new DatabaseError(`the directory ${dir} does not exist`, 'create it first, or choose another --db path');
  const copy = path.join(dir, `${RESTORE_TEMP_PREFIX}${process.pid}-${crypto.randomBytes(6).toString('hex')}.db`);
  try {
    const outcome = await materializeAndCheck(backup, copy, { level: 'full', signal });
    if (outcome.problems.length > 0) {
      throw new IntegrityError(`refusing to restore ${backup}: ${outcome.problems[0]}`, 'nothing was changed; choose another backup (crm backup list, crm backup verify --all)');
    }
    const version = outcome.inspection?.userVersion ?? 0;
    if (version > LATEST_VERSION) {
      throw new DatabaseError(`refusing to restore ${backup}: its schema version ${version} is newer than this crm understands (${LATEST_VERSION})`, 'restore it with the newer crm that wrote it');
    }
    fsyncFile(copy);
    checkInterrupted(signal);
    return { backup, live, copy, outcome };
  } catch (err) {
    fs.rmSync(copy, { force: true });
    throw err;
  }
}

export function discardRestore(p: PreparedRestore): void {
  fs.rmSync(p.copy, { force: true });
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `crm.db.pre-restore-20261122T101500.bak` (local time), `.1.bak` … on a clash. */
export function safetyName(live: string, at: Date): string {
  const stamp = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}T${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
  for (let n = 0; ; n++) {
    const name = `${live}.pre-restore-${stamp}${n ? `.${n}` : ''}.bak`;
    if (![name, `${name}-wal`].some((f) => fs.existsSync(f))) return name;
  }
}

/** A second name for the current database file: instant and exact; a copy where hard links are not supported. */
function keepAs(live: string, safety: string): void {
  try {
    fs.linkSync(live, safety);
  } catch (err) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS', 'EXDEV'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    fs.copyFileSync(live, safety, fs.constants.COPYFILE_EXCL);
    fsyncFile(safety);
  }
  fs.chmodSync(safety, 0o600);
}

export interface CommitResult {
  /** where the previous database was kept; null when there was none */
  readonly safety: string | null;
  /** set when the previous database could not be opened: it was replaced without sole access */
  readonly damaged: string | null;
}

export async function commitRestore(p: PreparedRestore, now: Date, signal?: AbortSignal): Promise<CommitResult> {
  const { live, copy } = p;
  const dir = path.dirname(live);
  const sidecars = [`${live}-wal`, `${live}-shm`, `${live}-journal`];
  if (![live, ...sidecars].some((f) => fs.existsSync(f))) {
    fs.renameSync(copy, live);
    fsyncDir(dir);
    return { safety: null, damaged: null };
  }
  let sole: SoleAccess | null = null;
  let damaged: string | null = null;
  if (fs.existsSync(live)) {
    try {
      sole = await takeSoleAccess(live, BUSY_TIMEOUT_MS);
    } catch (err) {
      if (err instanceof BusyError) throw new BusyError(`${err.message}; nothing was changed`, err.hint);
      // a damaged or foreign file: nobody can be using it as a crm database
      damaged = err instanceof Error ? err.message : String(err);
    }
  }
  try {
    checkInterrupted(signal); // a Ctrl-C while waiting for sole access: stop before changing anything
    const safety = safetyName(live, now);
    if (fs.existsSync(live)) keepAs(live, safety);
    // With sole access the WAL is folded and gone. Without it (a damaged file) a WAL may hold
    // committed pages and a journal the means to roll back: they go beside the safety copy,
    // where SQLite looks for them. The -shm is only an index, rebuilt from the WAL when needed.
    for (const suffix of ['-wal', '-journal']) {
      if (fs.existsSync(live + suffix)) fs.renameSync(live + suffix, safety + suffix);
    }
    fs.rmSync(`${live}-shm`, { force: true });
    fs.renameSync(copy, live);
    fsyncDir(dir);
    return { safety: fs.existsSync(safety) ? safety : null, damaged };
  } finally {
    sole?.release();
  }
}
