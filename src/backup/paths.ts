/** Where backups are: the directory flags, the environment, the default beside the database. */
import fs from 'node:fs';
import path from 'node:path';

/** --to/--dir, else $CRM_BACKUP_DIR, else backups/ beside the database. */
export function backupDir(flag: string | undefined, env: NodeJS.ProcessEnv, dbPath: string): string {
  if (flag) return path.resolve(flag);
  if (env.CRM_BACKUP_DIR) return path.resolve(env.CRM_BACKUP_DIR);
  return path.join(path.dirname(dbPath), 'backups');
}

/** A path as given, or a bare backup name looked up in the backup directory. */
export function resolveBackupFile(file: string, dir: string): string {
  if (fs.existsSync(file) || file.includes('/') || file.includes(path.sep)) return path.resolve(file);
  const inDir = path.join(dir, file);
  return fs.existsSync(inDir) ? inDir : path.resolve(file);
}
