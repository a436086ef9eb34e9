/**
 * crm backup [create] | list | verify | prune — thin: parse the flags, find the directory, take
 * the lock, call src/backup, render. Cron-friendly: with --quiet a successful run prints nothing,
 * a failed one prints one line on stderr and exits non-zero.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readCatalog, type BackupEntry } from '../../backup/catalog.js';
import { createBackup, type CreatedBackup } from '../../backup/create.js';
import { formatBytes } from '../../backup/files.js';
import { withInterrupt } from '../../backup/interrupt.js';
import { acquireLock, type HeldLock } from '../../backup/lock.js';
import { isoLocal, totalRows, type CheckLevel } from '../../backup/manifest.js';
import { applyPrune, planPrune, sweepLeftovers, type PruneItem } from '../../backup/prune.js';
import { isEmptyPolicy, type RetentionPolicy } from '../../backup/retention.js';
import { resolveBackupFile } from '../../backup/paths.js';
import { createPgBackup, isPgDump, pgCheckLabel, verifyPgBackupFile } from '../../backup/pg-dump.js';
import { backupDirFor, backupDirOf, catalogOf, lookupDirOf } from '../../backup/pg-paths.js';
import { isGood, recordVerify, verifyBackupFile, type VerifyOutcome } from '../../backup/verify.js';
import { resolveTarget, type DbTarget } from '../../db/target.js';
import { BusyError, CrmError, IntegrityError, UsageError, classifyError } from '../../errors.js';
import type { Row, TableModel } from '../../render/model.js';
import { localDateTime } from '../../util/dates.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';

export interface KeepFlags {
  keepLast?: string;
  keepDaily?: string;
  keepWeekly?: string;
  keepMonthly?: string;
}

export interface CreateFlags extends KeepFlags {
  to?: string;
  compress?: boolean;
  check?: string;
  wait?: boolean | string;
  log?: string;
}

// ---- shared parsing -----------------------------------------------------------------------

function count(flag: string, value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${flag} needs a whole number of backups to keep (got ${JSON.stringify(value)})`);
  return Number(value);
}

export function parsePolicy(f: KeepFlags): RetentionPolicy {
  return {
    last: count('--keep-last', f.keepLast),
    daily: count('--keep-daily', f.keepDaily),
    weekly: count('--keep-weekly', f.keepWeekly),
    monthly: count('--keep-monthly', f.keepMonthly),
  };
}

function parseCheck(value: string | undefined): CheckLevel {
  if (value === undefined || value === 'full') return 'full';
  if (value === 'quick') return 'quick';
  throw new UsageError(`--check must be full or quick (got ${JSON.stringify(value)})`);
}

/** --wait → as long as it takes; --wait 600 → up to ten minutes; no flag → not at all. */
function parseWait(value: boolean | string | undefined): number {
  if (value === undefined || value === false) return 0;
  if (value === true) return Infinity;
  if (!/^\d+(\.\d+)?$/.test(value)) throw new UsageError(`--wait takes a number of seconds (got ${JSON.stringify(value)})`);
  return Number(value) * 1000;
}

function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

const codeOf = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code ?? '';

/** A write that failed in the backup directory, said in the user's terms. */
function writeFailure(err: unknown, dir: string): unknown {
  if (err instanceof CrmError) return err;
  const code = codeOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL' || code === 'EFBIG') {
    return new CrmError(`no space left for the backup in ${dir} (${detail}); nothing was kept`, 'free some space there, or choose another directory with --to');
  }
  if (['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'EISDIR'].includes(code) || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY')) {
    return new CrmError(`cannot write the backup to ${dir}: ${detail}`, 'check that the directory exists and is writable, or choose another with --to');
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') {
    return new CrmError(`writing the backup to ${dir} failed: ${detail}; nothing was kept`, 'check the disk (space, errors in the system log), or choose another directory with --to');
  }
  // an error that lost its code on the way (e.g. from the checking thread) on a full disk
  if (nearlyFull(dir)) {
    return new CrmError(`no space left for the backup in ${dir} (${detail}); nothing was kept`, 'free some space there, or choose another directory with --to');
  }
  return err;
}

/** Less than 1 MiB free where the backup was being written. */
function nearlyFull(dir: string): boolean {
  try {
    const st = fs.statfsSync(dir);
    return st.bavail * st.bsize < 1024 * 1024;
  } catch {
    return false;
  }
}

function ensureDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw writeFailure(err, dir);
  }
  if (!fs.statSync(dir).isDirectory()) throw new CrmError(`cannot write the backup to ${dir}: it is not a directory`, 'choose a directory with --to');
}

async function lockDir(ctx: Context, dir: string, waitMs: number, signal: AbortSignal): Promise<HeldLock> {
  try {
    return await acquireLock(dir, { waitMs: 0 });
  } catch (err) {
    if (waitMs === 0 || !(err instanceof CrmError)) throw writeFailure(err, dir);
    ctx.info(`${err.message}; waiting for it to finish`);
    return acquireLock(dir, { waitMs, signal });
  }
}

// ---- crm backup [create] --------------------------------------------------------------------

async function recordRun(created: CreatedBackup, record: () => Promise<unknown>): Promise<void> {
  try {
    await record();
  } catch (raw) {
    const err = classifyError(raw);
    const message = `the backup ${created.path} was written and checked, but recording it in the database failed`;
    if (err instanceof BusyError) throw new BusyError(`${message}: the database stayed busy`, 'the backup itself is good; crm info will show the previous one as the last backup');
    throw err instanceof CrmError ? new CrmError(`${message}: ${err.message}`, err.hint) : err;
  }
}

function rotate(ctx: Context, dir: string, policy: RetentionPolicy, created: CreatedBackup, target: DbTarget): void {
  if (isEmptyPolicy(policy)) return;
  try {
    const deleted = applyPrune(dir, planPrune(catalogOf(readCatalog(dir), target), policy));
    for (const d of deleted) ctx.info(`deleted old backup ${d.name}`);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new CrmError(`the backup ${created.path} was written, but deleting old backups failed: ${detail}`, 'check the permissions of the backup directory');
  }
}

async function backupOnce(ctx: Context, flags: CreateFlags, policy: RetentionPolicy, signal: AbortSignal): Promise<CreatedBackup> {
  const check = parseCheck(flags.check);
  const waitMs = parseWait(flags.wait);
  const target = resolveTarget(ctx.dbFlag, ctx.env);
  const dir = backupDirFor(flags.to, ctx.env, target);
  if (target.kind === 'postgres' && flags.compress) ctx.info('a pg_dump custom-format archive is compressed already: --compress changes nothing on PostgreSQL');
  return withDatabase(ctx, async (cdb) => {
    ensureDir(dir);
    const lock = await lockDir(ctx, dir, waitMs, signal);
    try {
      const swept = sweepLeftovers(dir);
      if (swept.length > 0) ctx.info(`removed ${swept.length} leftover file(s) of an interrupted backup`);
      let created: CreatedBackup;
      try {
        created = target.kind === 'postgres'
          ? await createPgBackup({ target, env: ctx.env, dir, check, crmVersion: packageVersion(), now: () => ctx.now(), signal, stallAt: ctx.env.CRM_TEST_BACKUP_STALL, onStall: (step) => ctx.warn(`stalled after ${step}`) })
          : await createBackup({
          sqlite: cdb.sqlite,
          source: cdb.path,
          dir,
          compress: flags.compress ?? false,
          check,
          crmVersion: packageVersion(),
          now: () => ctx.now(),
          signal,
          copyMethod: ctx.env.CRM_TEST_BACKUP_COPY === 'vacuum-into' ? 'vacuum-into' : undefined,
          stallAt: ctx.env.CRM_TEST_BACKUP_STALL,
          onStall: (step) => ctx.warn(`stalled after ${step}`),
        });
      } catch (err) {
        throw writeFailure(err, dir);
      }
      const m = created.manifest;
      await recordRun(created, () =>
        cdb.db
          .insertInto('backup_runs')
          .values({ file: created.path, started_at: localDateTime(created.startedAt), finished_at: localDateTime(created.finishedAt), bytes: m.bytes, sha256: m.sha256, verified: 1 })
          .execute(),
      );
      ctx.info(
        `backup written: ${created.path} (${formatBytes(m.bytes)}${m.compressed ? `, ${formatBytes(m.database_bytes)} uncompressed` : ''}, ` +
          `${totalRows(m.rows)} rows, ${m.engine === 'postgresql' ? pgCheckLabel(m) : m.check === 'full' ? 'integrity_check' : 'quick_check'} ok, ${(m.timings_ms.total! / 1000).toFixed(1)} s)`,
      );
      rotate(ctx, dir, policy, created, target);
      return created;
    } finally {
      lock.release();
    }
  });
}

