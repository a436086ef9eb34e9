/**
 * The names crm gives to the files in a backup directory. A backup is `crm-YYYYMMDD-HHMMSS.db`
 * (local time it was taken, `.N` added on a clash, `.gz` when compressed) with a manifest
 * `<name>.json` beside it. Work in progress never has such a name: it is a hidden
 * `.crm-backup-tmp-*` file, so a half-written copy can never be mistaken for a backup.
 */
import { parsePgBackupName } from './pg-naming.js';

const BACKUP_NAME = /^crm-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:\.(\d{1,4}))?\.db(\.gz)?$/;

export const MANIFEST_SUFFIX = '.json';
export const TEMP_PREFIX = '.crm-backup-tmp-';
export const RESTORE_TEMP_PREFIX = '.crm-restore-tmp-';
export const LOCK_NAME = '.crm-backup.lock';

export interface BackupName {
  /** local wall-clock time from the name, 'YYYY-MM-DD HH:MM:SS' */
  readonly stamp: string;
  /** 0 for the first backup of that second, then 1, 2, … */
  readonly seq: number;
  readonly compressed: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `crm-20261122-020000.db`, `crm-20261122-020000.1.db.gz`, … */
export function backupFileName(at: Date, seq: number, compressed: boolean): string {
  const stamp = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
  return `crm-${stamp}${seq > 0 ? `.${seq}` : ''}.db${compressed ? '.gz' : ''}`;
}

/** The parts of a backup file name, or null when the name is not one crm gives. */
export function parseBackupName(name: string): BackupName | null {
  const m = BACKUP_NAME.exec(name);
  if (!m) return parsePgBackupName(name); // crm-<database>-….dump: see pg-naming.ts
  const [, y, mo, d, h, mi, s, seq, gz] = m;
  return { stamp: `${y}-${mo}-${d} ${h}:${mi}:${s}`, seq: seq ? Number(seq) : 0, compressed: gz !== undefined };
}

export function manifestNameFor(file: string): string {
  return file + MANIFEST_SUFFIX;
}

/** The backup file a manifest name belongs to, or null when it is not a backup manifest name. */
export function fileOfManifestName(name: string): string | null {
  if (!name.endsWith(MANIFEST_SUFFIX)) return null;
  const file = name.slice(0, -MANIFEST_SUFFIX.length);
  return parseBackupName(file) ? file : null;
}

/** Work files of a backup run (and locks moved aside by lock.ts): only a killed run leaves them. */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) || name.startsWith(`${LOCK_NAME}.stale-`);
}
