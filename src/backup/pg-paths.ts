/**
 * The backup directory and the backups of one database, whichever the backend. A server has no
 * "beside the database": on PostgreSQL the directory must be given (--to / --dir, or
 * CRM_BACKUP_DIR). A directory may hold the backups of several databases; rotation only ever
 * counts those of the database it was given (a server's dumps by their database's name; a
 * SQLite file's backups are the .db files).
 */
import path from 'node:path';
import { resolveTarget, type DbTarget } from '../db/target.js';
import { UsageError } from '../errors.js';
import type { Catalog } from './catalog.js';
import { backupDir } from './paths.js';
import { isDumpOf, parsePgBackupName } from './pg-naming.js';

/** The backup directory for a target: --to/--dir, else $CRM_BACKUP_DIR, else (SQLite only) backups/ beside the file. */
export function backupDirFor(flag: string | undefined, env: NodeJS.ProcessEnv, target: DbTarget, option = '--to'): string {
  if (target.kind === 'sqlite') return backupDir(flag, env, target.path);
  if (flag) return path.resolve(flag);
  if (env.CRM_BACKUP_DIR) return path.resolve(env.CRM_BACKUP_DIR);
  throw new UsageError(
    `a backup of a PostgreSQL server needs a directory: give ${option} DIR or set CRM_BACKUP_DIR`,
    `for example: crm backup --db ${target.display} ${option === '--to' ? '--to' : option} /srv/crm-backups`,
  );
}

/** The same, from the --db flag and CRM_DB. */
export function backupDirOf(flag: string | undefined, dbFlag: string | undefined, env: NodeJS.ProcessEnv, option = '--dir'): string {
  return backupDirFor(flag, env, resolveTarget(dbFlag, env), option);
}

/** Where a bare backup name given on the command line is looked for: the backup directory, or on a server without one the current directory. */
export function lookupDirOf(flag: string | undefined, dbFlag: string | undefined, env: NodeJS.ProcessEnv): string {
  const target = resolveTarget(dbFlag, env);
  if (target.kind === 'postgres' && !flag && !env.CRM_BACKUP_DIR) return process.cwd();
  return backupDirFor(flag, env, target, '--dir');
}

/** The backups in a catalog that belong to a target: what its rotation may count and delete. */
export function catalogOf(catalog: Catalog, target: DbTarget): Catalog {
  const mine = (name: string) => (target.kind === 'postgres' ? isDumpOf(name, target.database) : parsePgBackupName(name) === null);
  return { ...catalog, backups: catalog.backups.filter((b) => mine(b.name)) };
}