/**
 * With --quiet (cron) a failure is one line on stderr: the hint goes into the message instead of
 * a second line.
 */
async function oneLineWhenQuiet(ctx: Context, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (raw) {
    const err = classifyError(raw);
    if (ctx.quiet && err instanceof CrmError && err.hint) {
      err.message = `${err.message} (${err.hint})`;
      (err as { hint?: string }).hint = undefined;
    }
    throw err;
  }
}

function logLine(file: string, line: string): void {
  fs.appendFileSync(file, line + '\n', { mode: 0o600 });
}

export async function run(ctx: Context, flags: CreateFlags): Promise<void> {
  await oneLineWhenQuiet(ctx, () => createLogged(ctx, flags));
}

async function createLogged(ctx: Context, flags: CreateFlags): Promise<void> {
  const logFile = flags.log ? path.resolve(flags.log) : undefined;
  const started = ctx.now();
  try {
    const policy = parsePolicy(flags);
    const created = await withInterrupt('backup', 'no backup was kept', (signal) => backupOnce(ctx, flags, policy, signal));
    if (logFile) {
      const m = created.manifest;
      logLine(logFile, `${isoLocal(started)} backup ok ${created.path} ${m.bytes} bytes sha256=${m.sha256} rows=${totalRows(m.rows)} ${(m.timings_ms.total! / 1000).toFixed(1)}s`);
    }
  } catch (raw) {
    if (logFile) {
      const err = classifyError(raw);
      const code = err instanceof CrmError ? err.exitCode : 70;
      const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
      try {
        logLine(logFile, `${isoLocal(started)} backup FAILED exit=${code} ${message}`);
      } catch {
        // the original failure is what the user must see
      }
    }
    throw raw;
  }
}

// ---- crm backup list ------------------------------------------------------------------------

export interface DirFlags {
  dir?: string;
}

function backupRow(b: BackupEntry): Row {
  return {
    file: b.name,
    created_at: localDateTime(b.createdAt),
    bytes: b.sizeOnDisk,
    size: formatBytes(b.sizeOnDisk),
    compressed: b.manifest.compressed,
    verified: b.verified,
    last_checked: localDateTime(new Date(b.manifest.last_verify?.at ?? b.manifest.finished_at)),
    schema_version: b.manifest.schema_version,
    rows: totalRows(b.manifest.rows),
    clients: b.manifest.rows.clients ?? null,
    problem: b.problem,
  };
}

export async function list(ctx: Context, flags: DirFlags): Promise<void> {
  const dir = backupDirOf(flags.dir, ctx.dbFlag, ctx.env);
  const catalog = readCatalog(dir);
  const model: TableModel = {
    title: `Backups in ${dir}`,
    columns: [
      { key: 'file', header: 'File' },
      { key: 'created_at', header: 'Taken', type: 'date' },
      { key: 'bytes', header: 'Bytes', type: 'int' },
      { key: 'size', header: 'Size' },
      { key: 'compressed', header: 'Gzip', type: 'bool' },
      { key: 'verified', header: 'Verified', type: 'bool' },
      { key: 'last_checked', header: 'Checked', type: 'date' },
      { key: 'schema_version', header: 'Schema', type: 'int' },
      { key: 'rows', header: 'Rows', type: 'int' },
      { key: 'clients', header: 'Clients', type: 'int' },
      { key: 'problem', header: 'Problem' },
    ],
    rows: catalog.backups.map(backupRow),
  };
  await ctx.output(model);
  if (catalog.unrecognised.length > 0) {
    ctx.info(`not crm backups (no manifest names them), left alone: ${catalog.unrecognised.join(', ')}`);
  }
}

// ---- crm backup verify ----------------------------------------------------------------------

export interface VerifyFlags extends DirFlags {
  all?: boolean;
  check?: string;
}

function verifyRow(o: VerifyOutcome): Row {
  const integrity = o.inspection ? (o.inspection.problems[0] ?? 'ok') : 'not checked';
  return {
    file: o.path,
    created_at: o.manifest ? localDateTime(new Date(o.manifest.created_at)) : null,
    checksum: o.checksum,
    integrity,
    rows: o.inspection && o.inspection.problems.length === 0 ? totalRows(o.inspection.rows) : null,
    result: isGood(o) ? 'ok' : 'FAILED',
    problem: o.problems[0] ?? null,
  };
}

