/**
 * What is in a backup directory. crm's own backups are the files with a backup name AND a
 * manifest that names them; everything else is left alone (listed as such, never deleted).
 */
import fs from 'node:fs';
import path from 'node:path';
import { localDate } from '../util/dates.js';
import { parseManifest, type Manifest } from './manifest.js';
import { fileOfManifestName, isTempName, manifestNameFor, parseBackupName } from './naming.js';
import type { RetentionCandidate } from './retention.js';

export interface BackupEntry {
  readonly name: string;
  readonly path: string;
  readonly manifestPath: string;
  readonly manifest: Manifest;
  readonly sizeOnDisk: number;
  readonly createdAt: Date;
  /** passed its check when written (and its latest verify, if any) and still has the size in its manifest */
  readonly verified: boolean;
  /** why it is not verified */
  readonly problem: string | null;
}

export interface Catalog {
  readonly dir: string;
  /** own backups, oldest first */
  readonly backups: readonly BackupEntry[];
  /** names that look like backups but have no valid manifest naming them: not crm's, never touched */
  readonly unrecognised: readonly string[];
  /** manifests whose backup file is gone (a run killed between its two renames, or a file deleted by hand) */
  readonly orphanManifests: readonly string[];
  /** leftovers of runs that were killed */
  readonly temps: readonly string[];
}

function entryFor(dir: string, name: string): BackupEntry | null {
  const manifestPath = path.join(dir, manifestNameFor(name));
  let text: string;
  try {
    text = fs.readFileSync(manifestPath, 'utf8');
  } catch {
    return null;
  }
  const parsed = parseManifest(text, name);
  if (!parsed.ok) return null;
  const m = parsed.manifest;
  const file = path.join(dir, name);
  const size = fs.statSync(file, { throwIfNoEntry: false })?.size;
  if (size === undefined) return null; // deleted meanwhile (a prune in another process)
  let problem: string | null = null;
  if (size !== m.bytes) problem = `the file has ${size} bytes, its manifest says ${m.bytes}`;
  else if (m.last_verify && !m.last_verify.ok) problem = `failed verify on ${m.last_verify.at}: ${m.last_verify.problem ?? 'damaged'}`;
  return { name, path: file, manifestPath, manifest: m, sizeOnDisk: size, createdAt: new Date(m.created_at), verified: problem === null, problem };
}

function isOwnManifest(file: string, names: string): boolean {
  try {
    return parseManifest(fs.readFileSync(file, 'utf8'), names).ok;
  } catch {
    return false;
  }
}

export function readCatalog(dir: string): Catalog {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { dir, backups: [], unrecognised: [], orphanManifests: [], temps: [] };
    throw err;
  }
  const present = new Set(names);
  const backups: BackupEntry[] = [];
  const unrecognised: string[] = [];
  const orphanManifests: string[] = [];
  const temps: string[] = [];
  for (const name of names.sort()) {
    if (isTempName(name)) temps.push(name);
    else if (parseBackupName(name)) {
      const entry = entryFor(dir, name);
      if (entry) backups.push(entry);
      else unrecognised.push(name);
    } else {
      const file = fileOfManifestName(name);
      if (file && !present.has(file) && isOwnManifest(path.join(dir, name), file)) orphanManifests.push(name);
    }
  }
  const seq = (b: BackupEntry) => parseBackupName(b.name)?.seq ?? 0;
  backups.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || seq(a) - seq(b) || (a.name < b.name ? -1 : 1));
  return { dir, backups, unrecognised, orphanManifests, temps };
}

/** The input of the retention policy. */
export function retentionCandidates(backups: readonly BackupEntry[]): RetentionCandidate[] {
  return backups.map((b) => ({ name: b.name, at: b.createdAt.getTime(), day: localDate(b.createdAt), verified: b.verified, seq: parseBackupName(b.name)?.seq ?? 0 }));
}
