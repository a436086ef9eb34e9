/**
 * crm restore FILE — check the backup, ask (or require --yes), keep the current database as a
 * safety copy and put the backup in its place atomically. See src/backup/restore.ts.
 */
import fs from 'node:fs';
import { formatBytes } from '../../backup/files.js';
import { withInterrupt } from '../../backup/interrupt.js';
import { totalRows } from '../../backup/manifest.js';
import { backupDir, resolveBackupFile } from '../../backup/paths.js';
import { commitRestore, discardRestore, prepareRestore, safetyName, type PreparedRestore } from '../../backup/restore.js';
import { resolveDbPath } from '../../db/open.js';
import { resolveTarget } from '../../db/target.js';
import { InterruptedError, UsageError } from '../../errors.js';
import { localDateTime } from '../../util/dates.js';
import type { Context } from '../context.js';

export interface RestoreFlags {
  dir?: string;
  yes?: boolean;
  dryRun?: boolean;
}

function describeBackup(p: PreparedRestore): string {
  const m = p.outcome.manifest;
  const rows = totalRows(p.outcome.inspection?.rows ?? {});
  const taken = m ? `taken ${localDateTime(new Date(m.created_at))}, ` : '';
  return `${taken}${rows} rows, schema version ${p.outcome.inspection?.userVersion ?? '?'}`;
}

export async function confirm(ctx: Context, message: string): Promise<boolean> {
  const { createPromptModule } = await import('inquirer');
  const prompt = createPromptModule({ input: ctx.streams.stdin as NodeJS.ReadStream, output: ctx.streams.stderr as NodeJS.WriteStream });
  try {
    const answer = await prompt<{ ok: boolean }>([{ type: 'confirm', name: 'ok', message, default: false }]);
    return answer.ok;
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') return false;
    throw err;
  }
}

export async function run(ctx: Context, file: string, flags: RestoreFlags): Promise<void> {
  const target = resolveTarget(ctx.dbFlag, ctx.env);
  if (target.kind === 'postgres') return (await import('./restore-pg.js')).restoreOnServer(ctx, file, flags, target, confirm);
  const live = resolveDbPath(ctx.dbFlag, ctx.env);
  const dryRun = flags.dryRun ?? false;
  if (!flags.yes && !dryRun && !ctx.interactive) {
    throw new UsageError(`restore replaces ${live}: add --yes to confirm (there is no terminal to ask on)`, `or check first with: crm restore ${file} --dry-run`);
  }
  const backup = resolveBackupFile(file, backupDir(flags.dir, ctx.env, live));
  await withInterrupt('restore', 'nothing was changed', async (signal) => {
    ctx.info(`checking ${backup} …`);
    const prepared = await prepareRestore(backup, live, signal);
    try {
      const what = describeBackup(prepared);
      const current = fs.existsSync(live) ? `${live} (${formatBytes(fs.statSync(live).size)}, modified ${localDateTime(fs.statSync(live).mtime)})` : `${live} (no file there yet)`;
      if (dryRun) {
        const checksum = prepared.outcome.checksum === 'ok' ? 'its sha256 matches its manifest' : 'no manifest to compare its sha256 with';
        ctx.info(`${backup} is good (${what}): ${checksum}, integrity_check ok`);
        ctx.info(`crm restore would replace ${current}, keeping it as ${safetyName(live, ctx.now())}; nothing was changed`);
        return;
      }
      if (!flags.yes) {
        ctx.info(`${backup} is good (${what}).`);
        const ok = await confirm(ctx, `Replace ${current} with it? The current file is kept as a safety copy.`);
        if (!ok) throw new InterruptedError('restore cancelled; nothing was changed');
      }
      const result = await commitRestore(prepared, ctx.now(), signal);
      if (result.damaged) ctx.warn(`the previous database could not be opened (${result.damaged}); it was replaced all the same`);
      ctx.info(`restored ${live} from ${backup} (${what})`);
      if (result.safety) ctx.info(`the previous database is kept as ${result.safety}`);
    } finally {
      discardRestore(prepared);
    }
  });
}
