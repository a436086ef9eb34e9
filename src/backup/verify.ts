/**
 * Checking a backup file again, long after it was written: its sha256 against its manifest, and
 * PRAGMA integrity_check on its content (decompressed into a private temporary file when
 * gzipped). Also the first half of every restore.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { APPLICATION_ID, headerJournal, useRollbackJournal, type FileInspection } from '../db/sqlite.js';
import { CrmError } from '../errors.js';
import { copyHashed, isGzip, sha256File, writeFileAtomic, type Hashed } from './files.js';
import { inspectCopy } from './inspect.js';
import { checkInterrupted } from './interrupt.js';
import { isoLocal, parseManifest, serializeManifest, type CheckLevel, type Manifest } from './manifest.js';
import { TEMP_PREFIX, manifestNameFor } from './naming.js';

export type ChecksumVerdict = 'ok' | 'mismatch' | 'no manifest';

export interface VerifyOutcome {
  readonly path: string;
  readonly manifest: Manifest | null;
  /** why the manifest beside the file could not be used */
  readonly manifestProblem: string | null;
  readonly checksum: ChecksumVerdict;
  readonly stored: Hashed;
  readonly inspection: FileInspection | null;
  /** everything wrong, first the most telling; empty when the backup is good */
  readonly problems: readonly string[];
}

export function isGood(o: VerifyOutcome): boolean {
  return o.problems.length === 0;
}

/** The manifest beside a backup file: null when there is none. */
export function readManifestOf(file: string): { manifest: Manifest | null; problem: string | null } {
  let text: string;
  try {
    text = fs.readFileSync(manifestNameFor(file), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { manifest: null, problem: null };
    throw err;
  }
  const parsed = parseManifest(text, path.basename(file));
  return parsed.ok ? { manifest: parsed.manifest, problem: null } : { manifest: null, problem: parsed.reason };
}

function checksumVerdict(manifest: Manifest | null, stored: Hashed): ChecksumVerdict {
  if (!manifest) return 'no manifest';
  return manifest.sha256 === stored.sha256 && manifest.bytes === stored.bytes ? 'ok' : 'mismatch';
}

function judge(file: string, manifest: Manifest | null, manifestProblem: string | null, stored: Hashed, inspection: FileInspection | null, readProblem: string | null): VerifyOutcome {
  const checksum = checksumVerdict(manifest, stored);
  const problems: string[] = [];
  if (manifestProblem) problems.push(`its manifest cannot be used: ${manifestProblem}`);
  if (checksum === 'mismatch') problems.push('its sha256 differs from the manifest: the file was changed or damaged after it was written');
  if (readProblem) problems.push(readProblem);
  if (inspection) {
    for (const p of inspection.problems) problems.push(`integrity_check: ${p}`);
    if (inspection.problems.length === 0 && inspection.applicationId !== APPLICATION_ID) problems.push('it is a SQLite database but not a crm database');
  }
  return { path: file, manifest, manifestProblem, checksum, stored, inspection, problems };
}

export interface MaterializeOptions {
  readonly level: CheckLevel;
  readonly signal?: AbortSignal;
}

/**
 * Copies a backup to `target` (a new file; decompressed if need be), hashing what it reads, and
 * checks the copy: one pass over the stored file. `target` is left in place whatever the outcome;
 * the caller decides whether to use or delete it.
 */
export async function materializeAndCheck(file: string, target: string, opts: MaterializeOptions): Promise<VerifyOutcome> {
  const { manifest, problem } = readManifestOf(file);
  const gunzip = manifest ? manifest.compressed : isGzip(file);
  let stored: Hashed;
  try {
    stored = await copyHashed(file, target, { gunzip, signal: opts.signal });
  } catch (err) {
    checkInterrupted(opts.signal);
    if (!gunzip || (err as NodeJS.ErrnoException).code?.startsWith('Z_') !== true) throw err;
    return judge(file, manifest, problem, await sha256File(file, opts.signal), null, `it does not decompress: ${(err as Error).message}`);
  }
  checkInterrupted(opts.signal);
  useRollbackJournal(target);
  const inspection = await inspectCopy(target, opts.level, opts.signal);
  return judge(file, manifest, problem, stored, inspection, null);
}

/** Verifies a backup file where it lies (a private decompressed copy for .gz), changing nothing. */
export async function verifyBackupFile(file: string, opts: MaterializeOptions): Promise<VerifyOutcome> {
  if (!fs.existsSync(file)) throw new CrmError(`no backup at ${file}`, 'crm backup list shows the backups in the backup directory');
  const { manifest, problem } = readManifestOf(file);
  const compressed = manifest ? manifest.compressed : isGzip(file);
  if (!compressed && headerJournal(file) !== 'wal') {
    const [stored, inspection] = await Promise.all([sha256File(file, opts.signal), inspectCopy(file, opts.level, opts.signal)]);
    return judge(file, manifest, problem, stored, inspection, null);
  }
  // gzipped, or a WAL-mode file from elsewhere: check a private copy
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), TEMP_PREFIX));
  try {
    return await materializeAndCheck(file, path.join(tmpDir, 'copy.db'), opts);
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

/**
 * Notes the outcome in the manifest, so `crm backup list` and rotation know about damage found
 * later. Best effort: a backup on read-only media is verified all the same.
 */
export function recordVerify(outcome: VerifyOutcome, at: Date): boolean {
  if (!outcome.manifest) return false;
  const updated: Manifest = {
    ...outcome.manifest,
    last_verify: { at: isoLocal(at), ok: outcome.problems.length === 0, ...(outcome.problems[0] ? { problem: outcome.problems[0] } : {}) },
  };
  try {
    writeFileAtomic(manifestNameFor(outcome.path), serializeManifest(updated), `${TEMP_PREFIX}${process.pid}-verify.json`);
    return true;
  } catch {
    return false;
  }
}
