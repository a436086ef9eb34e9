/**
 * Applying a retention policy to a backup directory, and sweeping what killed runs left behind.
 * Only crm's own backups (catalog.ts) are ever candidates; the caller holds the lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readCatalog, retentionCandidates, type BackupEntry, type Catalog } from './catalog.js';
import { fsyncDir } from './files.js';
import { planRetention, type RetentionDecision, type RetentionPolicy } from './retention.js';

export interface PruneItem {
  readonly entry: BackupEntry;
  readonly decision: RetentionDecision;
}

/** The policy's decision for every backup, newest first. */
export function planPrune(catalog: Catalog, policy: RetentionPolicy): PruneItem[] {
  const byName = new Map(catalog.backups.map((b) => [b.name, b]));
  return planRetention(retentionCandidates(catalog.backups), policy).map((decision) => ({ entry: byName.get(decision.name)!, decision }));
}

/** Deletes a backup: the file first, then its manifest (a manifest alone is not a backup). */
export function deleteBackup(entry: BackupEntry): void {
  fs.rmSync(entry.path, { force: true });
  fs.rmSync(entry.manifestPath, { force: true });
}

/** Deletes what the policy does not keep; returns the deleted entries. */
export function applyPrune(dir: string, items: readonly PruneItem[]): BackupEntry[] {
  const deleted: BackupEntry[] = [];
  for (const item of items) {
    if (item.decision.keep) continue;
    deleteBackup(item.entry);
    deleted.push(item.entry);
  }
  if (deleted.length > 0) fsyncDir(dir);
  return deleted;
}

/**
 * Removes the temporary files and orphaned manifests of runs that were killed. Safe only under
 * the lock: then no other run can be writing them.
 */
export function sweepLeftovers(dir: string): string[] {
  const catalog = readCatalog(dir);
  const swept = [...catalog.temps, ...catalog.orphanManifests];
  for (const name of swept) fs.rmSync(path.join(dir, name), { force: true, recursive: true });
  return swept;
}
