/**
 * The names of PostgreSQL backups: `crm-<database>-YYYYMMDD-HHMMSS.dump` (local time it was
 * taken, `.N` added on a clash), a pg_dump custom-format archive, with the same `<name>.json`
 * manifest beside it as a SQLite backup. The database is in the name because a server has no
 * "beside the database": one backup directory may hold the dumps of several databases, and
 * rotation only ever counts the dumps of the database it backs up.
 */
import type { BackupName } from './naming.js';

const PG_BACKUP_NAME = /^crm-(.+)-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:\.(\d{1,4}))?\.dump$/u;

const pad = (n: number) => String(n).padStart(2, '0');

/** A database name as it appears in a file name: letters, digits, `_` and `-`; anything else becomes `_`. */
export function databaseTag(database: string): string {
  return database.replace(/[^\p{L}\p{N}_-]/gu, '_') || '_';
}

/** `crm-sales-20261122-020000.dump`, `crm-sales-20261122-020000.1.dump`, … */
export function pgBackupFileName(database: string, at: Date, seq: number): string {
  const stamp = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
  return `crm-${databaseTag(database)}-${stamp}${seq > 0 ? `.${seq}` : ''}.dump`;
}

export interface PgBackupName extends BackupName {
  /** the database tag from the name (databaseTag() of the database's name) */
  readonly database: string;
}

/** The parts of a PostgreSQL backup name, or null when the name is not one. */
export function parsePgBackupName(name: string): PgBackupName | null {
  const m = PG_BACKUP_NAME.exec(name);
  if (!m) return null;
  const [, db, y, mo, d, h, mi, s, seq] = m;
  return { stamp: `${y}-${mo}-${d} ${h}:${mi}:${s}`, seq: seq ? Number(seq) : 0, compressed: false, database: db! };
}

/** Whether a backup file name is a dump of that database. */
export function isDumpOf(name: string, database: string): boolean {
  return parsePgBackupName(name)?.database === databaseTag(database);
}
