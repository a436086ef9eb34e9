/**
 * The manifest beside every backup: what the file is (its checksum as stored), what is in it
 * (rows per table, schema version) and where it came from. A file is one of crm's backups only
 * when a manifest names it; `crm backup verify` records its latest result here.
 */
import os from 'node:os';

export const MANIFEST_FORMAT = 'crm-backup';
export const MANIFEST_VERSION = 1;

export type CheckLevel = 'full' | 'quick';

export interface VerifyRecord {
  /** ISO 8601 with the local offset */
  readonly at: string;
  readonly ok: boolean;
  /** the first problem found, when not ok */
  readonly problem?: string;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly format_version: number;
  /** the backup file's name (no directory) */
  readonly file: string;
  /** when the copy was taken (its consistent moment), ISO 8601 with the local offset */
  readonly created_at: string;
  readonly finished_at: string;
  /** size of the file as stored (compressed when `compressed`) */
  readonly bytes: number;
  /** sha256 of the file as stored, lowercase hex */
  readonly sha256: string;
  readonly compressed: boolean;
  /** size of the database itself */
  readonly database_bytes: number;
  /** the database it is a copy of, absolute path */
  readonly source: string;
  readonly schema_version: number;
  /** the SQLite library that wrote the copy (absent in a PostgreSQL backup) */
  readonly sqlite_version?: string;
  /** 'postgresql': the file is a pg_dump custom-format archive and `postgresql` says of what (pg-dump.ts) */
  readonly engine?: 'postgresql';
  readonly postgresql?: { readonly database: string; readonly server_version: string; readonly pg_dump_version: string };
  readonly crm_version: string;
  readonly host: string;
  /** which PRAGMA checked the copy before it got its name: full = integrity_check, quick = quick_check */
  readonly check: CheckLevel;
  /** how the copy was taken: the online backup API in one step, or VACUUM INTO (absent from older manifests) */
  readonly copy?: 'backup-api' | 'vacuum-into';
  /** rows per table at the moment of the copy */
  readonly rows: Readonly<Record<string, number>>;
  /** milliseconds spent in each step, for the benchmark and for curiosity */
  readonly timings_ms: Readonly<Record<string, number>>;
  /** the latest `crm backup verify` of this file */
  readonly last_verify?: VerifyRecord;
}

export type ManifestParse = { ok: true; manifest: Manifest } | { ok: false; reason: string };

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Parses and checks a manifest; `expectedFile` is the name of the file it must describe. */
export function parseManifest(text: string, expectedFile: string): ManifestParse {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the manifest is not valid JSON' };
  }
  if (typeof data !== 'object' || data === null) return { ok: false, reason: 'the manifest is not a JSON object' };
  const m = data as Record<string, unknown>;
  if (m.format !== MANIFEST_FORMAT) return { ok: false, reason: `not a crm backup manifest (format ${JSON.stringify(m.format)})` };
  if (!isCount(m.format_version) || m.format_version > MANIFEST_VERSION) {
    return { ok: false, reason: `manifest format version ${String(m.format_version)} is newer than this crm understands` };
  }
  if (m.file !== expectedFile) return { ok: false, reason: `the manifest describes ${JSON.stringify(m.file)}, not ${expectedFile}` };
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)) return { ok: false, reason: 'the manifest has no valid sha256' };
  if (!isCount(m.bytes)) return { ok: false, reason: 'the manifest has no valid size' };
  if (typeof m.created_at !== 'string' || Number.isNaN(Date.parse(m.created_at))) return { ok: false, reason: 'the manifest has no valid created_at' };
  if (typeof m.compressed !== 'boolean') return { ok: false, reason: 'the manifest does not say whether the file is compressed' };
  if (typeof m.rows !== 'object' || m.rows === null || !Object.values(m.rows).every(isCount)) return { ok: false, reason: 'the manifest has no valid row counts' };
  return { ok: true, manifest: data as Manifest };
}

/** A new backup's manifest: the format, its times as local ISO 8601 and this host stamped, the rest as given. */
export function newManifest(startedAt: Date, finishedAt: Date, fields: Omit<Manifest, 'format' | 'format_version' | 'created_at' | 'finished_at' | 'host'>): Manifest {
  const { file, ...rest } = fields;
  return { format: MANIFEST_FORMAT, format_version: MANIFEST_VERSION, file, created_at: isoLocal(startedAt), finished_at: isoLocal(finishedAt), ...rest, host: os.hostname() };
}

export function serializeManifest(m: Manifest): string {
  return JSON.stringify(m, null, 2) + '\n';
}

/** Sum of the rows of every table. */
export function totalRows(rows: Readonly<Record<string, number>>): number {
  return Object.values(rows).reduce((a, b) => a + b, 0);
}

/** ISO 8601 with the local UTC offset: '2026-11-22T02:00:00.123+03:00'. */
export function isoLocal(d: Date): string {
  const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}` +
    `${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`
  );
}