export async function verify(ctx: Context, file: string | undefined, flags: VerifyFlags): Promise<void> {
  await oneLineWhenQuiet(ctx, () => verifyBackups(ctx, file, flags));
}

async function verifyBackups(ctx: Context, file: string | undefined, flags: VerifyFlags): Promise<void> {
  if (file && flags.all) throw new UsageError('give a backup FILE or --all, not both');
  const level = parseCheck(flags.check);
  let targets: string[];
  if (file) targets = [resolveBackupFile(file, lookupDirOf(flags.dir, ctx.dbFlag, ctx.env))];
  else {
    const dir = backupDirOf(flags.dir, ctx.dbFlag, ctx.env);
    const backups = readCatalog(dir).backups;
    if (backups.length === 0) throw new CrmError(`no backups in ${dir} to verify`, 'take one with crm backup, or point --dir at the backup directory');
    targets = flags.all ? backups.map((b) => b.path) : [backups[backups.length - 1]!.path];
  }
  const outcomes = await withInterrupt('verify', 'nothing was changed', async (signal) => {
    const done: VerifyOutcome[] = [];
    for (const t of targets) {
      ctx.info(`verifying ${t} …`);
      const outcome = isPgDump(t) ? await verifyPgBackupFile(t, { level, env: ctx.env, signal }) : await verifyBackupFile(t, { level, signal });
      recordVerify(outcome, ctx.now());
      done.push(outcome);
    }
    return done;
  });
  await ctx.output({
    columns: [
      { key: 'file', header: 'File' },
      { key: 'created_at', header: 'Taken', type: 'date' },
      { key: 'checksum', header: 'sha256' },
      { key: 'integrity', header: 'Integrity' },
      { key: 'rows', header: 'Rows', type: 'int' },
      { key: 'result', header: 'Result' },
      { key: 'problem', header: 'Problem' },
    ],
    rows: outcomes.map(verifyRow),
  });
  const failed = outcomes.filter((o) => !isGood(o));
  if (failed.length > 0) {
    const first = failed[0]!;
    throw new IntegrityError(
      failed.length === 1 && outcomes.length === 1 ? `${first.path} is damaged: ${first.problems[0]}` : `${failed.length} of ${outcomes.length} backups are damaged; first: ${first.path}: ${first.problems[0]}`,
      'do not restore a damaged backup; take a fresh one with crm backup, and check the disk that holds them',
    );
  }
}

// ---- crm backup prune -----------------------------------------------------------------------

export interface PruneFlags extends DirFlags, KeepFlags {
  dryRun?: boolean;
  wait?: boolean | string;
}

function pruneRow(item: PruneItem, dryRun: boolean): Row {
  return {
    file: item.entry.name,
    created_at: localDateTime(item.entry.createdAt),
    verified: item.entry.verified,
    action: item.decision.keep ? 'keep' : dryRun ? 'would delete' : 'deleted',
    reasons: item.decision.reasons.join(', '),
  };
}

export async function prune(ctx: Context, flags: PruneFlags): Promise<void> {
  await oneLineWhenQuiet(ctx, () => pruneBackups(ctx, flags));
}

async function pruneBackups(ctx: Context, flags: PruneFlags): Promise<void> {
  const policy = parsePolicy(flags);
  if (isEmptyPolicy(policy)) throw new UsageError('say what to keep: --keep-last N, --keep-daily D, --keep-weekly W and/or --keep-monthly M');
  const target = resolveTarget(ctx.dbFlag, ctx.env);
  const dir = backupDirFor(flags.dir, ctx.env, target, '--dir');
  const dryRun = flags.dryRun ?? false;
  const items = await withInterrupt('prune', 'nothing was deleted', async (signal) => {
    if (dryRun) return planPrune(catalogOf(readCatalog(dir), target), policy);
    if (!fs.existsSync(dir)) return [];
    const lock = await lockDir(ctx, dir, parseWait(flags.wait), signal);
    try {
      const plan = planPrune(catalogOf(readCatalog(dir), target), policy);
      applyPrune(dir, plan);
      return plan;
    } finally {
      lock.release();
    }
  });
  await ctx.output({
    columns: [
      { key: 'file', header: 'File' },
      { key: 'created_at', header: 'Taken', type: 'date' },
      { key: 'verified', header: 'Verified', type: 'bool' },
      { key: 'action', header: 'Action' },
      { key: 'reasons', header: 'Kept by' },
    ],
    rows: items.map((i) => pruneRow(i, dryRun)),
  });
}
